// The link graph view: three canvases (all edges, all glyphs, the focused node's edges and neighbours) between
// two SVG layers (axes underneath, interaction marks on top), d3-zoom for pan and zoom, a quadtree for hover.
// It reads the store and writes hover, click, pin and grouping changes back to it.
import { select, zoom, zoomIdentity, type Selection, type ZoomBehavior, type ZoomTransform } from 'd3';
import { clear, drawEdges, drawNodes, glyphRadius, type EdgeBudget, type Viewport } from './draw';
import { exportGraphImage, type ImageFormat, type ImageHeader } from './exportImage';
import type { LayoutSize } from './layout';
import type { GraphModel } from './model';
import { renderAxes, renderLabels, renderMarks } from './overlay';
import type { Scene, SceneEdge } from './scene';
import { labelsFor, marksFor, SceneIndex, type ExtraMarks } from './sceneIndex';
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
  /** Stops drawing and listening (the store, the element's size); the page removes the elements. */
  destroy(): void;
}

const MARGIN = { top: 40, right: 28, bottom: 54, left: 44 };
const HOVER_RADIUS = 30;
/** Background links: the strongest keep their width, the next are hairlines (see EdgeBudget). */
export const BUDGET: EdgeBudget = { wide: 1500, hairline: 12000 };
/** While zooming or dragging a slider, a smaller budget; the full one once the motion settles. */
const MOTION_BUDGET: EdgeBudget = { wide: 600, hairline: 2500 };
const SETTLE_MS = 160;

const SCENE_KEYS: readonly (keyof ViewState)[] = ['nodeThreshold', 'edgeThreshold', 'hideErrors', 'hideCommon', 'view', 'supernodes', 'positionFilter'];


export function initLinkGraph(host: HTMLElement, model: GraphModel, store: Store, extraMarks?: ExtraMarks): LinkGraph {
  const view = new LinkGraphView(host, model, store, extraMarks);
  return {
    times: view.times,
    scene: () => view.index.scene,
    positionOf: (id) => view.positionOf(id),
    refreshTheme: () => view.refreshTheme(),
    zoomBy: (factor) => view.zoomBy(factor),
    resetZoom: () => view.resetZoom(),
    snapshot: () => view.snapshot(),
    exportImage: (format, header) => view.exportImage(format, header),
    destroy: () => view.destroy(),
  };
}

/** The layers of the view, back to front. */
interface Layers {
  readonly root: Selection<HTMLElement, unknown, null, undefined>;
  /** Axes and token labels, under everything. */
  readonly under: Selection<SVGSVGElement, unknown, null, undefined>;
  readonly axes: Selection<SVGGElement, unknown, null, undefined>;
  readonly edges: HTMLCanvasElement;
  readonly nodes: HTMLCanvasElement;
  /** The focused item's edges and neighbours. */
  readonly focus: HTMLCanvasElement;
  /** Marks and labels; it also takes the pointer and the zoom. */
  readonly over: Selection<SVGSVGElement, unknown, null, undefined>;
  readonly marks: Selection<SVGGElement, unknown, null, undefined>;
  readonly labels: Selection<SVGGElement, unknown, null, undefined>;
  readonly tooltip: HTMLElement;
}

function createLayers(host: HTMLElement): Layers {
  const root = select(host).classed('link-graph', true).attr('tabindex', 0).attr('role', 'application')
    .attr('aria-roledescription', 'attribution graph')
    .attr('aria-label', 'Attribution graph. Arrow keys move between nodes, Enter opens a node, P pins, G groups, S toggles the subgraph.');
  const under = root.append('svg').attr('class', 'layer under').attr('aria-hidden', 'true');
  const axes = under.append('g');
  const [edges, nodes, focus] = ['edges', 'nodes', 'focus'].map((name) => root.append('canvas').attr('class', `layer ${name}`).attr('aria-hidden', 'true').node()!);
  const over = root.append('svg').attr('class', 'layer over');
  const marks = over.append('g').attr('class', 'marks');
  const labels = over.append('g').attr('class', 'labels');
  const tooltip = root.append('div').attr('class', 'tooltip').attr('role', 'tooltip').attr('hidden', '').node()!;
  return { root, under, axes, edges, nodes, focus, over, marks, labels, tooltip };
}

