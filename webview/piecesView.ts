// Draws the traced text's pieces with d3: one box per piece, a bar for its length, the clicked piece highlighted.
import { select } from 'd3';
import { BOX, layoutPieces, type PieceBox } from './piecesLayout';
import type { TextPiece } from '../src/protocol/messages';

export interface PiecesViewInput {
  readonly pieces: readonly TextPiece[];
  readonly activePiece: number | null;
  readonly width: number;
  readonly onSelect: (index: number) => void;
}

export function renderPieces(root: HTMLElement, { pieces, activePiece, width, onSelect }: PiecesViewInput): void {
  const layout = layoutPieces(pieces, Math.max(width, 120));
  const maxChars = Math.max(1, ...layout.boxes.map((b) => b.chars));

  const svg = select(root)
    .selectAll<SVGSVGElement, null>('svg')
    .data([null])
    .join('svg')
    .attr('width', layout.width + 2)
    .attr('height', layout.height + 2)
    .attr('viewBox', `-1 -1 ${layout.width + 2} ${layout.height + 2}`);

  const piece = svg
    .selectAll<SVGGElement, PieceBox>('g.piece')
    .data(layout.boxes, (b) => String(b.index))
    .join((enter) => {
      const g = enter.append('g').attr('class', 'piece').attr('role', 'listitem').attr('tabindex', 0);
      g.append('rect').attr('class', 'box').attr('rx', 4).attr('height', BOX.height);
      g.append('text').attr('class', 'label').attr('y', BOX.height / 2).attr('dy', '0.35em');
      g.append('rect').attr('class', 'bar').attr('y', BOX.height + 4).attr('height', 4).attr('rx', 2);
      return g;
    })
    .attr('transform', (b) => `translate(${b.x},${b.y})`)
    .attr('aria-label', (b) => `piece ${b.index + 1}: ${b.label}, ${b.chars} characters`)
    .classed('active', (b) => b.index === activePiece)
    .on('click', (_event, b) => onSelect(b.index))
    .on('keydown', (event: KeyboardEvent, b) => {
      if (event.key === 'Enter' || event.key === ' ') onSelect(b.index);
    });

  piece.select('rect.box').attr('width', (b) => b.width);
  piece.select('text.label').attr('x', (b) => b.width / 2).text((b) => b.label);
  piece.select('rect.bar').attr('width', (b) => Math.max(2, (b.width * b.chars) / maxChars));
}
