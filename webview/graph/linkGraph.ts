// The link graph view: three canvases (all edges, all glyphs, the focused node's edges and neighbours) between
// two SVG layers (axes underneath, interaction marks on top), d3-zoom for pan and zoom, a quadtree for hover.
// It reads the store and writes hover, click, pin and grouping changes back to it.
import { quadtree, select, zoom, zoomIdentity, type Quadtree, type ZoomBehavior, type ZoomTransform } from 'd3';
import { clear, drawEdges, drawNodes, glyphRadius, type EdgeBudget, type Viewport } from './draw';
import { exportGraphImage, type ImageFormat, type ImageHeader } from './exportImage';
import { layoutScene, type Layout, type LayoutSize } from './layout';
import type { GraphModel } from './model';
import { logitName, renderAxes, renderLabels, renderMarks, type ItemLabel, type Mark } from './overlay';
import { fullScene, subgraphScene, type Scene, type SceneEdge } from './scene';
import { toggled, type Store, type ViewState } from './store';
import { edgeBucket, readPalette, type Palette } from './theme';
import { hideTooltip, showTokenTooltip, showTooltip } from './tooltip';

export interface RenderTimes {
  /** Scene + layout + quadtree after a threshold or view change (ms). */
  scene: number[];
  /** Edges and glyph canvases (ms). */
  full: number[];
  /** Focus canvas, marks and tooltip after a hover or click (ms). */
  focus: number[];
}

export interface LinkGraph {
  readonly times: RenderTimes;
  scene(): Scene;
  /** Screen position of a node or supernode inside the graph box, for tests and the keyboard. */
  positionOf(id: string): { x: number; y: number } | null;
  refreshTheme(): void;
  zoomBy(factor: number): void;
  resetZoom(): void;
  /** The graph's drawing as a PNG data URL (canvases and SVG composited). */
  snapshot(): Promise<string>;
  /** The whole graph (not the zoomed view) with a header and legend, as an SVG or 2× PNG data URL. */
  exportImage(format: ImageFormat, header: ImageHeader): Promise<string>;
}

const MARGIN = { top: 40, right: 28, bottom: 54, left: 44 };
const HOVER_RADIUS = 30;
/** Background links: the strongest keep their width, the next are hairlines (see EdgeBudget). */
export const BUDGET: EdgeBudget = { wide: 1500, hairline: 12000 };
/** While zooming or dragging a slider, a smaller budget; the full one once the motion settles. */
const MOTION_BUDGET: EdgeBudget = { wide: 600, hairline: 2500 };
const SETTLE_MS = 160;
const MAX_LABELS = 60;
/** Each token position keeps up to this much width (at most 55 % of the view shared out), so its axis label has room. */
const MIN_COLUMN_PX = 30;

const SCENE_KEYS: readonly (keyof ViewState)[] = ['nodeThreshold', 'edgeThreshold', 'hideErrors', 'hideCommon', 'view', 'supernodes', 'positionFilter'];

/** Extra rings from outside the graph view (an intervention's changed nodes), by node id. */
export type ExtraMarks = (state: Readonly<ViewState>) => readonly { id: string; kind: string; scale?: number }[];

