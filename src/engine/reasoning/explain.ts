// Explain: the model states its own reasoning. The prompt is laid out as the template says (for the embedded
// model: the question, then "\nReasoning:"), the model continues greedily until it writes the answer prefix, then
// writes its answer; the result is a stated-reasoning document in the markdown format, ready to be compared.
import { EngineError } from '../errors';
import { generateGreedy } from '../generate';
import type { Model } from '../model/model';
import { sentences } from './claims';
import { DEFAULT_TEMPLATE, formatReasoningMarkdown } from './markdown';

export const DEFAULT_EXPLAIN_MAX_NEW_TOKENS = 64;
const ANSWER_MAX_TOKENS = 12;

export interface Explanation {
  markdown: string;
  steps: string[];
  answer: string;
  /** everything the model wrote after the prompt, verbatim */
  generated: string;
}

export async function explainPrompt(
  model: Model,
  prompt: string,
  opts: { template?: string; maxNewTokens?: number; signal?: AbortSignal } = {},
): Promise<Explanation> {
  const template = opts.template ?? DEFAULT_TEMPLATE;
  const ip = template.indexOf('{prompt}');
  const ir = template.indexOf('{reasoning}');
  const ia = template.indexOf('{answer}');
  if (ip < 0 || ir < ip || ia < ir) throw new EngineError('badInput', 'The template must contain {prompt}, {reasoning} and {answer} in that order.');
  if (prompt.trim() === '') throw new EngineError('badInput', 'The prompt is empty.');
  // the model is given the template's text up to the reasoning, and must write the text before the answer itself
  // (trailing spaces stay with the model: BPE writes them at the start of the next word)
  const start = (template.slice(0, ip) + prompt + template.slice(ip + 8, ir)).replace(/[ \t]+$/, '');
  const answerPrefix = template.slice(ir + 11, ia).trimEnd();
  const ids = model.tokenize(start).map((t) => t.id);
  const maxNew = opts.maxNewTokens ?? DEFAULT_EXPLAIN_MAX_NEW_TOKENS;
  const reasoningSteps = await generateGreedy(model, ids, { maxNewTokens: maxNew, stop: (text) => text.includes(answerPrefix), signal: opts.signal });
  const written = reasoningSteps.map((s) => s.token).join('');
  const cut = written.indexOf(answerPrefix);
  if (cut < 0) {
    throw new EngineError(
      'badInput',
      `The model did not reach its answer (${JSON.stringify(answerPrefix)}) within ${maxNew} tokens; it wrote ${JSON.stringify(written.slice(0, 200))}.`,
    );
  }
  const reasoning = written.slice(0, cut).trim();
  const answerSteps = await generateGreedy(model, [...ids, ...reasoningSteps.map((s) => s.id)], {
    maxNewTokens: ANSWER_MAX_TOKENS,
    // the answer ends with its line, or at the first sentence end once it has a word
    stop: (text) => /\n/.test(text.trimStart()) || /[\p{L}\p{N}][.!?]$/u.test(text),
    signal: opts.signal,
  });
  const answerText = answerSteps.map((s) => s.token).join('');
  const answer = answerText.split('\n').find((l) => l.trim() !== '')?.trim().replace(/[.!?]$/, '') ?? '';
  if (answer === '') throw new EngineError('badInput', `The model wrote no answer after ${JSON.stringify(answerPrefix)}.`);
  const steps = sentences(reasoning).map(([a, b]) => reasoning.slice(a, b));
  if (steps.length === 0) throw new EngineError('badInput', 'The model stated no reasoning before its answer.');
  return {
    markdown: formatReasoningMarkdown({ prompt, steps, answer, template, title: 'Stated by the model' }),
    steps,
    answer,
    generated: written + answerText,
  };
}
