// Splits traced text into pieces the way GPT-2's pre-tokenizer does (a leading space sticks to the next word).
// A stand-in for the tokenizer's output until the engine traces; the panel draws whatever pieces it is given.
import type { TextPiece } from '../protocol/messages';

const PIECE = / ?[\p{L}\p{N}]+| ?[^\s\p{L}\p{N}]+|\s+/gu;

export function splitIntoPieces(text: string): TextPiece[] {
  return Array.from(text.matchAll(PIECE), (m) => ({ text: m[0], offset: m.index ?? 0 }));
}
