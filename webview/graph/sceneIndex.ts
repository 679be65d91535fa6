// The scene the link graph draws now and what is derived from it (layout, hover quadtree, each item's edges), and the
// pure functions that read it: the rings on items, search hits and the labels beside items.
import { quadtree, type Quadtree } from 'd3';
import { layoutScene, type Layout, type LayoutSize } from './layout';
import type { RenderTimes } from './linkGraph';
import type { GraphModel } from './model';
import { logitLabels, type ItemLabel, type Mark } from './overlay';
import { fullScene, subgraphScene, type Scene, type SceneEdge } from './scene';
import type { ViewState } from './store';

const MAX_LABELS = 60;
/** Each token position keeps up to this much width (at most 55 % of the view shared out), so its axis label has room. */
const MIN_COLUMN_PX = 30;

/** Extra rings from outside the graph view (an intervention's changed nodes), by node id. */
export type ExtraMarks = (state: Readonly<ViewState>) => readonly { id: string; kind: string; scale?: number }[];

/** The scene drawn now and what is derived from it: its layout, a quadtree for hover, each item's edges. */
export class SceneIndex {
  scene: Scene;
  layout!: Layout;
  tree!: Quadtree<number>;
  /** Edge indices into and out of each item. */
  inEdges: number[][] = [];
  outEdges: number[][] = [];
  /** The scene's edges, strongest first (drawing order under the budget). */
  strongest: SceneEdge[] = [];

  constructor(private readonly model: GraphModel, state: ViewState, size: LayoutSize, private readonly times: RenderTimes) {
    this.scene = this.buildScene(state);
    this.indexEdges();
    this.place(size);
  }

  /** A new scene after a threshold or view change. */
  rebuild(state: ViewState, size: LayoutSize): void {
    const t0 = performance.now();
    this.scene = this.buildScene(state);
    this.indexEdges();
    this.times.scene.push(performance.now() - t0);
    this.relayout(size);
  }

  relayout(size: LayoutSize): void {
    const t0 = performance.now();
    this.place(size);
    this.times.scene.push(performance.now() - t0);
  }

  /** The item that shows node or supernode `id` (in the subgraph, the supernode a node is a member of); −1: none. */
  itemOf(id: string | null): number {
    if (id === null) return -1;
    const item = this.scene.itemOfId.get(id);
    if (item !== undefined) return item;
    if (this.scene.mode !== 'subgraph') return -1;
    const node = this.model.byId.get(id);
    return node === undefined ? -1 : this.scene.itemOfNode[node];
  }

  /** The item nearest to a point in graph coordinates, within `radius`; −1: none. */
  nearest(x: number, y: number, radius: number): number {
    return this.tree.find(x, y, radius) ?? -1;
  }

  private place(size: LayoutSize): void {
    this.layout = this.layoutFor(size);
    const { x, y } = this.layout;
    this.tree = quadtree<number>().x((i) => x[i]).y((i) => y[i]).addAll([...this.scene.items.keys()]);
  }

  private buildScene(s: ViewState): Scene {
    return s.view === 'subgraph' ? subgraphScene(this.model, s) : fullScene(this.model, s);
  }

  private layoutFor(size: LayoutSize): Layout {
    const { scene, model } = this;
    // The subgraph labels every node to its right, so it keeps room for labels and squeezes empty positions.
    if (scene.mode === 'graph') return layoutScene(scene.items, model.tokens.length, model.nLayers, size, 0.6,
      Math.min(MIN_COLUMN_PX, (0.55 * (size.width - size.margin.left - size.margin.right)) / Math.max(1, model.tokens.length)));
    return layoutScene(scene.items, model.tokens.length, model.nLayers, { ...size, margin: { ...size.margin, right: 170 } }, 0.25);
  }

  private indexEdges(): void {
    this.inEdges = this.scene.items.map(() => []);
    this.outEdges = this.scene.items.map(() => []);
    this.scene.edges.forEach((e, i) => {
      this.inEdges[e.target].push(i);
      this.outEdges[e.source].push(i);
    });
    this.strongest = [...this.scene.edges].sort((a, b) => Math.abs(b.pct) - Math.abs(a.pct));
  }
}

/** Rings on items: outside marks, pins, the group being built, search hits, the cursor's position, click/focus/hover. */
export function marksFor(index: SceneIndex, model: GraphModel, s: Readonly<ViewState>, extraMarks?: ExtraMarks): Mark[] {
  const { scene } = index;
  const marks: Mark[] = [];
  const add = (id: string | null, kind: string) => {
    const i = index.itemOf(id);
    if (i >= 0) marks.push({ item: i, kind });
  };
  for (const m of extraMarks?.(s) ?? []) {
    const i = index.itemOf(m.id);
    if (i >= 0) marks.push({ item: i, kind: m.kind, scale: m.scale });
  }
  for (const id of s.pinnedIds) if (scene.mode === 'graph') add(id, 'pinned');
  for (const id of s.grouping ?? []) add(id, 'grouping');
  if (s.search.trim()) for (const i of searchMatches(scene, model, s.search)) marks.push({ item: i, kind: 'search' });
  if (s.cursorPosition !== null) scene.items.forEach((it, i) => it.ctx === s.cursorPosition && it.kind !== 'embedding' && marks.push({ item: i, kind: 'cursor' }));
  add(s.clickedId, 'clicked');
  add(s.focusId, 'focused');
  add(s.hoveredId, 'hovered');
  return marks;
}

/** Items whose label contains the query, whose token is the query, or whose id it is. */
export function searchMatches(scene: Scene, model: GraphModel, query: string): number[] {
  const q = query.trim().toLowerCase();
  const out: number[] = [];
  scene.items.forEach((it, i) => {
    const token = model.nodes[it.members[0]]?.token ?? '';
    if (it.label.toLowerCase().includes(q) || token.trim().toLowerCase() === q || it.id === query.trim()) out.push(i);
  });
  return out;
}

/** Text beside items at zoom `k`: logits (the target, and the others that fit without overlapping), the subgraph's items, pinned items, or all when roomy. */
export function labelsFor(index: SceneIndex, model: GraphModel, s: Readonly<ViewState>, k: number): ItemLabel[] {
  const { scene, layout } = index;
  // Small graphs with room between nodes get every label, which reads better than hovering each node.
  const roomy = scene.items.length <= MAX_LABELS && layout.slot * k >= 48;
  const fit = (text: string) => (scene.mode === 'graph' && text.length > (layout.slot * k - 14) / 6.5 ? `${text.slice(0, Math.max(3, Math.floor((layout.slot * k - 14) / 6.5) - 1))}…` : text);
  // crowded logits: the target's label, and the others' only where they do not overlap it or each other
  const labels: ItemLabel[] = logitLabels(scene, layout, model, k);
  scene.items.forEach((it, i) => {
    if (it.kind === 'logit') return;
    if (scene.mode === 'subgraph' && it.kind !== 'embedding') {
      labels.push({ item: i, id: it.id, text: it.label, placement: 'right' });
    } else if (it.kind !== 'embedding' && (s.pinnedIds.includes(it.id) || roomy)) {
      labels.push({ item: i, id: it.id, text: fit(it.label), placement: 'right' });
    }
  });
  return labels.slice(0, MAX_LABELS);
}
