// The SVG layers around the canvases: row bands and axes underneath (token text along the bottom, layers up
// the left), and on top the marks that change on interaction (hover, click, pin, focus, search rings) and
// item labels. Everything is a d3 join over a few dozen elements at most.
import type { Selection, ZoomTransform } from 'd3';
import { isBos } from '../../src/protocol/tokenText';
import { displayToken, formatProbability } from './format';
import type { Layout, LayoutSize } from './layout';
import type { GraphModel } from './model';
import type { Scene } from './scene';

type G = Selection<SVGGElement, unknown, null, undefined>;

export const rowName = (row: number, nLayers: number): string => (row < 0 ? 'Emb' : row >= nLayers ? 'Lgt' : `L${row}`);

export function renderAxes(g: G, layout: Layout, t: ZoomTransform, tokens: readonly string[], nLayers: number, size: LayoutSize, highlightCtx: number | null): void {
  const rows = Array.from({ length: nLayers + 2 }, (_, i) => i - 1);
  const bandHeight = layout.rowHeight * t.k;
  g.selectAll<SVGRectElement, number>('rect.band')
    .data(rows.filter((r) => r < 0 || r >= nLayers || r % 2 === 1))
    .join('rect')
    .attr('class', (r) => `band ${r < 0 || r >= nLayers ? 'band-io' : ''}`)
    .attr('x', 0)
    .attr('width', size.width)
    .attr('y', (r) => t.applyY(layout.rowY(r)) - bandHeight / 2)
    .attr('height', bandHeight);

  const every = Math.max(1, Math.ceil(12 / Math.max(1, bandHeight)));
  g.selectAll<SVGTextElement, number>('text.row-label')
    .data(rows.filter((r) => r < 0 || r >= nLayers || (r + 1) % every === 0))
    .join('text')
    .attr('class', 'row-label')
    .attr('x', 6)
    .attr('y', (r) => t.applyY(layout.rowY(r)))
    .attr('dy', '0.32em')
    .text((r) => rowName(r, nLayers));

  renderTokenAxis(g, layout, t, tokens, size, highlightCtx);
}

/** Rows the token labels are staggered over, so neighbouring labels stand side by side instead of colliding. */
export const AXIS_ROWS = 3;
const AXIS_ROW_HEIGHT = 14;
const LABEL_GAP = 6;

let measurer: CanvasRenderingContext2D | null = null;
/** Width of a token label in px (the axis font: 11px monospace). */
export function labelWidth(text: string, font = '11px monospace'): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return text.length * 6.6;
  measurer.font = font;
  return measurer.measureText(text).width;
}

export interface AxisLabel {
  readonly ctx: number;
  /** The whole token as shown in the tooltip. */
  readonly full: string;
  /** What fits (full, or abbreviated with "…"). */
  readonly text: string;
  readonly x: number;
  readonly row: number;
  /** The column's centre the label's tick points at. */
  readonly tick: number;
}

/**
 * Token labels laid out horizontally over up to three staggered rows: each label goes in the first row where it
 * does not touch the previous one; when none has room it is abbreviated to the room there is (the tooltip and the
 * token strip have the whole token). Pure apart from text measuring.
 */
export function axisLabels(columns: readonly { ctx: number; x: number }[], names: readonly string[], width: number, measure: (s: string) => number = labelWidth): AxisLabel[] {
  const rightEdge = new Array<number>(AXIS_ROWS).fill(-Infinity);
  const out: AxisLabel[] = [];
  for (const c of columns) {
    const full = names[c.ctx] ?? '';
    const w = measure(full);
    const leftOf = (x: number, ww: number) => Math.min(Math.max(2, x - ww / 2), width - ww - 2);
    let row = rightEdge.findIndex((r) => leftOf(c.x, w) >= r + LABEL_GAP);
    let text = full;
    let ww = w;
    if (row < 0) {
      row = rightEdge.indexOf(Math.min(...rightEdge));
      const room = 2 * (c.x - rightEdge[row] - LABEL_GAP);
      text = abbreviate(full, room, measure);
      ww = measure(text);
    }
    const left = leftOf(c.x, ww);
    rightEdge[row] = left + ww;
    out.push({ ctx: c.ctx, full, text, x: left + ww / 2, row, tick: c.x });
  }
  return out;
}

function abbreviate(s: string, room: number, measure: (s: string) => number): string {
  const chars = [...s];
  for (let n = chars.length - 1; n >= 1; n--) {
    const t = `${chars.slice(0, n).join('')}…`;
    if (measure(t) <= room) return t;
  }
  return chars.length > 1 ? `${chars[0]}…` : s;
}

