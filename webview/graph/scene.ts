// What to draw: the items (nodes or supernodes) and edges of the current view, from the model and the view
// state. The full graph applies the pruning and edge thresholds; the subgraph shows pinned nodes with each
// supernode merged into one item. Pure; no DOM.
import type { GraphModel, ModelNode, NodeKind } from './model';
import type { ViewState } from './store';

export type ItemKind = NodeKind | 'supernode';

export interface SceneItem {
  /** node_id, or `sn:<index>` for a supernode. */
  readonly id: string;
  readonly kind: ItemKind;
  readonly row: number;
  readonly ctx: number;
  /** Sort key inside a (position, layer) cell: smaller is drawn first (leftmost). */
  readonly rank: number;
  /** Model node indices this item stands for. */
  readonly members: readonly number[];
  readonly label: string;
}

export interface SceneEdge {
  readonly source: number;
  readonly target: number;
  readonly weight: number;
  /** Share of the target item's input within the scene (full graph: of the node's whole input). */
  readonly pct: number;
}

export interface Scene {
  readonly mode: ViewState['view'];
  readonly items: readonly SceneItem[];
  readonly edges: readonly SceneEdge[];
  readonly itemOfId: ReadonlyMap<string, number>;
  /** Item index per model node (-1 where the node is not shown). */
  readonly itemOfNode: Int32Array;
}

type Thresholds = Pick<ViewState, 'nodeThreshold' | 'edgeThreshold' | 'hideErrors' | 'hideCommon' | 'pinnedIds' | 'clickedId' | 'positionFilter'>;

/** circuit-tracer's rule: keep nodes within the influence threshold, and always embeddings, logits, pinned and clicked. */
export function visibleNodes(model: GraphModel, s: Thresholds): Uint8Array {
  const keep = new Uint8Array(model.nodes.length);
  const pinned = new Set(s.pinnedIds);
  const [from, to] = s.positionFilter ?? [-Infinity, Infinity];
  for (const n of model.nodes) {
    const always = n.kind === 'embedding' || n.kind === 'logit' || pinned.has(n.id) || n.id === s.clickedId;
    let shown = always || n.influence <= s.nodeThreshold + 1e-9;
    if (!always && s.hideErrors && n.kind === 'error') shown = false;
    if (!always && s.hideCommon && model.veryCommon.has(n.index)) shown = false;
    if (n.kind !== 'logit' && (n.ctx < from || n.ctx > to)) shown = false;
    keep[n.index] = shown ? 1 : 0;
  }
  return keep;
}

export function labelOf(n: ModelNode, clerps: Readonly<Record<string, string>>): string {
  return clerps[n.featureId] ?? n.fileLabel;
}

function makeScene(mode: Scene['mode'], items: SceneItem[], edges: SceneEdge[], nNodes: number): Scene {
  const itemOfId = new Map(items.map((it, i) => [it.id, i]));
  const itemOfNode = new Int32Array(nNodes).fill(-1);
  items.forEach((it, i) => it.members.forEach((m) => (itemOfNode[m] = i)));
  return { mode, items, edges, itemOfId, itemOfNode };
}

export function fullScene(model: GraphModel, s: Thresholds & Pick<ViewState, 'clerps'>): Scene {
  const keep = visibleNodes(model, s);
  const items: SceneItem[] = [];
  for (const n of model.nodes) {
    if (keep[n.index]) items.push({ id: n.id, kind: n.kind, row: n.row, ctx: n.ctx, rank: n.kind === 'logit' ? -(n.prob ?? 0) : n.influence, members: [n.index], label: labelOf(n, s.clerps) });
  }
  const scene = makeScene('graph', items, [], model.nodes.length);
  const edges: SceneEdge[] = [];
  for (const l of model.links) {
    if (!keep[l.source] || !keep[l.target] || Math.abs(l.pctInput) < s.edgeThreshold) continue;
    edges.push({ source: scene.itemOfNode[l.source], target: scene.itemOfNode[l.target], weight: l.weight, pct: l.pctInput });
  }
  return { ...scene, edges };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

/** Pinned nodes, each supernode merged into one item placed at its members' median layer and position. */
export function subgraphScene(model: GraphModel, s: Pick<ViewState, 'pinnedIds' | 'supernodes' | 'clerps'>): Scene {
  const grouped = new Map<number, number>();
  const items: SceneItem[] = [];
  s.supernodes.forEach((group, g) => {
    const members = group.slice(1).map((id) => model.byId.get(id)).filter((i): i is number => i !== undefined);
    if (members.length === 0) return;
    members.forEach((m) => grouped.set(m, g));
    const nodes = members.map((m) => model.nodes[m]);
    items.push({ id: `sn:${g}`, kind: 'supernode', row: median(nodes.map((n) => n.row)), ctx: median(nodes.map((n) => n.ctx)), rank: 0, members, label: group[0] });
  });
  for (const id of s.pinnedIds) {
    const i = model.byId.get(id);
    if (i === undefined || grouped.has(i)) continue;
    const n = model.nodes[i];
    items.push({ id, kind: n.kind, row: n.row, ctx: n.ctx, rank: n.influence, members: [i], label: labelOf(n, s.clerps) });
  }
  const scene = makeScene('subgraph', items, [], model.nodes.length);
  // Sum member links between distinct items, then normalise by each target item's input from inside the scene.
  const sums = new Map<string, number>();
  for (const l of model.links) {
    const a = scene.itemOfNode[l.source];
    const b = scene.itemOfNode[l.target];
    if (a < 0 || b < 0 || a === b) continue;
    const key = `${a}>${b}`;
    sums.set(key, (sums.get(key) ?? 0) + l.weight);
  }
  const absIn = new Float64Array(items.length);
  for (const [key, w] of sums) absIn[Number(key.split('>')[1])] += Math.abs(w);
  const edges: SceneEdge[] = [...sums].map(([key, weight]) => {
    const [a, b] = key.split('>').map(Number);
    return { source: a, target: b, weight, pct: weight / Math.max(absIn[b], 1e-10) };
  });
  return { ...scene, edges };
}
