// Canvas drawing of edges and node glyphs. Edges are batched into one path per colour bucket and width, so
// 50,000 links cost a handful of strokes; glyphs are batched per kind and fill.
import type { ZoomTransform } from 'd3';
import type { Layout } from './layout';
import type { ItemKind, Scene, SceneEdge } from './scene';
import { BUCKETS, edgeBucket, edgeWidth, type Palette } from './theme';

export interface Viewport {
  readonly ctx: CanvasRenderingContext2D;
  readonly transform: ZoomTransform;
  readonly width: number;
  readonly height: number;
  readonly ratio: number;
}

export function clear(v: Viewport): void {
  v.ctx.setTransform(v.ratio, 0, 0, v.ratio, 0, 0);
  v.ctx.clearRect(0, 0, v.width, v.height);
}

const WIDTH_STEPS = 4;

/**
 * How many links get drawn in the background layer. Wide antialiased strokes are what a software rasteriser
 * pays for (about 50 µs per long 2 px line, 6 µs per hairline, measured in headless Chromium), so only the
 * strongest links keep their width and the next ones are hairlines; the rest show when their node is hovered.
 */
export interface EdgeBudget {
  readonly wide: number;
  readonly hairline: number;
}

/** Draws `edges` (sorted strongest first) within a budget; `halo` draws a background-coloured underlay. */
export function drawEdges(v: Viewport, layout: Layout, edges: readonly SceneEdge[], palette: Palette, halo = false, budget?: EdgeBudget): number {
  const wide = budget ? edges.slice(0, budget.wide) : edges;
  const thin = budget ? edges.slice(budget.wide, budget.wide + budget.hairline) : [];
  v.ctx.lineCap = 'butt';
  strokeBatches(v, layout, thin, palette, false, true);
  v.ctx.lineCap = 'round';
  strokeBatches(v, layout, wide, palette, halo, false);
  return wide.length + thin.length;
}

function strokeBatches(v: Viewport, layout: Layout, edges: readonly SceneEdge[], palette: Palette, halo: boolean, hairline: boolean): void {
  const { ctx, transform: t } = v;
  const batches = new Map<number, SceneEdge[]>();
  for (const e of edges) {
    const bucket = edgeBucket(e.pct);
    const widthStep = hairline ? 0 : Math.min(WIDTH_STEPS - 1, Math.floor(Math.sqrt(Math.min(1, Math.abs(e.pct))) * WIDTH_STEPS));
    const key = widthStep * 2 * BUCKETS + bucket;
    let batch = batches.get(key);
    if (!batch) batches.set(key, (batch = []));
    batch.push(e);
  }
  // Weakest first, so strong links land on top.
  const level = (bucket: number) => (bucket < BUCKETS ? BUCKETS - 1 - bucket : bucket - BUCKETS);
  const strength = (key: number) => Math.floor(key / (2 * BUCKETS)) * BUCKETS + level(key % (2 * BUCKETS));
  const keys = [...batches.keys()].sort((a, b) => strength(a) - strength(b));
  for (const key of keys) {
    const batch = batches.get(key)!;
    const widthStep = Math.floor(key / (2 * BUCKETS));
    const width = hairline ? 1 / v.ratio : edgeWidth(((widthStep + 0.5) / WIDTH_STEPS) ** 2);
    ctx.beginPath();
    for (const e of batch) {
      const x0 = t.applyX(layout.x[e.source]);
      const y0 = t.applyY(layout.y[e.source]);
      const x1 = t.applyX(layout.x[e.target]);
      const y1 = t.applyY(layout.y[e.target]);
      // Off-screen segments cost rasterisation time when zoomed in: skip those entirely on one side.
      if ((x0 < 0 && x1 < 0) || (x0 > v.width && x1 > v.width) || (y0 < 0 && y1 < 0) || (y0 > v.height && y1 > v.height)) continue;
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
    }
    if (halo) {
      ctx.strokeStyle = palette.background;
      ctx.lineWidth = width + 3;
      ctx.stroke();
    }
    ctx.strokeStyle = palette.edgeBuckets[key % (2 * BUCKETS)];
    ctx.lineWidth = width;
    // inhibitory links are dashed, so excite and inhibit differ by more than hue (the legend shows the same)
    ctx.setLineDash(key % (2 * BUCKETS) < BUCKETS ? inhibitDash(width) : []);
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** The dash pattern of an inhibitory link of a given width (round caps lengthen each dash by the width). */
export function inhibitDash(width: number): number[] {
  return [Math.max(3, 2.5 * width), Math.max(2.5, 2 * width) + width];
}

/** Glyph radius in CSS pixels for the current zoom. */
export function glyphRadius(layout: Layout, k: number): number {
  return Math.max(1.6, Math.min(6, layout.slot * k * 0.36, layout.rowHeight * k * 0.3));
}

function tracePath(ctx: CanvasRenderingContext2D, kind: ItemKind, x: number, y: number, r: number): void {
  switch (kind) {
    case 'feature':
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      return;
    case 'attention':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.1, y + r * 0.8);
      ctx.lineTo(x - r * 1.1, y + r * 0.8);
      ctx.closePath();
      return;
    case 'error':
      ctx.moveTo(x, y - r * 1.15);
      ctx.lineTo(x + r * 1.15, y);
      ctx.lineTo(x, y + r * 1.15);
      ctx.lineTo(x - r * 1.15, y);
      ctx.closePath();
      return;
    case 'bias':
      ctx.rect(x - r, y - r * 0.3, 2 * r, r * 0.6);
      ctx.rect(x - r * 0.3, y - r, r * 0.6, 2 * r);
      return;
    case 'supernode':
      ctx.roundRect(x - r * 2.2, y - r * 1.4, r * 4.4, r * 2.8, r * 0.8);
      return;
    default: // embedding, logit
      ctx.rect(x - r * 0.95, y - r * 0.95, r * 1.9, r * 1.9);
  }
}

export function fillOf(kind: ItemKind, palette: Palette): string {
  switch (kind) {
    case 'error': return palette.errorFill;
    case 'embedding': return palette.embeddingFill;
    case 'logit': return palette.logitFill;
    case 'supernode': return palette.supernodeFill;
    default: return palette.nodeFill;
  }
}

/**
 * Draws the given items (all when `only` is absent). `fills` overrides the fill of some items, e.g. neighbours
 * of the focused node take the colour of their edge to it.
 */
export function drawNodes(v: Viewport, layout: Layout, scene: Scene, palette: Palette, only?: Iterable<number>, fills?: ReadonlyMap<number, string>): void {
  const { ctx, transform: t } = v;
  const r = glyphRadius(layout, t.k);
  const batches = new Map<string, number[]>();
  const indices = only ?? scene.items.keys();
  for (const i of indices) {
    const kind = scene.items[i].kind;
    const key = `${kind}|${fills?.get(i) ?? fillOf(kind, palette)}`;
    let batch = batches.get(key);
    if (!batch) batches.set(key, (batch = []));
    batch.push(i);
  }
  ctx.lineWidth = r < 2.5 ? 0.6 : 1;
  ctx.strokeStyle = palette.nodeStroke;
  for (const [key, batch] of batches) {
    const [kind, fill] = key.split('|') as [ItemKind, string];
    ctx.beginPath();
    for (const i of batch) tracePath(ctx, kind, t.applyX(layout.x[i]), t.applyY(layout.y[i]), r);
    ctx.globalAlpha = kind === 'error' && !fills?.size ? 0.75 : 1;
    ctx.fillStyle = fill;
    ctx.fill();
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
}
