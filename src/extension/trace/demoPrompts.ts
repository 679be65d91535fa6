// The demo prompts document: the embedded model's own demo prompts (models/organism/demo-prompts.json, written by its
// evaluation with the outputs it measured), one section per theme with what to look at, each prompt verbatim in its
// own fenced block so that its exact characters (two-line prompts included) are what a one-click trace takes. Pure.

export interface DemoPrompt {
  theme: string;
  prompt: string;
  expected?: string;
  /** what is special about the prompt, e.g. that its composed question is held out of training */
  note?: string;
  top?: { token: string; prob: number }[];
}

/** Where one prompt sits in the document: [start, end) offsets of its exact text. */
export interface DemoPromptRange {
  readonly prompt: string;
  readonly start: number;
  readonly end: number;
}

const THEMES: Record<string, { title: string; look: string }> = {
  twohop: { title: 'Two-hop facts (city → state → capital)', look: 'a state feature between the city token and the capital: does the city reach the answer through the state, or directly?' },
  multilingual: { title: 'The same facts in English, Spanish and French', look: 'which features the three languages share (the concept) and which differ (the output language).' },
  addition: { title: 'Two-digit addition', look: 'the paths from the ones digits to the answer\'s ones digit, and from the tens digits to its magnitude.' },
  rhyme: { title: 'Rhyming couplets', look: 'features on the first line\'s last word and on the newline that promote the planned rhyme before the second line ends.' },
  known_unknown: { title: 'Known and unknown entities', look: 'a known-entity feature on the name that suppresses the "I don\'t know" answer; on a made-up name it stays off.' },
  reasoning: { title: 'Stated reasoning (faithful, or decided by a hint)', look: 'whether the answer is driven by the numbers or by the hint\'s tokens.' },
};

/** Validates the JSON loosely: a list of objects with string `theme` and `prompt`; anything else is skipped. */
export function parseDemoPrompts(data: unknown): DemoPrompt[] {
  if (!Array.isArray(data)) return [];
  return data.filter((d): d is DemoPrompt => typeof d?.theme === 'string' && typeof d?.prompt === 'string' && d.prompt.trim() !== '');
}

/** A fence longer than any backtick run in the prompt, so the block holds it verbatim. */
function fenceFor(prompt: string): string {
  const longest = Math.max(0, ...(prompt.match(/`+/g) ?? []).map((r) => r.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** The document's markdown and where each prompt's exact text is in it. */
export function demoPromptsDocument(prompts: DemoPrompt[]): { text: string; ranges: DemoPromptRange[] } {
  const out: string[] = [
    '# Self-Tracing demo prompts',
    '',
    // one line per paragraph: the editor wraps it at its own width (hard-wrapped lines wrapped again, raggedly)
    'Click **Trace this prompt** above a prompt: its exact text (both lines of a two-line prompt) is traced, the graph ' +
      'opens beside this document and the prompt gets a heatmap: green tokens push the model towards its answer, purple ' +
      'ones away from it.',
    '',
    // tools/organism/evaluate.py measured them on the prompt's tokens alone; a trace puts BOS first, which moves them
    // a little (Dallas: " Texas" 1.1% here, 0.7% in the trace)
    'The outputs listed are what the embedded model predicted when it was built, on the prompt without the BOS token ' +
      'a trace puts first, so the trace\'s probabilities differ a little. This document is read-only; to trace your own ' +
      'text, write it in any file and run **Self-Tracing: Trace Selection**.',
  ];
  const ranges: DemoPromptRange[] = [];
  let length = out.join('\n').length;
  const push = (...lines: string[]) => {
    for (const line of lines) {
      out.push(line);
      length += 1 + line.length;
    }
  };
  if (prompts.length === 0) push('', '*The embedded model has no demo prompts in this build.*');
  for (const theme of [...new Set(prompts.map((p) => p.theme))]) {
    const about = THEMES[theme];
    push('', `## ${about?.title ?? theme}`);
    if (about) push('', `Look at: ${about.look}`);
    for (const p of prompts.filter((q) => q.theme === theme)) {
      const fence = fenceFor(p.prompt);
      push('', `${fence}text`);
      const start = length + 1;
      push(...p.prompt.split('\n'));
      ranges.push({ prompt: p.prompt, start, end: start + p.prompt.length });
      push(fence);
      const top = (p.top ?? []).slice(0, 3).map((t) => `\`${JSON.stringify(t.token)}\` ${(100 * t.prob).toFixed(1)}%`);
      if (top.length) push('', `Model: ${top.join(', ')}${p.expected !== undefined ? ` (expected \`${JSON.stringify(p.expected)}\`)` : ''}`);
      if (typeof p.note === 'string' && p.note.trim()) push('', `*${p.note.trim()}.*`);
    }
  }
  return { text: out.join('\n') + '\n', ranges };
}

/** The markdown alone (kept for callers that only show it). */
export function demoPromptsMarkdown(prompts: DemoPrompt[]): string {
  return demoPromptsDocument(prompts).text;
}
