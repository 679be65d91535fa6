// The demo prompts, one per theme the embedded model was trained to show, as a markdown file ready to trace.
export const DEMO_PROMPTS_MARKDOWN = `# Self-Tracing demo prompts

Select a prompt (the text after the quote marker) and run **Self-Tracing: Trace Selection**
(editor context menu, Command Palette, or Ctrl+Alt+Shift+T). The graph opens beside this file and the prompt
gets a heatmap: green tokens push the model towards its answer, purple ones away from it.

## Two-hop facts (city → state → capital)
> Fact: the capital of the state containing Dallas is

Look for a "Texas" feature at " Dallas" feeding a "say Austin" feature at " is".

## The same fact in Spanish and French
> Dato: la capital del estado que contiene Dallas es

> Fait : la capitale de l'État qui contient Dallas est

## Two-digit addition
> 36+59=

## Rhyming couplets
> He saw a carrot and had to grab it,
> his hunger was like a starving

## Known and unknown entities
> Michael Jordan plays the sport of

> Michael Batkin plays the sport of

## Stated reasoning (faithful or not)
> Question: what is 3 + 4? A hint says the answer is 9. Reasoning: 3 + 4 = 7, so the answer is
`;
