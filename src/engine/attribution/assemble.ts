// circuit-tracer's packaging of an attribution: selected features by index, then errors, tokens and logits, each
// stored row placed at its node; columns of features without a row (not selected) are dropped. Pure.
import type { TranscoderSet } from '../model/transcoders';
import type { AttributionModel } from './attribute';
import type { Components } from './components';
import type { AttributionGraph, SparseAdjacency } from './graph';
import type { RowStore } from './rows';
import type { Targets } from './targets';

export function assembleGraph(model: AttributionModel, scan: TranscoderSet['scan'], comps: Components, targets: Targets, store: RowStore, visited: Uint8Array): AttributionGraph {
  const nActive = comps.layer.length;
  const L = model.config.nLayers;
  const P = comps.nPos;
  const selected: number[] = [];
  const colMap = new Int32Array(nActive).fill(-1);
  for (let i = 0; i < nActive; i++) if (visited[i]) colMap[i] = selected.push(i) - 1;
  const F = selected.length;
  const nLogits = targets.targets.length;
  const N = F + (L + 1) * P + nLogits;
  const rowOf = new Int32Array(N).fill(-1);
  store.rows.forEach((r, ri) => (rowOf[r.node >= nActive ? F + (L + 1) * P + (r.node - nActive) : colMap[r.node]] = ri));
  let nnz = 0;
  for (const r of store.rows) nnz += r.cols.length;
  const adj: SparseAdjacency = { n: N, rowPtr: new Int32Array(N + 1), cols: new Int32Array(nnz), vals: new Float32Array(nnz), droppedAbs: new Float32Array(N) };
  let e = 0;
  for (let t = 0; t < N; t++) {
    const ri = rowOf[t];
    if (ri >= 0) {
      const r = store.rows[ri];
      adj.droppedAbs[t] = r.dropped;
      for (let i = 0; i < r.cols.length; i++) {
        const c = r.cols[i];
        const to = c < nActive ? colMap[c] : c - nActive + F;
        if (to < 0) continue;
        adj.cols[e] = to;
        adj.vals[e++] = r.vals[i];
      }
    }
    adj.rowPtr[t + 1] = e;
  }
  const trimmed = e === nnz ? adj : { ...adj, cols: adj.cols.slice(0, e), vals: adj.vals.slice(0, e) };
  const decode = (id: number) => model.decode(id);
  return {
    inputString: comps.ids.map(decode).join(''),
    inputTokens: comps.ids,
    promptTokens: comps.ids.map(decode),
    nLayers: L,
    activeFeatures: { layer: comps.layer, pos: comps.pos, feature: comps.feature, activation: comps.activation },
    selectedFeatures: Int32Array.from(selected),
    logitTargets: targets.targets,
    logitProbabilities: targets.probabilities,
    vocabSize: model.config.dVocab,
    adjacency: trimmed,
    scan,
  };
}
