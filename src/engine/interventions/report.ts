// Comparing a clean run with an intervened one: next-token candidates, logit changes of chosen targets, and the
// features whose activations changed most. Pure functions over the two runs' numbers.
import { ZERO_POSITIONS } from '../model/config';
import { softmax } from '../tensor';
import { topK } from '../model/model';

export interface TopToken {
  id: number;
  token: string;
  prob: number;
  logit: number;
}

export interface TargetChange {
  id: number;
  token: string;
  cleanLogit: number;
  logit: number;
  cleanProb: number;
  prob: number;
  logitDelta: number;
  probDelta: number;
  /** change of logit − mean logit: what an attribution graph's logit node measures */
  demeanedLogitDelta: number;
}

/** every feature's pre-activation and activation, per layer [P, d_transcoder] */
export interface FeatureActivations {
  pre: Float32Array[];
  act: Float32Array[];
  nPos: number;
  dTranscoder: number;
}

export interface FeatureChange {
  layer: number;
  pos: number;
  feature: number;
  clean: number;
  intervened: number;
  delta: number;
}

export function nextTokens(row: Float32Array, k: number, decode: (id: number) => string): TopToken[] {
  return topK(row, k).map(({ id, prob, logit }) => ({ id, token: decode(id), prob, logit }));
}

export function targetChanges(ids: readonly number[], clean: Float32Array, changed: Float32Array, decode: (id: number) => string): TargetChange[] {
  const p0 = softmax(clean);
  const p1 = softmax(changed);
  let meanDelta = 0;
  for (let v = 0; v < clean.length; v++) meanDelta += changed[v] - clean[v];
  meanDelta /= clean.length;
  return ids.map((id) => ({
    id,
    token: decode(id),
    cleanLogit: clean[id],
    logit: changed[id],
    cleanProb: p0[id],
    prob: p1[id],
    logitDelta: changed[id] - clean[id],
    probDelta: p1[id] - p0[id],
    demeanedLogitDelta: changed[id] - clean[id] - meanDelta,
  }));
}

/**
 * The `max` largest non-zero changes (by magnitude) of activations (or pre-activations) at positions after BOS,
 * leaving out the intervened entries themselves.
 */
export function compareFeatures(
  clean: FeatureActivations,
  changed: FeatureActivations,
  opts: { pre: boolean; exclude: readonly { layer: number; pos: number; feature: number }[]; max: number; zeroPositions?: number },
): FeatureChange[] {
  const n = clean.dTranscoder;
  const P = clean.nPos;
  const skip = new Set(opts.exclude.map((e) => (e.layer * P + e.pos) * n + e.feature));
  const before = opts.pre ? clean.pre : clean.act;
  const after = opts.pre ? changed.pre : changed.act;
  const found: FeatureChange[] = [];
  before.forEach((b, layer) => {
    const a = after[layer];
    for (let i = (opts.zeroPositions ?? ZERO_POSITIONS) * n; i < P * n; i++) {
      const delta = a[i] - b[i];
      if (delta === 0 || skip.has(layer * P * n + i)) continue;
      found.push({ layer, pos: Math.floor(i / n), feature: i % n, clean: b[i], intervened: a[i], delta });
    }
  });
  found.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || x.layer - y.layer || x.pos - y.pos || x.feature - y.feature);
  return found.slice(0, Math.max(0, opts.max));
}