export function initLinkGraph(host: HTMLElement, model: GraphModel, store: Store, extraMarks?: ExtraMarks): LinkGraph {
  const root = select(host).classed('link-graph', true).attr('tabindex', 0).attr('role', 'application')
    .attr('aria-roledescription', 'attribution graph')
    .attr('aria-label', 'Attribution graph. Arrow keys move between nodes, Enter opens a node, P pins, G groups, S toggles the subgraph.');
  const under = root.append('svg').attr('class', 'layer under').attr('aria-hidden', 'true');
  const gUnder = under.append('g');
  const canvases = ['edges', 'nodes', 'focus'].map((name) => root.append('canvas').attr('class', `layer ${name}`).attr('aria-hidden', 'true').node()!);
  const over = root.append('svg').attr('class', 'layer over');
  const gMarks = over.append('g').attr('class', 'marks');
  const gLabels = over.append('g').attr('class', 'labels');
  const tooltip = root.append('div').attr('class', 'tooltip').attr('role', 'tooltip').attr('hidden', '').node()!;

  const times: RenderTimes = { scene: [], full: [], focus: [] };
  let size: LayoutSize = { width: 800, height: 500, margin: MARGIN };
  let palette: Palette = readPalette(host);
  let transform: ZoomTransform = zoomIdentity;
  let scene: Scene = buildScene(store.get());
  let layout: Layout = layoutFor(scene);
  let tree: Quadtree<number> = buildTree();
  let strongest: SceneEdge[] = [];
  let moving = false;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  let inEdges: number[][] = [];
  let outEdges: number[][] = [];
  indexEdges();

  function layoutFor(sc: Scene): Layout {
    // The subgraph labels every node to its right, so it keeps room for labels and squeezes empty positions.
    if (sc.mode === 'graph') return layoutScene(sc.items, model.tokens.length, model.nLayers, size, 0.6,
      Math.min(MIN_COLUMN_PX, (0.55 * (size.width - size.margin.left - size.margin.right)) / Math.max(1, model.tokens.length)));
    return layoutScene(sc.items, model.tokens.length, model.nLayers, { ...size, margin: { ...size.margin, right: 170 } }, 0.25);
  }
  function buildScene(s: ViewState): Scene {
    return s.view === 'subgraph' ? subgraphScene(model, s) : fullScene(model, s);
  }
  function indexEdges(): void {
    inEdges = scene.items.map(() => []);
    outEdges = scene.items.map(() => []);
    scene.edges.forEach((e, i) => {
      inEdges[e.target].push(i);
      outEdges[e.source].push(i);
    });
    strongest = [...scene.edges].sort((a, b) => Math.abs(b.pct) - Math.abs(a.pct));
  }
  function buildTree(): Quadtree<number> {
    return quadtree<number>().x((i) => layout.x[i]).y((i) => layout.y[i]).addAll([...scene.items.keys()]);
  }
  function relayout(): void {
    const t0 = performance.now();
    layout = layoutFor(scene);
    tree = buildTree();
    times.scene.push(performance.now() - t0);
  }
  function rescene(): void {
    const t0 = performance.now();
    scene = buildScene(store.get());
    indexEdges();
    times.scene.push(performance.now() - t0);
    relayout();
    root.attr('data-visible-nodes', scene.items.length).attr('data-visible-links', scene.edges.length).attr('data-view', scene.mode);
  }

  const viewport = (canvas: HTMLCanvasElement): Viewport => ({ ctx: canvas.getContext('2d')!, transform, width: size.width, height: size.height, ratio: devicePixelRatio || 1 });

  function drawFull(): void {
    const t0 = performance.now();
    const [edges, nodes] = canvases;
    const ve = viewport(edges);
    clear(ve);
    const drawn = drawEdges(ve, layout, strongest, palette, false, moving ? MOTION_BUDGET : BUDGET);
    root.attr('data-drawn-links', drawn);
    const vn = viewport(nodes);
    clear(vn);
    drawNodes(vn, layout, scene, palette);
    renderAxes(gUnder, layout, transform, model.tokens, model.nLayers, size, store.get().cursorPosition);
    times.full.push(performance.now() - t0);
    drawFocus();
  }

  function itemOf(id: string | null): number {
    return id === null ? -1 : scene.itemOfId.get(id) ?? (scene.mode === 'subgraph' ? itemOfMember(id) : -1);
  }
  function itemOfMember(id: string): number {
    const node = model.byId.get(id);
    return node === undefined ? -1 : scene.itemOfNode[node];
  }

  function drawFocus(): void {
    const t0 = performance.now();
    const s = store.get();
    const focused = [s.hoveredId, s.focusId, s.clickedId].map(itemOf).find((i) => i >= 0) ?? -1;
    const v = viewport(canvases[2]);
    clear(v);
    const fills = new Map<number, string>();
    if (focused >= 0) {
      const incident: SceneEdge[] = [];
      if (s.linkType !== 'output') for (const e of inEdges[focused]) incident.push(scene.edges[e]);
      if (s.linkType !== 'input') for (const e of outEdges[focused]) incident.push(scene.edges[e]);
      incident.sort((a, b) => Math.abs(b.pct) - Math.abs(a.pct));
      drawEdges(v, layout, incident, palette, true);
      for (const e of incident) fills.set(e.source === focused ? e.target : e.source, palette.edgeBuckets[edgeBucket(e.pct)]);
      drawNodes(v, layout, scene, palette, fills.keys(), fills);
      drawNodes(v, layout, scene, palette, [focused]);
    }
    root.classed('has-focus', focused >= 0);
    const r = glyphRadius(layout, transform.k);
    renderMarks(gMarks, marksFor(s), layout, transform, r);
    renderLabels(gLabels, labelsFor(s), scene, layout, transform, r, size.width);
    const hovered = itemOf(s.hoveredId);
    if (hovered >= 0 && hovered !== lastPointerItem) showAt(hovered);
    // no pointer on a node: the keyboard-focused node shows its tooltip while the graph has focus
    const keyed = hovered < 0 && document.activeElement === host ? itemOf(s.focusId) : -1;
    if (keyed >= 0) showAt(keyed);
    else if (hovered < 0) hideTooltip(tooltip);
    times.focus.push(performance.now() - t0);
  }

  function marksFor(s: ViewState): Mark[] {
    const marks: Mark[] = [];
    const add = (id: string | null, kind: string) => {
      const i = itemOf(id);
      if (i >= 0) marks.push({ item: i, kind });
    };
    for (const m of extraMarks?.(s) ?? []) {
      const i = itemOf(m.id);
      if (i >= 0) marks.push({ item: i, kind: m.kind, scale: m.scale });
    }
    for (const id of s.pinnedIds) if (scene.mode === 'graph') add(id, 'pinned');
    for (const id of s.grouping ?? []) add(id, 'grouping');
    if (s.search.trim()) for (const i of searchMatches(s.search)) marks.push({ item: i, kind: 'search' });
    if (s.cursorPosition !== null) scene.items.forEach((it, i) => it.ctx === s.cursorPosition && it.kind !== 'embedding' && marks.push({ item: i, kind: 'cursor' }));
    add(s.clickedId, 'clicked');
    add(s.focusId, 'focused');
    add(s.hoveredId, 'hovered');
    return marks;
  }

  function searchMatches(query: string): number[] {
    const q = query.trim().toLowerCase();
    const out: number[] = [];
    scene.items.forEach((it, i) => {
      const token = model.nodes[it.members[0]]?.token ?? '';
      if (it.label.toLowerCase().includes(q) || token.trim().toLowerCase() === q || it.id === query.trim()) out.push(i);
    });
    return out;
  }

  function labelsFor(s: ViewState): ItemLabel[] {
    const labels: ItemLabel[] = [];
    // Small graphs with room between nodes get every label, which reads better than hovering each node.
    const roomy = scene.items.length <= MAX_LABELS && layout.slot * transform.k >= 48;
    const fit = (text: string) => (scene.mode === 'graph' && text.length > (layout.slot * transform.k - 14) / 6.5 ? `${text.slice(0, Math.max(3, Math.floor((layout.slot * transform.k - 14) / 6.5) - 1))}…` : text);
    scene.items.forEach((it, i) => {
      if (it.kind === 'logit') {
        const n = model.nodes[it.members[0]];
        if (layout.slot * transform.k < 34 && !n.isTarget) return; // crowded logits: only the target is named
        labels.push({ item: i, id: it.id, text: `${logitName(n.token)}${n.prob !== null ? ` ${Math.round(n.prob * 100)}%` : ''}`, placement: 'above' });
      } else if (scene.mode === 'subgraph' && it.kind !== 'embedding') {
        labels.push({ item: i, id: it.id, text: it.label, placement: 'right' });
      } else if (it.kind !== 'embedding' && (s.pinnedIds.includes(it.id) || roomy)) {
        labels.push({ item: i, id: it.id, text: fit(it.label), placement: 'right' });
      }
    });
    return labels.slice(0, MAX_LABELS);
  }

  let lastPointerItem = -1;
  function showAt(item: number, pointer?: { x: number; y: number }): void {
    const x = pointer?.x ?? transform.applyX(layout.x[item]);
    const y = pointer?.y ?? transform.applyY(layout.y[item]);
    showTooltip(tooltip, model, scene.items[item], x, y, size);
  }

  /** Marks the view as in motion: cheap frames now, one full-quality frame after the motion stops. */
  function inMotion(): void {
    moving = true;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      moving = false;
      schedule('full');
    }, SETTLE_MS);
  }

  // Redraws are coalesced into one animation frame; `full` wins over `focus`.
  let pending: 'none' | 'focus' | 'full' = 'none';
  function schedule(kind: 'focus' | 'full'): void {
    if (pending === 'none') requestAnimationFrame(flush);
    if (kind === 'full' || pending === 'none') pending = kind;
  }
  function flush(): void {
    const kind = pending;
    pending = 'none';
    if (kind === 'full') drawFull();
    else if (kind === 'focus') drawFocus();
  }

  function resize(): void {
    const { width, height } = host.getBoundingClientRect();
    if (width < 10 || height < 10) return;
    size = { width, height, margin: MARGIN };
    const ratio = devicePixelRatio || 1;
    for (const c of canvases) {
      c.width = Math.round(width * ratio);
      c.height = Math.round(height * ratio);
    }
    for (const svg of [under, over]) svg.attr('width', width).attr('height', height);
    zoomer.translateExtent([[0, 0], [width, height]]).extent([[0, 0], [width, height]]);
    relayout();
    drawFull();
  }

  const zoomer: ZoomBehavior<SVGSVGElement, unknown> = zoom<SVGSVGElement, unknown>()
    .scaleExtent([1, 40])
    .filter((event: Event) => event.type !== 'dblclick' && !(event instanceof MouseEvent && event.button !== 0))
    .on('zoom', (event: { transform: ZoomTransform }) => {
      transform = event.transform;
      if (scene.edges.length > MOTION_BUDGET.wide + MOTION_BUDGET.hairline) inMotion();
      schedule('full');
    });
  over.call(zoomer).on('dblclick.zoom', null);

  function pick(event: MouseEvent): number {
    const [px, py] = [event.offsetX, event.offsetY];
    const found = tree.find(transform.invertX(px), transform.invertY(py), HOVER_RADIUS / transform.k);
    return found ?? -1;
  }

  over.on('mousemove', (event: MouseEvent) => {
    if (event.shiftKey) return; // Shift freezes the hover, as in circuit-tracer
    const item = pick(event);
    lastPointerItem = item;
    const id = item >= 0 ? scene.items[item].id : null;
    if (item >= 0) showAt(item, { x: event.offsetX, y: event.offsetY });
    else tokenTip(event);
    if (id !== store.get().hoveredId) {
      host.dataset.vscodeContext = JSON.stringify(id ? { webviewSection: 'graphNode', nodeId: id, preventDefaultContextMenuItems: true } : { webviewSection: 'graph', preventDefaultContextMenuItems: true });
      store.set({ hoveredId: id });
    }
  });
  /** Below the graph: the tooltip of the token label under the pointer (its whole text when abbreviated). */
  function tokenTip(event: MouseEvent): void {
    if (event.offsetY < size.height - size.margin.bottom) return;
    const label = [...gUnder.node()!.querySelectorAll<SVGTextElement>('text.token-label')].find((el) => {
      const box = el.getBBox();
      return event.offsetX >= box.x - 2 && event.offsetX <= box.x + box.width + 2 && event.offsetY >= box.y - 2 && event.offsetY <= box.y + box.height + 2;
    });
    if (label) showTokenTooltip(tooltip, model, Number(label.dataset.ctx), event.offsetX, event.offsetY, size);
    else hideTooltip(tooltip);
  }
  over.on('mouseleave', () => {
    lastPointerItem = -1;
    store.set({ hoveredId: null });
  });
  over.on('click', (event: MouseEvent) => {
    const item = pick(event);
    const s = store.get();
    const id = item >= 0 ? scene.items[item].id : null;
    host.focus({ preventScroll: true });
    if (s.grouping !== null) {
      if (id) store.set({ grouping: toggled(s.grouping, id) });
    } else if (id && (event.metaKey || event.ctrlKey)) {
      store.set({ pinnedIds: toggled(s.pinnedIds, id) });
    } else {
      store.set({ clickedId: id === s.clickedId ? null : id, focusId: id });
    }
  });

  store.subscribe((s, changed) => {
    const needsScene = SCENE_KEYS.some((k) => changed.has(k))
      || (changed.has('pinnedIds') && (s.view === 'subgraph' || s.pinnedIds.some((id) => !scene.itemOfId.has(id))))
      || (changed.has('clerps') && s.view === 'subgraph')
      || (changed.has('clickedId') && s.view === 'graph' && s.clickedId !== null && !scene.itemOfId.has(s.clickedId));
    if (needsScene) {
      if (scene.edges.length > MOTION_BUDGET.wide + MOTION_BUDGET.hairline && (changed.has('nodeThreshold') || changed.has('edgeThreshold'))) inMotion();
      rescene();
      schedule('full');
    } else if (changed.has('cursorPosition')) schedule('full');
    else schedule('focus');
  });

  host.addEventListener('blur', () => { if (itemOf(store.get().hoveredId) < 0) hideTooltip(tooltip); });
  new ResizeObserver(() => resize()).observe(host);
  rescene();

  return {
    times,
    scene: () => scene,
    positionOf(id) {
      const i = itemOf(id);
      return i < 0 ? null : { x: transform.applyX(layout.x[i]), y: transform.applyY(layout.y[i]) };
    },
    refreshTheme() {
      palette = readPalette(host);
      schedule('full');
    },
    zoomBy: (factor) => over.call(zoomer.scaleBy, factor),
    resetZoom: () => over.call(zoomer.transform, zoomIdentity),
    snapshot: () => snapshot(size, palette, [under.node()!, ...canvases, over.node()!]),
    exportImage: (format, header) => exportGraphImage(host, model, scene, palette, header, format),
  };
}

