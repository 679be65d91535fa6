// Greedy generation, the one loop: the most likely token, appended, until an end-of-text token, a stop rule, the
// token budget or the context ends. One full forward pass per token (no KV cache): the embedded model and its prompts
// are small, and an intervention held during generation is simply part of each pass. Two callers shape it:
// `generateGreedy` (stated reasoning: tokens with probabilities, end-of-text left out) and `continuation`
// (interventions: ids and text, end-of-text kept, the prompt's logits given, progress per token).
import { throwIfAborted } from './errors';
import type { Model } from './model/model';
import { softmax } from './tensor';

export interface GreedyLoop {
  maxNewTokens: number;
  nCtx: number;
  /** end-of-text ids: generation stops there */
  eos: readonly number[];
  /** whether an end-of-text token is part of the output (default: it is left out) */
  keepEos?: boolean;
  /** the last-position logits of the prompt, when already computed */
  first?: Float32Array;
  signal?: AbortSignal;
  /** after each generated token (its id, the logits row it was chosen from, how many so far); true stops */
  onToken?: (id: number, row: Float32Array, done: number) => boolean | void;
}

/** The generated ids after `prompt`; `nextLogits(seq)` returns the last-position logits of a sequence. */
export async function greedyIds(prompt: readonly number[], loop: GreedyLoop, nextLogits: (seq: number[]) => Promise<Float32Array>): Promise<number[]> {
  const seq = [...prompt];
  const ids: number[] = [];
  while (ids.length < loop.maxNewTokens && seq.length <= loop.nCtx) {
    throwIfAborted(loop.signal);
    const row = ids.length === 0 && loop.first ? loop.first : await nextLogits(seq);
    const next = argmax(row);
    const end = loop.eos.includes(next);
    if (end && !loop.keepEos) break;
    seq.push(next);
    ids.push(next);
    if (loop.onToken?.(next, row, ids.length) || end || seq.length >= loop.nCtx) break;
  }
  throwIfAborted(loop.signal);
  return ids;
}

/** the first index of the largest value (ties go to the lower id, as a stable sort of the row would) */
function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

export interface GreedyStep {
  id: number;
  token: string;
  prob: number;
}

export interface GreedyOptions {
  maxNewTokens: number;
  /** stop after this token when it returns true (given the text generated so far, that token included) */
  stop?: (generated: string, last: GreedyStep) => boolean;
  signal?: AbortSignal;
}

/** Continues `ids` greedily; stops at an end-of-text token (not included), the stop rule, the budget or n_ctx. */
export async function generateGreedy(model: Model, ids: number[], opts: GreedyOptions): Promise<GreedyStep[]> {
  const out: GreedyStep[] = [];
  const cfg = model.config;
  const eos = [cfg.eosTokenId, ...(cfg.eosTokenIds ?? []), model.tokenizer.bosId].filter((x): x is number => x !== undefined);
  let text = '';
  const V = cfg.dVocab;
  await greedyIds(
    ids,
    {
      maxNewTokens: opts.maxNewTokens, nCtx: cfg.nCtx, eos, signal: opts.signal,
      onToken: (id, row) => {
        const step = { id, token: model.tokenizer.decode(id), prob: softmax(row)[id] };
        out.push(step);
        text += step.token;
        return opts.stop?.(text, step);
      },
    },
    async (seq) => (await model.logits(seq, opts.signal)).subarray(-V),
  );
  return out;
}

export interface Continuation {
  /** the generated ids only */
  ids: number[];
  tokens: string[];
  text: string;
}

export interface ContinuationOptions {
  nCtx: number;
  /** stop after emitting this token (or any of these) */
  eos?: number | readonly number[];
  decode: (id: number) => string;
  /** the generated ids decoded together (characters split over byte-level tokens come out whole); default: the tokens joined */
  decodeAll?: (ids: number[]) => string;
  signal?: AbortSignal;
  /** the last-position logits of the prompt, already computed */
  first: Float32Array;
  /** called after each generated token with the count so far */
  onToken?: (done: number) => void;
}

/** `n` greedy tokens after `prompt`, an end-of-text token included; `nextLogits(seq)` returns the last-position logits */
export async function continuation(
  prompt: readonly number[],
  n: number,
  opts: ContinuationOptions,
  nextLogits: (seq: number[]) => Promise<Float32Array>,
): Promise<Continuation> {
  const eos = opts.eos === undefined ? [] : typeof opts.eos === 'number' ? [opts.eos] : opts.eos;
  const ids = await greedyIds(
    prompt,
    { maxNewTokens: n, nCtx: opts.nCtx, eos, keepEos: true, first: opts.first, signal: opts.signal, onToken: (_id, _row, done) => void opts.onToken?.(done) },
    nextLogits,
  );
  const tokens = ids.map(opts.decode);
  return { ids, tokens, text: opts.decodeAll ? opts.decodeAll(ids) : tokens.join('') };
}
