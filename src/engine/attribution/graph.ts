// The attribution graph as the engine holds it: circuit-tracer's node layout (features, errors, tokens, logits)
// and a sparse adjacency whose rows are targets and columns sources, so long prompts stay within memory.

/** CSR adjacency: row t lists the sources s with a non-zero direct effect A[t, s]. */
export interface SparseAdjacency {
  n: number;
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
  /**
   * Σ|A[t, s]| of entries left out of row t when the row was sparsified to fit the memory budget
   * (all zero when every computed edge is kept). Normalisation adds it so row weights stay exact.
   */
  droppedAbs: Float32Array;
}

export interface LogitTarget {
  /** decoded token text, or a label such as `logit( Austin)-logit( Dallas)` for a contrast */
  token: string;
  /** vocabulary id; virtual targets use vocabSize + their position in the target list, as circuit-tracer does */
  vocabIdx: number;
}

export interface AttributionGraph {
  /** the decoded prompt ids, BOS text included */
  inputString: string;
  inputTokens: number[];
  /** each input id decoded on its own */
  promptTokens: string[];
  nLayers: number;
  /** every active (layer, pos, feature) in row-major order, with its activation */
  activeFeatures: { layer: Int32Array; pos: Int32Array; feature: Int32Array; activation: Float32Array };
  /** ascending indices into activeFeatures: the feature nodes */
  selectedFeatures: Int32Array;
  logitTargets: LogitTarget[];
  logitProbabilities: Float32Array;
  vocabSize: number;
  adjacency: SparseAdjacency;
  /** transcoder identifier written to metadata.scan */
  scan: string;
}

export interface NodeLayout {
  nFeatures: number;
  nLayers: number;
  nPos: number;
  nLogits: number;
  errorStart: number;
  tokenStart: number;
  logitStart: number;
  n: number;
}

export function nodeLayout(nFeatures: number, nLayers: number, nPos: number, nLogits: number): NodeLayout {
  const errorStart = nFeatures;
  const tokenStart = errorStart + nLayers * nPos;
  const logitStart = tokenStart + nPos;
  return { nFeatures, nLayers, nPos, nLogits, errorStart, tokenStart, logitStart, n: logitStart + nLogits };
}

export function graphLayout(g: AttributionGraph): NodeLayout {
  return nodeLayout(g.selectedFeatures.length, g.nLayers, g.inputTokens.length, g.logitTargets.length);
}

/** logit_weights: zero everywhere except the logit nodes, which carry their target probabilities */
export function logitWeights(layout: NodeLayout, probs: ArrayLike<number>): Float64Array {
  const w = new Float64Array(layout.n);
  for (let k = 0; k < layout.nLogits; k++) w[layout.logitStart + k] = probs[k];
  return w;
}

export function denseToSparse(dense: ArrayLike<number>, n: number): SparseAdjacency {
  const rowPtr = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n * n; i++) if (dense[i] !== 0) nnz++;
  const cols = new Int32Array(nnz);
  const vals = new Float32Array(nnz);
  let e = 0;
  for (let t = 0; t < n; t++) {
    for (let s = 0; s < n; s++) {
      const v = dense[t * n + s];
      if (v !== 0) {
        cols[e] = s;
        vals[e++] = v;
      }
    }
    rowPtr[t + 1] = e;
  }
  return { n, rowPtr, cols, vals, droppedAbs: new Float32Array(n) };
}

export function sparseToDense(a: SparseAdjacency): Float32Array {
  const d = new Float32Array(a.n * a.n);
  for (let t = 0; t < a.n; t++) for (let e = a.rowPtr[t]; e < a.rowPtr[t + 1]; e++) d[t * a.n + a.cols[e]] = a.vals[e];
  return d;
}

/** the row index of every stored entry (the CSR row pointer expanded) */
export function entryRows(a: SparseAdjacency): Int32Array {
  const rows = new Int32Array(a.vals.length);
  for (let t = 0; t < a.n; t++) rows.fill(t, a.rowPtr[t], a.rowPtr[t + 1]);
  return rows;
}
