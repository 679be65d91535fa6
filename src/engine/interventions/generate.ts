// Greedy continuation without a KV cache: every step reruns the whole sequence (the intervention, held, is part of
// that run), checks for cancellation and reports progress.
import { throwIfAborted } from '../errors';

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

/** `nextLogits(seq)` returns the last-position logits of a sequence */
export async function continuation(
  prompt: readonly number[],
  n: number,
  opts: ContinuationOptions,
  nextLogits: (seq: number[]) => Promise<Float32Array>,
): Promise<Continuation> {
  const seq = [...prompt];
  const ids: number[] = [];
  let logits = opts.first;
  for (let i = 0; i < n; i++) {
    throwIfAborted(opts.signal);
    if (i > 0) logits = await nextLogits(seq);
    const next = argmax(logits);
    seq.push(next);
    ids.push(next);
    opts.onToken?.(i + 1);
    if ((Array.isArray(opts.eos) ? opts.eos.includes(next) : next === opts.eos) || seq.length >= opts.nCtx) break;
  }
  throwIfAborted(opts.signal);
  const tokens = ids.map(opts.decode);
  return { ids, tokens, text: opts.decodeAll ? opts.decodeAll(ids) : tokens.join('') };
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}
