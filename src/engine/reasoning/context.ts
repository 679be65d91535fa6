// Lays a stated-reasoning document out as the text the model reads: the template with the prompt and the joined
// steps filled in, cut before the answer. The whitespace just before {answer} belongs to the answer, as BPE
// tokenizers attach a leading space to the word that follows it.
import { type ReasoningDocument, type ReasoningStep, STEP_SEPARATOR } from './markdown';

export interface ReasoningContext {
  /** what the model reads before its answer */
  text: string;
  /** the answer as it follows `text` (leading whitespace from the template included), or undefined */
  answer: string | undefined;
  /** the whitespace the template puts before the answer */
  answerLead: string;
  /** [start, end) of the prompt in `text` */
  prompt: [number, number];
  /** [start, end) of each step in `text` */
  steps: [number, number][];
}

export function layoutContext(doc: ReasoningDocument): ReasoningContext {
  const t = doc.template;
  const ip = t.indexOf('{prompt}');
  const ir = t.indexOf('{reasoning}');
  const ia = t.indexOf('{answer}');
  const beforeAnswer = t.slice(ir + '{reasoning}'.length, ia);
  const lead = /\s*$/.exec(beforeAnswer)![0];
  let text = t.slice(0, ip);
  const promptStart = text.length;
  text += doc.prompt;
  const prompt: [number, number] = [promptStart, text.length];
  text += t.slice(ip + '{prompt}'.length, ir);
  const steps: [number, number][] = [];
  doc.steps.forEach((s, i) => {
    if (i > 0) text += STEP_SEPARATOR;
    steps.push([text.length, text.length + s.text.length]);
    text += s.text;
  });
  // no steps (early answering with none): the template's space before the reasoning goes too
  if (doc.steps.length === 0) text = text.replace(/[ \t]+$/, '');
  text += beforeAnswer.slice(0, beforeAnswer.length - lead.length);
  return { text, answer: doc.answer === undefined ? undefined : lead + doc.answer, answerLead: lead, prompt, steps };
}

/** Which characters of the context the author wrote (prompt and steps) rather than the template: 1 = content. */
export function contentMask(ctx: ReasoningContext): Uint8Array {
  const m = new Uint8Array(ctx.text.length);
  m.fill(1, ctx.prompt[0], ctx.prompt[1]);
  for (const [a, b] of ctx.steps) m.fill(1, a, b);
  return m;
}

/** The same document with other step texts (a prefix of the reasoning, a claim with a mistake, another prompt). */
export function withSteps(doc: ReasoningDocument, steps: string[], prompt = doc.prompt): ReasoningDocument {
  const step = (text: string): ReasoningStep => ({ text, lines: new Int32Array(text.length), cols: new Int32Array(text.length) });
  return { ...doc, prompt, steps: steps.map(step) };
}

/**
 * The prompt alone, laid out as the model answers it with no reasoning. A prompt that ends in a word or number
 * ("Fact: the capital of the state containing Dallas is") is completed by the answer itself; any other prompt (a
 * question) gets the template with an empty reasoning ("Q: …?\nReasoning:\nA:"), the layout the model answers in.
 * This is also early answering's zero-step prefix.
 */
export function promptOnlyContext(doc: ReasoningDocument, prompt = doc.prompt): ReasoningContext {
  if (/[\p{L}\p{N}]$/u.test(prompt)) {
    const t = doc.template;
    const ia = t.indexOf('{answer}');
    const lead = /\s*$/.exec(t.slice(t.indexOf('{reasoning}') + '{reasoning}'.length, ia))![0];
    const before = t.slice(0, t.indexOf('{prompt}'));
    return { text: before + prompt, answer: doc.answer === undefined ? undefined : lead + doc.answer, answerLead: lead, prompt: [before.length, before.length + prompt.length], steps: [] };
  }
  return layoutContext(withSteps(doc, [], prompt));
}
