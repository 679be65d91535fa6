// Influence of every node of a graph file on its output logits, from the file's links alone (so it works on any
// graph: ours, circuit-tracer's, Neuronpedia's): circuit-tracer's compute_node_influence on the pruned graph. Each
// node's incoming |weights| are normalised to sum to 1; the logits start with their probabilities (normalised);
// influence flows back along links: infl[src] += infl[dst] · |w| / Σ|w into dst|. One pass in reverse
// topological order, O(nodes + links). Returned as fractions of the logits' total (a node on every path gets 1).
import type { GraphJson } from '../../protocol/graph-json';

export function nodeInfluence(g: GraphJson): Float64Array {
  const n = g.nodes.length;
  const index = new Map<string, number>();
  g.nodes.forEach((node, i) => index.set(node.node_id, i));
  const m = g.links.length;
  const src = new Int32Array(m);
  const dst = new Int32Array(m);
  const w = new Float64Array(m);
  const inSum = new Float64Array(n);
  const outDeg = new Int32Array(n);
  let k = 0;
  for (const l of g.links) {
    const s = index.get(l.source);
    const t = index.get(l.target);
    if (s === undefined || t === undefined || s === t) continue;
    src[k] = s;
    dst[k] = t;
    w[k] = Math.abs(l.weight);
    inSum[t] += w[k];
    outDeg[s]++;
    k++;
  }
  // links grouped by target (CSR), so a finished node hands its influence to its sources
  const start = new Int32Array(n + 1);
  for (let e = 0; e < k; e++) start[dst[e] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const bySrc = new Int32Array(k);
  const byW = new Float64Array(k);
  for (let e = 0; e < k; e++) {
    const p = fill[dst[e]]++;
    bySrc[p] = src[e];
    byW[p] = w[e];
  }

  const infl = new Float64Array(n);
  const logits = g.nodes.map((node, i) => (node.feature_type === 'logit' ? i : -1)).filter((i) => i >= 0);
  const probs = logits.map((i) => Math.max(0, g.nodes[i].token_prob ?? 0));
  const total = probs.reduce((a, b) => a + b, 0);
  logits.forEach((i, j) => (infl[i] = total > 0 ? probs[j] / total : 1 / logits.length));

  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (outDeg[i] === 0) queue.push(i);
  const done = new Uint8Array(n);
  const visit = (t: number) => {
    done[t] = 1;
    const sum = inSum[t];
    if (sum <= 0) return;
    const share = infl[t] / sum;
    for (let p = start[t]; p < start[t + 1]; p++) {
      const s = bySrc[p];
      infl[s] += share * byW[p];
      if (--outDeg[s] === 0) queue.push(s);
    }
  };
  for (let q = 0; q < queue.length; q++) visit(queue[q]);
  // a cycle (never in an attribution graph; a hand-edited file may have one): finish its nodes with what arrived
  for (let i = 0; i < n; i++) if (!done[i]) visit(i);
  for (const i of logits) infl[i] = 0;
  return infl;
}
