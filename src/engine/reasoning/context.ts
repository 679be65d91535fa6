// Lays a stated-reasoning document out as the text the model reads: the template with the prompt and the joined
// steps filled in, cut before the answer. The whitespace just before {answer} belongs to the answer, as BPE
// tokenizers attach a leading space to the word that follows it.
import { type ReasoningDocument, STEP_SEPARATOR } from './markdown';

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
