// Positions for a scene: token positions across, layers upward (embeddings at the bottom, logits on top).
// Like circuit-tracer's polylinear x-scale, each position's column is as wide as the most items any layer has
// there, so crowded positions get room and empty ones shrink. Pure; no DOM.
import type { SceneItem } from './scene';

export interface LayoutSize {
  readonly width: number;
  readonly height: number;
  readonly margin: { readonly top: number; readonly right: number; readonly bottom: number; readonly left: number };
}

export interface Column {
  readonly ctx: number;
  readonly x0: number;
  readonly x1: number;
}

export interface Layout {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly columns: readonly Column[];
  /** y of a row (-1 embeddings … nLayers logits). */
  readonly rowY: (row: number) => number;
  readonly rowHeight: number;
  /** Horizontal distance between neighbouring items in a cell. */
  readonly slot: number;
}

/**
 * An empty position keeps a sliver of width (in slots) so its token label still has a place; the subgraph passes
 * a thinner one, since most positions there are empty.
 */
export function layoutScene(items: readonly SceneItem[], nPositions: number, nLayers: number, size: LayoutSize, emptyColumnSlots = 0.6, minColumnPx = 0): Layout {
  const { width, height, margin } = size;
  const cells = new Map<string, number[]>();
  for (let i = 0; i < items.length; i++) {
    const key = `${items[i].ctx}:${items[i].row}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = []));
    cell.push(i);
  }
  const slotsPerColumn = new Float64Array(nPositions).fill(emptyColumnSlots);
  for (const [key, cell] of cells) {
    const ctx = Number(key.split(':')[0]);
    if (ctx >= 0 && ctx < nPositions) slotsPerColumn[ctx] = Math.max(slotsPerColumn[ctx], cell.length);
  }
  const innerWidth = Math.max(1, width - margin.left - margin.right);
  // every column keeps at least minColumnPx (so its token label has room); the rest is shared by slots
  const minPx = Math.min(minColumnPx, innerWidth / Math.max(1, nPositions));
  let slot = innerWidth / (slotsPerColumn.reduce((a, b) => a + b, 0) || 1);
  for (let pass = 0; pass < 8 && minPx > 0; pass++) {
    let fixed = 0;
    let free = 0;
    for (const n of slotsPerColumn) {
      if (n * slot < minPx) fixed++;
      else free += n;
    }
    const next = free > 0 ? (innerWidth - fixed * minPx) / free : slot;
    if (Math.abs(next - slot) < 1e-6) break;
    slot = next;
  }
  const columns: Column[] = [];
  let at = margin.left;
  for (let ctx = 0; ctx < nPositions; ctx++) {
    const w = Math.max(slotsPerColumn[ctx] * slot, minPx);
    columns.push({ ctx, x0: at, x1: at + w });
    at += w;
  }
  const nRows = nLayers + 2;
  const innerHeight = Math.max(1, height - margin.top - margin.bottom);
  const rowHeight = innerHeight / nRows;
  const rowY = (row: number) => margin.top + innerHeight - (row + 1.5) * rowHeight;

  const x = new Float32Array(items.length);
  const y = new Float32Array(items.length);
  for (const cell of cells.values()) {
    cell.sort((a, b) => items[a].rank - items[b].rank);
    const { ctx, row } = items[cell[0]];
    const column = columns[Math.min(Math.max(ctx, 0), nPositions - 1)];
    const center = (column.x0 + column.x1) / 2;
    cell.forEach((item, k) => {
      x[item] = center + (k - (cell.length - 1) / 2) * slot;
      y[item] = rowY(row);
    });
  }
  return { x, y, columns, rowY, rowHeight, slot };
}
