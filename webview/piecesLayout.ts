// Lays the traced text's pieces out as boxes in wrapped rows: a pure view model, testable without a DOM.
import type { TextPiece } from '../src/protocol/messages';

export interface PieceBox {
  readonly index: number;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  /** Characters in the piece, drawn as a bar under the box. */
  readonly chars: number;
}

export interface PiecesLayout {
  readonly boxes: PieceBox[];
  readonly width: number;
  readonly height: number;
}

export const BOX = { height: 28, gap: 6, rowGap: 22, charWidth: 8, padding: 12, minWidth: 24 } as const;

/** Spaces and line breaks become visible marks, as token viewers show them. */
export function visibleLabel(text: string): string {
  return text.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '·');
}

export function layoutPieces(pieces: readonly TextPiece[], maxWidth: number): PiecesLayout {
  const boxes: PieceBox[] = [];
  let x = 0;
  let y = 0;
  let widest = 0;
  pieces.forEach((piece, index) => {
    const label = visibleLabel(piece.text);
    const width = Math.max(BOX.minWidth, [...label].length * BOX.charWidth + BOX.padding);
    if (x > 0 && x + width > maxWidth) {
      x = 0;
      y += BOX.height + BOX.rowGap;
    }
    boxes.push({ index, label, x, y, width, chars: [...piece.text].length });
    x += width + BOX.gap;
    widest = Math.max(widest, x - BOX.gap);
  });
  const height = pieces.length === 0 ? 0 : y + BOX.height + BOX.rowGap;
  return { boxes, width: widest, height };
}