function renderTokenAxis(g: G, layout: Layout, t: ZoomTransform, tokens: readonly string[], size: LayoutSize, highlightCtx: number | null): void {
  const top = size.height - size.margin.bottom + 6;
  const visible = layout.columns
    .map((c) => ({ ctx: c.ctx, x: t.applyX((c.x0 + c.x1) / 2) }))
    .filter((c) => c.x >= 0 && c.x <= size.width);
  const labels = axisLabels(visible, tokens.map((tok, i) => axisName(tok, i)), size.width);
  g.selectAll<SVGLineElement, AxisLabel>('line.token-tick')
    .data(labels, (l) => String(l.ctx))
    .join('line')
    .attr('class', (l) => `token-tick${l.ctx === highlightCtx ? ' current' : ''}`)
    .attr('x1', (l) => l.tick).attr('x2', (l) => l.x)
    .attr('y1', top - 4).attr('y2', (l) => top + l.row * AXIS_ROW_HEIGHT + 2);
  g.selectAll<SVGTextElement, AxisLabel>('text.token-label')
    .data(labels, (l) => String(l.ctx))
    .join('text')
    .attr('class', (l) => `token-label${l.ctx === highlightCtx ? ' current' : ''}${l.text !== l.full ? ' abbreviated' : ''}`)
    .attr('data-ctx', (l) => l.ctx)
    .attr('data-full', (l) => l.full)
    .attr('x', (l) => l.x)
    .attr('y', (l) => top + l.row * AXIS_ROW_HEIGHT + 12)
    .attr('text-anchor', 'middle')
    .attr('transform', null)
    .text((l) => l.text);
}

/** A prompt token as the axis names it: whitespace visible, BOS said plainly. */
export const axisName = (token: string, ctx: number): string => (ctx === 0 && isBos(token, 0) ? 'BOS' : displayToken(token));

const truncate = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export interface Mark {
  readonly item: number;
  /** CSS class: hovered, clicked, pinned, focused, search, grouping, cursor, intervened, changed up/down. */
  readonly kind: string;
  /** 0…1: widens the ring (an intervention's activation change). */
  readonly scale?: number;
}

export function renderMarks(g: G, marks: readonly Mark[], layout: Layout, t: ZoomTransform, radius: number): void {
  g.selectAll<SVGCircleElement, Mark>('circle.mark')
    .data(marks, (m) => `${m.kind}:${m.item}`)
    .join('circle')
    .attr('class', (m) => `mark ${m.kind}`)
    .attr('cx', (m) => t.applyX(layout.x[m.item]))
    .attr('cy', (m) => t.applyY(layout.y[m.item]))
    .attr('r', (m) => radius + (m.kind === 'pinned' ? 2 : m.kind === 'hovered' ? 4 : 3) + (m.scale ?? 0) * 5)
    .style('stroke-width', (m) => (m.scale === undefined ? null : `${1.5 + 2.5 * m.scale}px`));
}

export interface ItemLabel {
  readonly item: number;
  /** Key for the join: the item's id (indices change between scenes). */
  readonly id: string;
  readonly text: string;
  readonly placement: 'above' | 'right';
}

export function renderLabels(g: G, labels: readonly ItemLabel[], scene: Scene, layout: Layout, t: ZoomTransform, radius: number, width = Infinity): void {
  // labels above a node (the logits) are horizontal and kept inside the view, so a long one is never cut off
  const aboveX = (l: ItemLabel) => {
    const x = t.applyX(layout.x[l.item]);
    const half = labelWidth(l.text, '600 11px monospace') / 2;
    return Math.min(Math.max(x, half + 2), width - half - 2);
  };
  g.selectAll<SVGTextElement, ItemLabel>('text.item-label')
    .data(labels, (l) => l.id)
    .join('text')
    .attr('class', (l) => `item-label ${l.placement} kind-${scene.items[l.item].kind}`)
    .attr('x', (l) => (l.placement === 'above' ? aboveX(l) : t.applyX(layout.x[l.item]) + radius + 4))
    .attr('y', (l) => t.applyY(layout.y[l.item]) + (l.placement === 'above' ? -radius - 5 : 0))
    .attr('dy', (l) => (l.placement === 'right' ? '0.32em' : null))
    .attr('text-anchor', (l) => (l.placement === 'above' ? 'middle' : 'start'))
    .text((l) => truncate(l.text, 28));
}

/**
 * The logits' labels ("Austin 62%") at zoom `k`: the target's always, then each other logit's, most probable first,
 * where it fits beside the labels already placed, so no two overlap however close the logits sit.
 */
export function logitLabels(scene: Scene, layout: Layout, model: Pick<GraphModel, 'nodes'>, k: number): ItemLabel[] {
  const GAP = 6;
  const candidates = scene.items.flatMap((it, item) => {
    if (it.kind !== 'logit') return [];
    const n = model.nodes[it.members[0]];
    const text = `${logitName(n.token)}${n.prob !== null ? ` ${formatProbability(n.prob)}` : ''}`;
    return [{ item, id: it.id, text, target: n.isTarget, prob: n.prob ?? 0 }];
  }).sort((a, b) => Number(b.target) - Number(a.target) || b.prob - a.prob);
  const placed: { from: number; to: number }[] = [];
  const out: ItemLabel[] = [];
  for (const c of candidates) {
    const x = layout.x[c.item] * k;
    const half = labelWidth(truncate(c.text, 28), '600 11px monospace') / 2;
    if (placed.some((p) => x - half < p.to + GAP && p.from < x + half + GAP)) continue;
    placed.push({ from: x - half, to: x + half });
    out.push({ item: c.item, id: c.id, text: c.text, placement: 'above' });
  }
  return out;
}

/** A logit's token as labels show it; a contrast target `logit(A)-logit(B)` reads `A − B`. */
export function logitName(token: string): string {
  const m = /^logit\(([\s\S]*)\)-logit\(([\s\S]*)\)$/.exec(token);
  return m ? `${m[1].trim() || m[1]} − ${m[2].trim() || m[2]}` : token.trim() || token;
}