/** Composites the SVG and canvas layers onto one canvas, as a PNG data URL. */
async function snapshot(size: LayoutSize, palette: Palette, layers: (SVGSVGElement | HTMLCanvasElement)[]): Promise<string> {
  const ratio = devicePixelRatio || 1;
  const out = document.createElement('canvas');
  out.width = Math.round(size.width * ratio);
  out.height = Math.round(size.height * ratio);
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, out.width, out.height);
  for (const layer of layers) {
    if (layer instanceof HTMLCanvasElement) ctx.drawImage(layer, 0, 0);
    else ctx.drawImage(await svgImage(layer), 0, 0, out.width, out.height);
  }
  return out.toDataURL('image/png');
}

/** An SVG layer as an image, with its computed text and stroke styles inlined so it renders standalone. */
function svgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const originals = svg.querySelectorAll('*');
  clone.querySelectorAll('*').forEach((el, i) => {
    const cs = getComputedStyle(originals[i]);
    for (const prop of ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-linejoin', 'paint-order', 'font-size', 'font-family', 'font-weight', 'opacity', 'fill-opacity', 'white-space']) {
      (el as SVGElement).style.setProperty(prop, cs.getPropertyValue(prop));
    }
  });
  const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(clone))}`;
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('could not render the SVG layer'));
    img.src = url;
  });
}