/** Draws the index's scene, redraws on store changes (coalesced into animation frames), and handles pointer and zoom. */
class LinkGraphView {
  readonly times: RenderTimes = { scene: [], full: [], focus: [] };
  readonly index: SceneIndex;
  private readonly layers: Layers;
  private readonly zoomer: ZoomBehavior<SVGSVGElement, unknown>;
  private readonly resizer: ResizeObserver;
  private readonly unsubscribe: () => void;
  private size: LayoutSize = { width: 800, height: 500, margin: MARGIN };
  private palette: Palette;
  private transform: ZoomTransform = zoomIdentity;
  /** While zooming or dragging a threshold: cheap frames until the motion settles. */
  private moving = false;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The redraw waiting for the next animation frame; `full` wins over `focus`. */
  private pending: 'none' | 'focus' | 'full' = 'none';
  private frame: number | undefined;
  /** The item under the pointer (its tooltip follows the pointer rather than sitting on the item). */
  private pointerItem = -1;

  constructor(private readonly host: HTMLElement, private readonly model: GraphModel, private readonly store: Store, private readonly extraMarks?: ExtraMarks) {
    this.layers = createLayers(host);
    this.palette = readPalette(host);
    this.index = new SceneIndex(model, store.get(), this.size, this.times);
    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([1, 40])
      .filter((event: Event) => event.type !== 'dblclick' && !(event instanceof MouseEvent && event.button !== 0))
      .on('zoom', (event: { transform: ZoomTransform }) => {
        this.transform = event.transform;
        if (this.heavy) this.inMotion();
        this.schedule('full');
      });
    const { over } = this.layers;
    over.call(this.zoomer).on('dblclick.zoom', null);
    over.on('mousemove', (event: MouseEvent) => this.pointerMoved(event));
    over.on('mouseleave', () => {
      this.pointerItem = -1;
      store.set({ hoveredId: null });
    });
    over.on('click', (event: MouseEvent) => this.clicked(event));
    this.unsubscribe = store.subscribe((s, changed) => this.stateChanged(s, changed));
    host.addEventListener('blur', this.blurred);
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(host);
    this.rescene();
  }

  positionOf(id: string): { x: number; y: number } | null {
    const i = this.index.itemOf(id);
    const { layout } = this.index;
    return i < 0 ? null : { x: this.transform.applyX(layout.x[i]), y: this.transform.applyY(layout.y[i]) };
  }

  refreshTheme(): void {
    this.palette = readPalette(this.host);
    this.schedule('full');
  }

  zoomBy(factor: number): void {
    this.layers.over.call(this.zoomer.scaleBy, factor);
  }

  resetZoom(): void {
    this.layers.over.call(this.zoomer.transform, zoomIdentity);
  }

  snapshot(): Promise<string> {
    const { under, edges, nodes, focus, over } = this.layers;
    return snapshot(this.size, this.palette, [under.node()!, edges, nodes, focus, over.node()!]);
  }

  exportImage(format: ImageFormat, header: ImageHeader): Promise<string> {
    return exportGraphImage(this.host, this.model, this.index.scene, this.palette, header, format);
  }

  /** Stops listening and drawing: the store, the resize observer, the pending frame and timer. */
  destroy(): void {
    this.unsubscribe();
    this.resizer.disconnect();
    this.host.removeEventListener('blur', this.blurred);
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    clearTimeout(this.settleTimer);
  }

  /** A scene with this many edges is drawn with the motion budget while it moves. */
  private get heavy(): boolean {
    return this.index.scene.edges.length > MOTION_BUDGET.wide + MOTION_BUDGET.hairline;
  }

  private stateChanged(s: Readonly<ViewState>, changed: ReadonlySet<keyof ViewState>): void {
    const { scene } = this.index;
    const needsScene = SCENE_KEYS.some((k) => changed.has(k))
      || (changed.has('pinnedIds') && (s.view === 'subgraph' || s.pinnedIds.some((id) => !scene.itemOfId.has(id))))
      || (changed.has('clerps') && s.view === 'subgraph')
      || (changed.has('clickedId') && s.view === 'graph' && s.clickedId !== null && !scene.itemOfId.has(s.clickedId));
    if (needsScene) {
      if (this.heavy && (changed.has('nodeThreshold') || changed.has('edgeThreshold'))) this.inMotion();
      this.rescene();
      this.schedule('full');
    } else if (changed.has('cursorPosition')) this.schedule('full');
    else this.schedule('focus');
  }

