// What the model answers in a given context: the probability of a stated answer (chain rule over its tokens), the
// model's own most likely answer (its top first token completed greedily to a whole word), and the top
// alternatives. Every test of a comparison (early answering, mistakes, biasing inputs) asks these questions of a
// different context, so they live here once.
import { EngineError, throwIfAborted } from '../errors';
import type { Model } from '../model/model';
import { softmax } from '../tensor';

export interface Alternative {
  value: string;
  /** the model's probability of this whole word at the answer position (chain rule over its tokens) */
  prob: number;
}

/** The model's answer in one context, measured against the stated answer. */
export interface AnswerReading {
  /** P(stated answer) here (whole answer), or undefined when no answer is stated */
  stated: number | undefined;
  /** the model's own most likely answer here and its probability */
  top: Alternative;
}

/** The answer's token ids as they follow the context (tokenised together, so merges at the seam are the model's). */
export function answerTokens(model: Model, context: string, answer: string): number[] {
  const alone = model.tokenizer.encode(context);
  const whole = model.tokenizer.encode(context + answer);
  const samePrefix = alone.every((t, i) => whole[i]?.id === t.id);
  const ids = samePrefix ? whole.slice(alone.length).map((t) => t.id) : model.tokenizer.encode(answer).filter((t) => t.end > t.start).map((t) => t.id);
  if (ids.length === 0) throw new EngineError('badInput', 'The answer has no tokens.');
  return ids;
}

const softmaxAt = (row: Float32Array, id: number): number => softmax(row)[id];

/** P(answer tokens | ids), given the logits row after ids. */
export async function sequenceProb(model: Model, ids: number[], answer: number[], firstRow: Float32Array, signal?: AbortSignal): Promise<number> {
  let p = softmaxAt(firstRow, answer[0]);
  if (answer.length > 1 && p > 0) {
    const logits = await model.logits([...ids, ...answer.slice(0, -1)], signal);
    const V = model.config.dVocab;
    for (let k = 1; k < answer.length; k++) p *= softmaxAt(logits.subarray((ids.length + k - 1) * V, (ids.length + k) * V), answer[k]);
  }
  return p;
}

/** A token continues the word before it when it starts with a letter or digit and the word is letters and digits. */
const continuesWord = (word: string, token: string) => /^[\p{L}\p{N}]/u.test(token) && /[\p{L}\p{N}]$/u.test(word);

/** One first token completed greedily to a whole word (at most 6 more tokens), with the word's chain probability. */
async function completeWord(model: Model, ids: number[], first: { id: number; token: string; prob: number }, signal?: AbortSignal): Promise<Alternative> {
  let word = first.token;
  let prob = first.prob;
  const seq = [...ids, first.id];
  for (let n = 0; n < 6 && seq.length < model.config.nCtx; n++) {
    throwIfAborted(signal);
    const [next] = model.topNext(await model.logits(seq, signal), 1);
    if (!continuesWord(word, next.token) || model.tokenizer.isSpecial(next.id)) break;
    word += next.token;
    prob *= next.prob;
    seq.push(next.id);
  }
  return { value: word.trim() || word, prob };
}

/** The k most likely first tokens, each completed greedily to a whole word, merged by word, most likely first. */
export async function answerAlternatives(model: Model, ids: number[], row: Float32Array, k: number, signal?: AbortSignal): Promise<Alternative[]> {
  const out = new Map<string, number>();
  for (const first of model.topNext(row, k)) {
    const w = await completeWord(model, ids, first, signal);
    out.set(w.value, (out.get(w.value) ?? 0) + w.prob);
  }
  return [...out].map(([value, prob]) => ({ value, prob })).sort((a, b) => b.prob - a.prob);
}

/** The stated answer's probability and the model's own answer after `context` (whose last token the answer follows). */
export async function readAnswer(model: Model, context: string, statedAnswer: string | undefined, signal?: AbortSignal): Promise<AnswerReading> {
  const ids = model.tokenizer.encode(context).map((t) => t.id);
  const logits = await model.logits(ids, signal);
  const V = model.config.dVocab;
  const row = logits.subarray((ids.length - 1) * V);
  const [first] = model.topNext(row, 1);
  const top = await completeWord(model, ids, first, signal);
  const stated = statedAnswer === undefined ? undefined : await sequenceProb(model, ids, answerTokens(model, context, statedAnswer), row, signal);
  return { stated, top };
}

/**
 * Whether the model's answer is the stated one: the same words, ignoring a trailing full stop and case; a word the
 * model writes first counts for a name that starts with it (the model's "Des" for "Des Moines": answers are read a
 * word at a time, and the next word's leading space ends the word).
 */
export function sameAnswer(a: string, b: string): boolean {
  const [x, y] = [a, b].map((t) => t.trim().replace(/[.!?]$/, '').toLowerCase());
  return x === y || (x !== '' && y.startsWith(`${x} `)) || (y !== '' && x.startsWith(`${y} `));
}
