// The SVG layers around the canvases: row bands and axes underneath (token text along the bottom, layers up
// the left), and on top the marks that change on interaction (hover, click, pin, focus, search rings) and
// item labels. Everything is a d3 join over a few dozen elements at most.
import type { Selection, ZoomTransform } from 'd3';
import { displayToken } from './format';
import type { Layout, LayoutSize } from './layout';
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

  const baseline = size.height - size.margin.bottom + 12;
  const minGap = 11;
  let lastX = -Infinity;
  const shown = layout.columns.filter((c) => {
    const x = t.applyX((c.x0 + c.x1) / 2);
    if (x < size.margin.left - 20 || x > size.width + 20 || x - lastX < minGap) return false;
    lastX = x;
    return true;
  });
  g.selectAll<SVGTextElement, (typeof shown)[number]>('text.token-label')
    .data(shown, (c) => String(c.ctx))
    .join('text')
    .attr('class', (c) => `token-label${c.ctx === highlightCtx ? ' current' : ''}`)
    .attr('data-ctx', (c) => c.ctx)
    .attr('transform', (c) => `translate(${t.applyX((c.x0 + c.x1) / 2)},${baseline}) rotate(-40)`)
    .attr('text-anchor', 'end')
    .text((c) => truncate(displayToken(tokens[c.ctx] ?? ''), 14));
}

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

export function renderLabels(g: G, labels: readonly ItemLabel[], scene: Scene, layout: Layout, t: ZoomTransform, radius: number): void {
  g.selectAll<SVGTextElement, ItemLabel>('text.item-label')
    .data(labels, (l) => l.id)
    .join('text')
    .attr('class', (l) => `item-label ${l.placement} kind-${scene.items[l.item].kind}`)
    .attr('x', (l) => t.applyX(layout.x[l.item]) + (l.placement === 'right' ? radius + 4 : 0))
    .attr('y', (l) => t.applyY(layout.y[l.item]) + (l.placement === 'above' ? -radius - 5 : 0))
    .attr('dy', (l) => (l.placement === 'right' ? '0.32em' : null))
    .attr('text-anchor', (l) => (l.placement === 'above' ? 'middle' : 'start'))
    .attr('transform', (l) => (l.placement === 'above' ? rotateAbout(t.applyX(layout.x[l.item]), t.applyY(layout.y[l.item]) - radius - 5) : null))
    .text((l) => truncate(l.text, 28));
}

const rotateAbout = (x: number, y: number) => `rotate(-30,${x},${y})`;