  private rescene(): void {
    this.index.rebuild(this.store.get(), this.size);
    const { scene } = this.index;
    this.layers.root.attr('data-visible-nodes', scene.items.length).attr('data-visible-links', scene.edges.length).attr('data-view', scene.mode);
  }

  private resize(): void {
    const { width, height } = this.host.getBoundingClientRect();
    if (width < 10 || height < 10) return;
    this.size = { width, height, margin: MARGIN };
    const ratio = devicePixelRatio || 1;
    const { edges, nodes, focus, under, over } = this.layers;
    for (const c of [edges, nodes, focus]) {
      c.width = Math.round(width * ratio);
      c.height = Math.round(height * ratio);
    }
    for (const svg of [under, over]) svg.attr('width', width).attr('height', height);
    this.zoomer.translateExtent([[0, 0], [width, height]]).extent([[0, 0], [width, height]]);
    this.index.relayout(this.size);
    this.drawFull();
  }

  /** Marks the view as in motion: cheap frames now, one full-quality frame after the motion stops. */
  private inMotion(): void {
    this.moving = true;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.moving = false;
      this.schedule('full');
    }, SETTLE_MS);
  }

  /** Redraws are coalesced into one animation frame. */
  private schedule(kind: 'focus' | 'full'): void {
    if (this.pending === 'none') this.frame = requestAnimationFrame(() => this.flush());
    if (kind === 'full' || this.pending === 'none') this.pending = kind;
  }

  private flush(): void {
    const kind = this.pending;
    this.pending = 'none';
    this.frame = undefined;
    if (kind === 'full') this.drawFull();
    else if (kind === 'focus') this.drawFocus();
  }

  private viewport(canvas: HTMLCanvasElement): Viewport {
    return { ctx: canvas.getContext('2d')!, transform: this.transform, width: this.size.width, height: this.size.height, ratio: devicePixelRatio || 1 };
  }

  /** Every edge (under the budget), every glyph and the axes; then the focus layer. */
  private drawFull(): void {
    const t0 = performance.now();
    const { layout, strongest, scene } = this.index;
    const edges = this.viewport(this.layers.edges);
    clear(edges);
    const drawn = drawEdges(edges, layout, strongest, this.palette, false, this.moving ? MOTION_BUDGET : BUDGET);
    this.layers.root.attr('data-drawn-links', drawn);
    const nodes = this.viewport(this.layers.nodes);
    clear(nodes);
    drawNodes(nodes, layout, scene, this.palette);
    renderAxes(this.layers.axes, layout, this.transform, this.model.tokens, this.model.nLayers, this.size, this.store.get().cursorPosition);
    this.times.full.push(performance.now() - t0);
    this.drawFocus();
  }

  /** The hovered, keyboard-focused or clicked item's edges and neighbours, the marks, the labels and the tooltip. */
  private drawFocus(): void {
    const t0 = performance.now();
    const s = this.store.get();
    const { index, palette, transform } = this;
    const { layout, scene } = index;
    const focused = [s.hoveredId, s.focusId, s.clickedId].map((id) => index.itemOf(id)).find((i) => i >= 0) ?? -1;
    const v = this.viewport(this.layers.focus);
    clear(v);
    if (focused >= 0) {
      const incident: SceneEdge[] = [];
      if (s.linkType !== 'output') for (const e of index.inEdges[focused]) incident.push(scene.edges[e]);
      if (s.linkType !== 'input') for (const e of index.outEdges[focused]) incident.push(scene.edges[e]);
      incident.sort((a, b) => Math.abs(b.pct) - Math.abs(a.pct));
      drawEdges(v, layout, incident, palette, true);
      const fills = new Map<number, string>();
      for (const e of incident) fills.set(e.source === focused ? e.target : e.source, palette.edgeBuckets[edgeBucket(e.pct)]);
      drawNodes(v, layout, scene, palette, fills.keys(), fills);
      drawNodes(v, layout, scene, palette, [focused]);
    }
    this.layers.root.classed('has-focus', focused >= 0);
    const r = glyphRadius(layout, transform.k);
    renderMarks(this.layers.marks, marksFor(index, this.model, s, this.extraMarks), layout, transform, r);
    renderLabels(this.layers.labels, labelsFor(index, this.model, s, transform.k), scene, layout, transform, r, this.size.width);
    this.updateTooltip(s);
    this.times.focus.push(performance.now() - t0);
  }

  private updateTooltip(s: Readonly<ViewState>): void {
    const hovered = this.index.itemOf(s.hoveredId);
    if (hovered >= 0 && hovered !== this.pointerItem) this.showTooltipAt(hovered);
    // no pointer on a node: the keyboard-focused node shows its tooltip while the graph has focus
    const keyed = hovered < 0 && document.activeElement === this.host ? this.index.itemOf(s.focusId) : -1;
    if (keyed >= 0) this.showTooltipAt(keyed);
    else if (hovered < 0) hideTooltip(this.layers.tooltip);
  }

  private showTooltipAt(item: number, pointer?: { x: number; y: number }): void {
    const { layout, scene } = this.index;
    const x = pointer?.x ?? this.transform.applyX(layout.x[item]);
    const y = pointer?.y ?? this.transform.applyY(layout.y[item]);
    showTooltip(this.layers.tooltip, this.model, scene.items[item], x, y, this.size);
  }

  private pick(event: MouseEvent): number {
    const t = this.transform;
    return this.index.nearest(t.invertX(event.offsetX), t.invertY(event.offsetY), HOVER_RADIUS / t.k);
  }

  private pointerMoved(event: MouseEvent): void {
    if (event.shiftKey) return; // Shift freezes the hover, as in circuit-tracer
    const item = this.pick(event);
    this.pointerItem = item;
    const id = item >= 0 ? this.index.scene.items[item].id : null;
    if (item >= 0) this.showTooltipAt(item, { x: event.offsetX, y: event.offsetY });
    else this.tokenTip(event);
    if (id !== this.store.get().hoveredId) {
      this.host.dataset.vscodeContext = JSON.stringify(id ? { webviewSection: 'graphNode', nodeId: id, preventDefaultContextMenuItems: true } : { webviewSection: 'graph', preventDefaultContextMenuItems: true });
      this.store.set({ hoveredId: id });
    }
  }

  /** Below the graph: the tooltip of the token label under the pointer (its whole text when abbreviated). */
  private tokenTip(event: MouseEvent): void {
    const { tooltip, axes } = this.layers;
    if (event.offsetY < this.size.height - this.size.margin.bottom) return;
    const label = [...axes.node()!.querySelectorAll<SVGTextElement>('text.token-label')].find((el) => {
      const box = el.getBBox();
      return event.offsetX >= box.x - 2 && event.offsetX <= box.x + box.width + 2 && event.offsetY >= box.y - 2 && event.offsetY <= box.y + box.height + 2;
    });
    if (label) showTokenTooltip(tooltip, this.model, Number(label.dataset.ctx), event.offsetX, event.offsetY, this.size);
    else hideTooltip(tooltip);
  }

  /** A click opens (or closes) a node; with Ctrl/⌘ it pins; while grouping it adds or removes the node. */
  private clicked(event: MouseEvent): void {
    const item = this.pick(event);
    const s = this.store.get();
    const id = item >= 0 ? this.index.scene.items[item].id : null;
    this.host.focus({ preventScroll: true });
    if (s.grouping !== null) {
      if (id) this.store.set({ grouping: toggled(s.grouping, id) });
    } else if (id && (event.metaKey || event.ctrlKey)) {
      this.store.set({ pinnedIds: toggled(s.pinnedIds, id) });
    } else {
      this.store.set({ clickedId: id === s.clickedId ? null : id, focusId: id });
    }
  }

  private readonly blurred = (): void => {
    if (this.index.itemOf(this.store.get().hoveredId) < 0) hideTooltip(this.layers.tooltip);
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
