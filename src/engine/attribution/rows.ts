// Edge rows as the backward passes produce them (one per target, columns = every active feature, error and token),
// kept sparse: exact zeros are never stored and a row longer than its share of the edge budget keeps only its
// largest entries, remembering the dropped |mass| so row normalisation stays right. Also circuit-tracer's
// compute_partial_influences over the rows computed so far, which orders the feature queue.
import { EngineError } from '../errors';

export interface EdgeRow {
  /** active-feature index, or nActive + k for logit k (the node the row is the target of) */
  node: number;
  cols: Int32Array;
  vals: Float32Array;
  dropped: number;
}

export class RowStore {
  readonly rows: EdgeRow[] = [];
  private nStored = 0;
  /** the non-zeros of the row being added (reused: a row is as long as there are sources) */
  private scratchCols?: Int32Array;
  private scratchVals?: Float32Array;

  constructor(
    /** number of source columns: active features, then errors, then tokens */
    readonly nCols: number,
    /** most entries one row may keep */
    readonly perRowBudget: number,
  ) {}

  get storedEdges(): number {
    return this.nStored;
  }

  /** takes the non-zeros of a dense row */
  add(node: number, dense: Float32Array): void {
    // one pass over the dense row (it is as long as there are sources), then work on its non-zeros only
    const cols = (this.scratchCols ??= new Int32Array(this.nCols));
    const vals = (this.scratchVals ??= new Float32Array(this.nCols));
    let nnz = 0;
    for (let i = 0; i < dense.length; i++) {
      const v = dense[i];
      if (v !== 0) {
        cols[nnz] = i;
        vals[nnz++] = v;
      }
    }
    if (nnz <= this.perRowBudget) {
      this.rows.push({ node, cols: cols.slice(0, nnz), vals: vals.slice(0, nnz), dropped: 0 });
      this.nStored += nnz;
      return;
    }
    const keep = this.perRowBudget;
    const cut = keepThreshold(vals, nnz, keep);
    const keptCols = new Int32Array(keep);
    const keptVals = new Float32Array(keep);
    let e = 0;
    let dropped = 0;
    for (let k = 0; k < nnz; k++) {
      const v = vals[k];
      if (Math.abs(v) >= cut && e < keep) {
        keptCols[e] = cols[k];
        keptVals[e++] = v;
      } else dropped += Math.abs(v);
    }
    this.rows.push({ node, cols: e === keep ? keptCols : keptCols.slice(0, e), vals: e === keep ? keptVals : keptVals.slice(0, e), dropped });
    this.nStored += e;
  }

  /**
   * compute_partial_influences: logit-probability-weighted sums of powers of the row-normalised |rows|,
   * over nodes [active features, errors, tokens, logits]; features without a computed row pass nothing on.
   */
  partialInfluences(logitProbabilities: ArrayLike<number>, nActive: number, maxIter = 128): Float64Array {
    const total = new Float64Array(this.nCols + logitProbabilities.length);
    let prod = new Float64Array(total.length);
    for (let k = 0; k < logitProbabilities.length; k++) prod[this.nCols + k] = logitProbabilities[k];
    const rowNode = (r: EdgeRow) => (r.node >= nActive ? this.nCols + (r.node - nActive) : r.node);
    const norms = this.rows.map((r) => {
      let s = r.dropped;
      for (const v of r.vals) s += Math.abs(v);
      return 1 / Math.max(s, 1e-8);
    });
    for (let it = 0; it < maxIter; it++) {
      const next = new Float64Array(total.length);
      let any = false;
      this.rows.forEach((r, ri) => {
        const c = prod[rowNode(r)];
        if (c === 0) return;
        const k = c * norms[ri];
        for (let e = 0; e < r.cols.length; e++) next[r.cols[e]] += k * Math.abs(r.vals[e]);
        any = true;
      });
      if (!any || !next.some((x) => x !== 0)) return total;
      for (let i = 0; i < total.length; i++) total[i] += next[i];
      prod = next;
    }
    throw new EngineError('internal', 'Partial influences failed to converge.');
  }
}

/** the |value| at or above which `keep` of the `nnz` non-zero values `vals[0…nnz)` lie (quickselect, linear time) */
function keepThreshold(vals: Float32Array, nnz: number, keep: number): number {
  const abs = new Float32Array(nnz);
  for (let j = 0; j < nnz; j++) abs[j] = Math.abs(vals[j]);
  // k-th largest = (nnz − keep)-th smallest
  let lo = 0;
  let hi = nnz - 1;
  const k = nnz - keep;
  while (lo < hi) {
    const pivot = abs[(lo + hi) >> 1];
    let i = lo;
    let jj = hi;
    while (i <= jj) {
      while (abs[i] < pivot) i++;
      while (abs[jj] > pivot) jj--;
      if (i <= jj) {
        const t = abs[i];
        abs[i++] = abs[jj];
        abs[jj--] = t;
      }
    }
    if (k <= jj) hi = jj;
    else if (k >= i) lo = i;
    else break;
  }
  return abs[k];
}
