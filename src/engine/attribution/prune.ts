// prune_graph as circuit-tracer defines it: keep the nodes carrying node_threshold of the logit influence, then the
// edges carrying edge_threshold of the influence-weighted edge mass, then drop features and errors left without
// kept outgoing edges and features without kept incoming ones, until nothing changes.
import { EngineError } from '../errors';
import { TRACE_OPTION_DEFAULTS } from '../options';
import { type NodeLayout, type SparseAdjacency, entryRows, logitWeights } from './graph';
import { computeInfluence, findThreshold, nodeInfluence, normalizeRows } from './influence';

export const DEFAULT_NODE_THRESHOLD = TRACE_OPTION_DEFAULTS.nodeThreshold;
export const DEFAULT_EDGE_THRESHOLD = TRACE_OPTION_DEFAULTS.edgeThreshold;

export interface PruneResult {
  /** per node: kept */
  nodeMask: Uint8Array;
  /** per stored adjacency entry: kept */
  edgeMask: Uint8Array;
  /** per node: the share of total influence held by the nodes at least as influential (small = important) */
  cumulativeScores: Float64Array;
  /** per node: influence on the logits through all paths (compute_node_influence) */
  influence: Float64Array;
}

export function pruneGraph(
  a: SparseAdjacency,
  layout: NodeLayout,
  logitProbabilities: ArrayLike<number>,
  nodeThreshold = DEFAULT_NODE_THRESHOLD,
  edgeThreshold = DEFAULT_EDGE_THRESHOLD,
): PruneResult {
  if (!(nodeThreshold >= 0 && nodeThreshold <= 1)) throw new EngineError('badInput', 'node_threshold must be between 0.0 and 1.0.');
  if (!(edgeThreshold >= 0 && edgeThreshold <= 1)) throw new EngineError('badInput', 'edge_threshold must be between 0.0 and 1.0.');
  const n = layout.n;
  const w = logitWeights(layout, logitProbabilities);

  const influence = nodeInfluence(a, w);
  const nodeCut = findThreshold(influence, nodeThreshold);
  const nodeMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) nodeMask[i] = influence[i] >= nodeCut ? 1 : 0;
  nodeMask.fill(1, layout.tokenStart); // tokens and logits always stay

  const rows = entryRows(a);
  const inPruned = new Uint8Array(a.vals.length);
  for (let e = 0; e < inPruned.length; e++) inPruned[e] = nodeMask[rows[e]] && nodeMask[a.cols[e]] ? 1 : 0;
  const normPruned = normalizeRows(a, inPruned);
  const targetInfluence = computeInfluence(a, normPruned, w);
  for (let i = 0; i < n; i++) targetInfluence[i] += w[i];
  const edgeScores = new Float64Array(a.vals.length);
  for (let e = 0; e < edgeScores.length; e++) edgeScores[e] = normPruned[e] * targetInfluence[rows[e]];
  const edgeCut = findThreshold(edgeScores, edgeThreshold, n * n - a.vals.length);
  const edgeMask = new Uint8Array(a.vals.length);
  for (let e = 0; e < edgeMask.length; e++) edgeMask[e] = edgeScores[e] >= edgeCut ? 1 : 0;

  // features and errors need a kept outgoing edge, features a kept incoming one; repeat until stable
  const hasOut = new Uint8Array(n);
  const hasIn = new Uint8Array(n);
  for (let changed = true, first = true; changed; first = false) {
    if (!first) for (let e = 0; e < edgeMask.length; e++) if (!nodeMask[rows[e]] || !nodeMask[a.cols[e]]) edgeMask[e] = 0;
    hasOut.fill(0);
    hasIn.fill(0);
    for (let e = 0; e < edgeMask.length; e++) {
      if (!edgeMask[e]) continue;
      hasOut[a.cols[e]] = 1;
      hasIn[rows[e]] = 1;
    }
    changed = false;
    for (let i = 0; i < layout.tokenStart; i++) {
      const keep = nodeMask[i] && hasOut[i] && (i >= layout.nFeatures || hasIn[i]) ? 1 : 0;
      if (keep !== nodeMask[i]) {
        nodeMask[i] = keep;
        changed = true;
      }
    }
  }

  return { nodeMask, edgeMask, cumulativeScores: cumulativeScores(influence), influence };
}

/** each node's cumulative share of total influence, nodes taken by descending influence (ties by index) */
export function cumulativeScores(influence: Float64Array): Float64Array {
  const order = Array.from(influence.keys()).sort((i, j) => influence[j] - influence[i] || i - j);
  let total = 0;
  for (const x of influence) total += x;
  const out = new Float64Array(influence.length);
  let acc = 0;
  for (const i of order) {
    acc += influence[i];
    out[i] = acc / total;
  }
  return out;
}

/** no pruning: every node and every stored edge kept, with the same influence scores (`--no-prune`) */
export function keepAll(a: SparseAdjacency, layout: NodeLayout, logitProbabilities: ArrayLike<number>): PruneResult {
  const influence = nodeInfluence(a, logitWeights(layout, logitProbabilities));
  return { nodeMask: new Uint8Array(layout.n).fill(1), edgeMask: new Uint8Array(a.vals.length).fill(1), cumulativeScores: cumulativeScores(influence), influence };
}
