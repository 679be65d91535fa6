// Path support: the share of one target's influence that flows through a set of nodes. On circuit-tracer's
// row-normalised |A| (circuit_tracer/graph.py normalize_matrix, our attribution/influence.ts), every path from the target down to a source has weight
// Π Â[t_{i+1}, t_i]; the weights of the paths ending at the sources sum to the target's influence. We count the
// paths that end at *grounded* sources (input tokens the author wrote: not errors, not BOS or template text) and
// ask what share of their weight passes through the set S:
//
//   share(S) = Σ_{paths π: target → grounded token, π meets S} w(π)  /  Σ_{paths π: target → grounded token} w(π)
//
// Computed without enumerating paths: g = (I + Â + Â² + …)·c is each node's grounded mass (c: 1 on grounded tokens);
// making S absorbing (its rows zeroed) gives h_S = e_target·(Â_S + Â_S² + …), the weight of paths reaching S first;
// then share(S) = Σ_{s∈S} h_S[s]·g[s] / g[target].
import type { NodeLayout, SparseAdjacency } from '../attribution/graph';
import { EngineError } from '../errors';
import { computeInfluence, normalizeRows } from '../attribution/influence';

export interface PathSupport {
  readonly a: SparseAdjacency;
  readonly layout: NodeLayout;
  readonly target: number;
  /** normalised |A| per stored entry */
  readonly norm: Float64Array;
  /** per node: weight of its paths that end at grounded tokens (1 on a grounded token itself) */
  readonly grounded: Float64Array;
  /** per node: influence of the node on the target through all paths (w = e_target) */
  readonly influence: Float64Array;
}

/** `groundedPositions[p]` = 1 when input position p is a token the author wrote. */
export function pathSupport(a: SparseAdjacency, layout: NodeLayout, target: number, groundedPositions: Uint8Array): PathSupport {
  if (groundedPositions.length !== layout.nPos) throw new EngineError('internal', `grounded positions: ${groundedPositions.length} for ${layout.nPos} tokens`);
  const norm = normalizeRows(a);
  const c = new Float64Array(a.n);
  for (let p = 0; p < layout.nPos; p++) c[layout.tokenStart + p] = groundedPositions[p];
  const grounded = Float64Array.from(c);
  let cur: Float64Array = c;
  for (let it = 0; cur.some((x) => x !== 0); it++) {
    if (it > a.n) throw new EngineError('internal', 'The attribution graph has a cycle.');
    cur = matVec(a, norm, cur);
    for (let i = 0; i < a.n; i++) grounded[i] += cur[i];
  }
  const w = new Float64Array(a.n);
  w[target] = 1;
  return { a, layout, target, norm, grounded, influence: computeInfluence(a, norm, w) };
}

/** The grounded weight of all the target's paths: the denominator of every share. */
export function groundedTotal(ps: PathSupport): number {
  return ps.grounded[ps.target];
}

/** share(S): the fraction of the target's grounded path weight that passes through at least one node of S. */
export function throughShare(ps: PathSupport, nodes: Iterable<number>): number {
  const total = groundedTotal(ps);
  if (!(total > 0)) return 0;
  const inS = new Uint8Array(ps.a.n);
  let any = false;
  for (const i of nodes) {
    inS[i] = 1;
    any = true;
  }
  if (!any) return 0;
  if (inS[ps.target]) return 1;
  const norm = Float64Array.from(ps.norm);
  for (let t = 0; t < ps.a.n; t++) if (inS[t]) norm.fill(0, ps.a.rowPtr[t], ps.a.rowPtr[t + 1]);
  const w = new Float64Array(ps.a.n);
  w[ps.target] = 1;
  const reach = computeInfluence(ps.a, norm, w);
  let through = 0;
  for (let i = 0; i < ps.a.n; i++) if (inS[i]) through += reach[i] * ps.grounded[i];
  return Math.min(1, through / total);
}

/** share({s}) for every node at once: influence × grounded mass, over the total (a node cannot meet itself twice). */
export function nodeShares(ps: PathSupport): Float64Array {
  const total = groundedTotal(ps);
  const out = new Float64Array(ps.a.n);
  if (!(total > 0)) return out;
  for (let i = 0; i < ps.a.n; i++) out[i] = (ps.influence[i] * ps.grounded[i]) / total;
  return out;
}

/** out[t] = Σ_s Â[t,s]·v[s] */
function matVec(a: SparseAdjacency, norm: Float64Array, v: Float64Array): Float64Array {
  const out = new Float64Array(a.n);
  for (let t = 0; t < a.n; t++) {
    let s = 0;
    for (let e = a.rowPtr[t]; e < a.rowPtr[t + 1]; e++) s += norm[e] * v[a.cols[e]];
    out[t] = s;
  }
  return out;
}

/**
 * The strongest paths from the target to grounded tokens: the heaviest path, then the heaviest that ends at a
 * token not used yet, and so on (a readable summary, not a partition of the influence). With `throughFeature`, only
 * paths through at least one feature count. The weight is unsigned (circuit-tracer's influence); `sign` is the product
 * of the edges' signs: −1 when the path pushes the target down.
 */
export function strongestPaths(ps: PathSupport, count: number, opts: { throughFeature?: boolean } = {}): { nodes: number[]; weight: number; sign: 1 | -1 }[] {
  const { a, norm, layout } = ps;
  const used = new Uint8Array(layout.nPos);
  const out: { nodes: number[]; weight: number; sign: 1 | -1 }[] = [];
  for (let k = 0; k < count; k++) {
    // best[v]: heaviest path weight from v to an unused grounded token; next[v]: its first step. Paths are at most
    // n_layers + 2 nodes long, so plain recursion is safe
    const best = new Float64Array(a.n).fill(-1);
    const next = new Int32Array(a.n).fill(-1);
    const negative = new Uint8Array(a.n); // the edge to next[v] inhibits
    const visit = (v: number): number => {
      if (best[v] >= 0) return best[v];
      best[v] = 0;
      if (v >= layout.tokenStart && v < layout.logitStart) {
        const p = v - layout.tokenStart;
        best[v] = ps.grounded[v] > 0 && !used[p] ? 1 : 0;
        return best[v];
      }
      for (let e = a.rowPtr[v]; e < a.rowPtr[v + 1]; e++) {
        if (norm[e] === 0 || ps.grounded[a.cols[e]] === 0) continue;
        // throughFeature: the target's direct edges to tokens are skipped, so each path names a feature on the way
        if (opts.throughFeature && v === ps.target && a.cols[e] >= layout.tokenStart) continue;
        const w = norm[e] * visit(a.cols[e]);
        if (w > best[v]) [best[v], next[v], negative[v]] = [w, a.cols[e], a.vals[e] < 0 ? 1 : 0];
      }
      return best[v];
    };
    const w = visit(ps.target);
    if (!(w > 0)) break;
    const nodes = [ps.target];
    let sign: 1 | -1 = 1;
    for (let v = ps.target; next[v] >= 0; v = next[v]) {
      nodes.push(next[v]);
      if (negative[v]) sign = -sign as 1 | -1;
    }
    used[nodes[nodes.length - 1] - layout.tokenStart] = 1;
    out.push({ nodes, weight: w / groundedTotal(ps), sign });
  }
  return out;
}
