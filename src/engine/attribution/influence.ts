// Influence as circuit-tracer defines it (graph.py): row-normalised |A|, and the logit-weighted sum of its powers
// w·Â + w·Â² + …, which ends because the graph is a DAG. Also find_threshold, which pruning uses on nodes and edges.
import { EngineError } from '../errors';
import type { SparseAdjacency } from './graph';

/** normalize_matrix: |A[t,s]| / max(Σ_s |A[t,s]|, 1e-10), per stored entry; `mask` (per entry) zeroes entries first */
export function normalizeRows(a: SparseAdjacency, mask?: Uint8Array, clamp = 1e-10): Float64Array {
  const out = new Float64Array(a.vals.length);
  for (let t = 0; t < a.n; t++) {
    const b = a.rowPtr[t];
    const e = a.rowPtr[t + 1];
    if (b === e) continue;
    let sum = mask ? 0 : a.droppedAbs[t];
    for (let i = b; i < e; i++) if (!mask || mask[i]) sum += Math.abs(a.vals[i]);
    const inv = 1 / Math.max(sum, clamp);
    for (let i = b; i < e; i++) out[i] = !mask || mask[i] ? Math.abs(a.vals[i]) * inv : 0;
  }
  return out;
}

/** v·Â for a row vector v over targets: out[s] = Σ_t v[t]·Â[t,s] */
export function vecTimes(a: SparseAdjacency, norm: Float64Array, v: Float64Array): Float64Array {
  const out = new Float64Array(a.n);
  for (let t = 0; t < a.n; t++) {
    const vt = v[t];
    if (vt === 0) continue;
    for (let i = a.rowPtr[t]; i < a.rowPtr[t + 1]; i++) out[a.cols[i]] += vt * norm[i];
  }
  return out;
}

/** compute_influence: w·Â + w·Â² + … until a term is all zero; more than maxIter terms means the graph has a cycle */
export function computeInfluence(a: SparseAdjacency, norm: Float64Array, w: Float64Array, maxIter = 1000): Float64Array {
  let cur = vecTimes(a, norm, w);
  const total = Float64Array.from(cur);
  for (let it = 0; cur.some((x) => x !== 0); it++) {
    if (it >= maxIter) throw new EngineError('internal', `Influence computation failed to converge after ${it} iterations.`);
    cur = vecTimes(a, norm, cur);
    for (let i = 0; i < total.length; i++) total[i] += cur[i];
  }
  return total;
}

/** compute_node_influence: influence of every node on the logits, through all paths, on |A| normalised per row */
export function nodeInfluence(a: SparseAdjacency, w: Float64Array): Float64Array {
  return computeInfluence(a, normalizeRows(a), w);
}

/**
 * find_threshold: the score s such that the scores ≥ s, taken largest first, first reach a fraction `t` of the total.
 * `implicitZeros` counts zero scores not present in `scores` (the absent entries of a sparse matrix).
 * Linear time: a histogram over the float bits finds the bucket where the cumulative sum crosses, only it is sorted.
 */
export function findThreshold(scores: ArrayLike<number>, t: number, implicitZeros = 0): number {
  const n = scores.length;
  if (n === 0) return 0;
  let total = 0;
  for (let i = 0; i < n; i++) total += scores[i];
  if (!(total > 0)) return 0;
  const goal = t * total;
  if (n <= 4096) {
    const sorted = Float64Array.from(scores).sort().reverse();
    return crossing(sorted, 0, goal) ?? (implicitZeros > 0 ? 0 : sorted[n - 1]);
  }
  // scores are ≥ 0, so their float32 bit patterns sort like the values; bucket by the top 16 bits
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const key = (x: number) => {
    f32[0] = x;
    return u32[0] >>> 16;
  };
  const count = new Int32Array(65536);
  const sum = new Float64Array(65536);
  for (let i = 0; i < n; i++) {
    const k = key(scores[i]);
    count[k]++;
    sum[k] += scores[i];
  }
  let acc = 0;
  for (let k = 65535; k >= 0; k--) {
    if (count[k] === 0) continue;
    if (acc + sum[k] >= goal || k === 0) {
      const bucket = new Float64Array(count[k]);
      let j = 0;
      for (let i = 0; i < n; i++) if (key(scores[i]) === k) bucket[j++] = scores[i];
      bucket.sort().reverse();
      const s = crossing(bucket, acc, goal);
      if (s !== undefined) return s;
    }
    acc += sum[k];
  }
  // the cumulative sum never reached the goal among the stored scores: the index falls on the smallest score,
  // or on the implicit zeros when there are any
  return implicitZeros > 0 ? 0 : minOf(scores);
}

function crossing(sortedDesc: Float64Array, start: number, goal: number): number | undefined {
  let acc = start;
  for (let i = 0; i < sortedDesc.length; i++) {
    acc += sortedDesc[i];
    if (acc >= goal) return sortedDesc[i];
  }
  return undefined;
}

function minOf(xs: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] < m) m = xs[i];
  return m;
}
