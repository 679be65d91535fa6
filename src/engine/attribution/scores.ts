// Whole-graph scores (circuit-tracer's compute_graph_scores) and the per-token scores behind the editor heatmap.
import { type NodeLayout, type SparseAdjacency, logitWeights } from './graph';
import { computeInfluence, normalizeRows } from './influence';

export interface GraphScores {
  /** share of token→logit influence that reaches the logits without passing through an error node */
  replacement: number;
  /** influence-weighted share of node inputs that come from features and tokens rather than errors */
  completeness: number;
}

/** compute_graph_scores, on the unpruned graph */
export function graphScores(a: SparseAdjacency, layout: NodeLayout, logitProbabilities: ArrayLike<number>): GraphScores {
  const w = logitWeights(layout, logitProbabilities);
  const norm = normalizeRows(a);
  const infl = computeInfluence(a, norm, w);
  let tok = 0;
  let err = 0;
  for (let i = layout.errorStart; i < layout.tokenStart; i++) err += infl[i];
  for (let i = layout.tokenStart; i < layout.logitStart; i++) tok += infl[i];
  let num = 0;
  let den = 0;
  for (let t = 0; t < a.n; t++) {
    let errShare = 0;
    for (let e = a.rowPtr[t]; e < a.rowPtr[t + 1]; e++) {
      const s = a.cols[e];
      if (s >= layout.errorStart && s < layout.tokenStart) errShare += norm[e];
    }
    const out = infl[t] + w[t];
    num += (1 - errShare) * out;
    den += out;
  }
  return { replacement: tok / (tok + err), completeness: num / den };
}

export interface TokenScores {
  /** per input position: the target's change when that token's embedding is added once more, through all paths */
  total: Float64Array;
  /** per input position: the token's direct edge into the target */
  direct: Float64Array;
}

/**
 * Signed per-token effects on one target row (a logit node, usually). A[t,s] is the effect of source s, at its
 * activation, on t's pre-activation; an active feature passes a change δ in its pre-activation on as δ/a_t of its
 * out-edges (slope 1 above the threshold), so total = Σ over paths of the products of A[t_{i+1},t_i]/a_{t_i}.
 * Errors and tokens have no inputs, so they end paths.
 */
export function tokenScores(a: SparseAdjacency, layout: NodeLayout, featureActivations: ArrayLike<number>, target: number): TokenScores {
  const direct = new Float64Array(layout.nPos);
  const total = new Float64Array(layout.nPos);
  let cur = new Float64Array(a.n);
  for (let e = a.rowPtr[target]; e < a.rowPtr[target + 1]; e++) cur[a.cols[e]] = a.vals[e];
  for (let p = 0; p < layout.nPos; p++) direct[p] = cur[layout.tokenStart + p];
  for (let depth = 0; depth <= a.n; depth++) {
    for (let p = 0; p < layout.nPos; p++) total[p] += cur[layout.tokenStart + p];
    const next = new Float64Array(a.n);
    let any = false;
    for (let f = 0; f < layout.nFeatures; f++) {
      const c = cur[f];
      if (c === 0 || featureActivations[f] === 0) continue;
      const k = c / featureActivations[f];
      for (let e = a.rowPtr[f]; e < a.rowPtr[f + 1]; e++) {
        next[a.cols[e]] += k * a.vals[e];
        any = true;
      }
    }
    if (!any) break;
    cur = next;
  }
  return { total, direct };
}
