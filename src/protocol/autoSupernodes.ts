// Automatic supernodes: features of one graph that play the same role — similar input and output edge profiles
// (cosine of their signed, normalised link weights) and similar labels (word Jaccard) — grouped into proposals the
// user accepts, renames or splits in the panel; an accepted one is saved like a hand-made supernode (qParams
// `supernodes`: [label, node_id…]). Candidate pairs share a neighbour (an inverted index), so a graph of thousands of
// nodes takes milliseconds. Pure; imports nothing but the graph types (the webview runs it).
import type { GraphJson } from './graph-json';

export interface SupernodeProposal {
  label: string;
  nodeIds: string[];
  /** Mean similarity of the pairs that joined the group (0…1). */
  score: number;
}

export interface ProposeOptions {
  /** Pairs at or above this similarity join (default 0.6). */
  minSimilarity?: number;
  /** Largest group proposed (default 6). */
  maxSize?: number;
}

const FEATURE_TYPES = new Set(['cross layer transcoder', 'lorsa', 'unexplored node']);
const PLACEHOLDER = /^(L\d+\/\d+|F#?\d+|)$/i;
const STOP = new Set(['next', 'on', 'the', 'a', 'an', 'of', 'and', 'or', 'to', 'in', 'is']);

const words = (label: string): string[] =>
  PLACEHOLDER.test(label.trim()) ? [] : [...new Set((label.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOP.has(w)))];

type Profile = Map<number, number>;

function cosine(a: Profile, b: Profile): number {
  if (a.size === 0 || b.size === 0) return 0;
  let dot = 0;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w !== undefined) dot += v * w;
  }
  return dot; // profiles are unit length
}

const unit = (p: Profile): Profile => {
  const n = Math.sqrt([...p.values()].reduce((t, v) => t + v * v, 0));
  if (n > 0) for (const [k, v] of p) p.set(k, v / n);
  return p;
};

export function proposeSupernodes(g: GraphJson, opts: ProposeOptions = {}): SupernodeProposal[] {
  const minSim = opts.minSimilarity ?? 0.6;
  const maxSize = opts.maxSize ?? 6;
  const index = new Map(g.nodes.map((n, i) => [n.node_id, i]));
  const isFeature = g.nodes.map((n) => FEATURE_TYPES.has(n.feature_type));
  const ins = g.nodes.map((): Profile => new Map());
  const outs = g.nodes.map((): Profile => new Map());
  for (const l of g.links) {
    const s = index.get(l.source);
    const t = index.get(l.target);
    if (s === undefined || t === undefined || s === t) continue;
    outs[s].set(t, (outs[s].get(t) ?? 0) + l.weight);
    ins[t].set(s, (ins[t].get(s) ?? 0) + l.weight);
  }
  // a neighbour many features share (the target logit, the last token) says little about a role: weight by IDF
  const degIn = g.nodes.map((_, i) => outs[i].size);
  const degOut = g.nodes.map((_, i) => ins[i].size);
  const nf = Math.max(2, isFeature.filter(Boolean).length);
  for (const p of ins) for (const [k, v] of p) p.set(k, v * Math.log(1 + nf / Math.max(1, degIn[k])));
  for (const p of outs) for (const [k, v] of p) p.set(k, v * Math.log(1 + nf / Math.max(1, degOut[k])));
  ins.forEach(unit);
  outs.forEach(unit);
  const labels = g.nodes.map((n) => {
    const key = n.node_id.split('_').slice(0, 2).join('_');
    return (g.selfTracing?.features?.[key]?.label || n.clerp || '').trim();
  });
  const labelWords = labels.map(words);
  // candidates: features sharing an input or an output neighbour
  const byNeighbour = new Map<string, number[]>();
  g.nodes.forEach((_, i) => {
    if (!isFeature[i]) return;
    for (const t of outs[i].keys()) (byNeighbour.get(`o${t}`) ?? byNeighbour.set(`o${t}`, []).get(`o${t}`)!).push(i);
    for (const s of ins[i].keys()) (byNeighbour.get(`i${s}`) ?? byNeighbour.set(`i${s}`, []).get(`i${s}`)!).push(i);
  });
  const pairs: [number, number, number][] = [];
  const seen = new Set<number>();
  const n = g.nodes.length;
  for (const members of byNeighbour.values()) {
    if (members.length > 400) continue; // a hub (the target logit) says nothing about roles
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const i = Math.min(members[x], members[y]);
        const j = Math.max(members[x], members[y]);
        const key = i * n + j;
        if (seen.has(key)) continue;
        seen.add(key);
        const edge = 0.5 * (cosine(ins[i], ins[j]) + cosine(outs[i], outs[j]));
        const wa = labelWords[i];
        const wb = new Set(labelWords[j]);
        const both = wa.filter((w) => wb.has(w)).length;
        const lab = wa.length && wb.size ? both / (wa.length + wb.size - both) : 0;
        const sim = 0.75 * edge + 0.25 * lab;
        if (sim >= minSim) pairs.push([i, j, sim]);
      }
    }
  }
  // greedy agglomeration: strongest pairs first, groups capped at maxSize
  pairs.sort((p, q) => q[2] - p[2] || p[0] - q[0] || p[1] - q[1]);
  const group = new Map<number, number[]>();
  const sims = new Map<number[], number[]>();
  for (const [i, j, s] of pairs) {
    const gi = group.get(i);
    const gj = group.get(j);
    if (gi && gi === gj) continue;
    const merged = [...(gi ?? [i]), ...(gj ?? [j])];
    if (merged.length > maxSize) continue;
    const list = [...(gi ? sims.get(gi)! : []), ...(gj ? sims.get(gj)! : []), s];
    if (gi) sims.delete(gi);
    if (gj) sims.delete(gj);
    sims.set(merged, list);
    for (const m of merged) group.set(m, merged);
  }
  const proposals = [...sims].map(([members, s]) => {
    const ids = members.sort((a, b) => a - b).map((m) => g.nodes[m].node_id);
    return { label: nameOf(members.map((m) => labels[m]), members.map((m) => labelWords[m])), nodeIds: ids, score: s.reduce((a, b) => a + b, 0) / s.length };
  });
  return proposals.sort((a, b) => b.nodeIds.length - a.nodeIds.length || b.score - a.score || (a.nodeIds[0] < b.nodeIds[0] ? -1 : 1));
}

/** The word most members' labels share, else the first member's label. */
function nameOf(labels: string[], ws: string[][]): string {
  const count = new Map<string, number>();
  for (const w of ws) for (const x of w) count.set(x, (count.get(x) ?? 0) + 1);
  const best = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  if (best && best[1] >= 2) return `${best[0]} (${labels.length})`;
  return `${labels.find((l) => l !== '' && !PLACEHOLDER.test(l)) ?? 'group'} (${labels.length})`;
}
