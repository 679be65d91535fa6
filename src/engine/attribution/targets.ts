// Logit targets, as circuit-tracer's AttributionTargets builds them from the last position's logits: salient logits
// (the most probable tokens up to desired_logit_prob, at most max_n_logits), explicit tokens, or a contrast A − B.
// Each target reads the ln_f output along a demeaned unembedding column, so its value is logit − mean logit.
import { EngineError } from '../errors';
import { softmax } from '../tensor';
import { TRACE_OPTION_DEFAULTS } from '../options';
import type { LogitTarget } from './graph';
import { rowMean, weightRows, type Weight } from '../model/weight';

export const DEFAULT_MAX_N_LOGITS = TRACE_OPTION_DEFAULTS.maxNLogits;
export const DEFAULT_DESIRED_LOGIT_PROB = TRACE_OPTION_DEFAULTS.desiredLogitProb;

export type TargetSpec =
  | { kind: 'salient'; maxNLogits?: number; desiredLogitProb?: number }
  | { kind: 'tokens'; ids: number[] }
  /** logit(a) − logit(b), weighted by max(|p(a) − p(b)|, 1e-6) as circuit-tracer's demo does */
  | { kind: 'contrast'; a: number; b: number };

export interface Targets {
  targets: LogitTarget[];
  probabilities: Float32Array;
  /** [K, d_model] read directions at the ln_f output */
  vectors: Float32Array;
}

export interface Unembedding {
  /** [d_vocab, d_model]: logits = ln_f(x)·Wᵀ, as stored (16-bit rows are converted when read) */
  W: Weight;
  dModel: number;
  dVocab: number;
  /** mean over the vocabulary of the rows of W, [d_model]; computed once per model */
  mean: Float32Array;
}

export function unembedding(W: Weight, dVocab: number, dModel: number): Unembedding {
  return { W, dModel, dVocab, mean: rowMean(W, dVocab, dModel) };
}

export function buildTargets(spec: TargetSpec, lastLogits: Float32Array, U: Unembedding, decode: (id: number) => string): Targets {
  const probs = softmax(lastLogits);
  const d = U.dModel;
  const check = (id: number) => {
    if (!Number.isInteger(id) || id < 0 || id >= U.dVocab) throw new EngineError('badInput', `Target token id ${id} is outside the vocabulary (0…${U.dVocab - 1}).`);
  };
  const demeaned = (ids: number[]): Targets => {
    ids.forEach(check);
    const vectors = weightRows(U.W, d, ids);
    ids.forEach((_, k) => {
      for (let i = 0; i < d; i++) vectors[k * d + i] -= U.mean[i];
    });
    return { targets: ids.map((id) => ({ token: decode(id), vocabIdx: id })), probabilities: Float32Array.from(ids, (id) => probs[id]), vectors };
  };

  if (spec.kind === 'tokens') {
    if (spec.ids.length === 0) throw new EngineError('badInput', 'At least one target token is needed.');
    return demeaned(spec.ids);
  }
  if (spec.kind === 'contrast') {
    check(spec.a);
    check(spec.b);
    const [a, b] = [weightRows(U.W, d, [spec.a]), weightRows(U.W, d, [spec.b])];
    const vectors = new Float32Array(d);
    for (let i = 0; i < d; i++) vectors[i] = a[i] - b[i];
    return {
      targets: [{ token: `logit(${decode(spec.a)})-logit(${decode(spec.b)})`, vocabIdx: U.dVocab }],
      probabilities: Float32Array.of(Math.max(Math.abs(probs[spec.a] - probs[spec.b]), 1e-6)),
      vectors,
    };
  }
  const maxN = Math.min(spec.maxNLogits ?? DEFAULT_MAX_N_LOGITS, U.dVocab);
  const want = spec.desiredLogitProb ?? DEFAULT_DESIRED_LOGIT_PROB;
  const top = Array.from(probs.keys())
    .sort((a, b) => probs[b] - probs[a] || a - b)
    .slice(0, maxN);
  // searchsorted(cumsum(top_p), desired) + 1: up to and including the token whose cumulative probability reaches it
  let acc = 0;
  let cutoff = top.length;
  for (let i = 0; i < top.length; i++) {
    acc += probs[top[i]];
    if (acc >= want) {
      cutoff = i + 1;
      break;
    }
  }
  return demeaned(top.slice(0, cutoff));
}
