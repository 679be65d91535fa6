// Per-token heat for the editor: maps a graph's per-token scores through the tokenizer's offsets onto document
// offsets, and quantises each signed score into one of a few decoration buckets. Pure; no `vscode` import.
import type { GraphJson } from '../../protocol/graph-json';

/** Buckets per sign; each bucket is one decoration type with a contributed theme colour. */
export const HEAT_LEVELS = 5;

export type HeatMode = 'total' | 'direct';

export interface TokenHeat {
  readonly ctx: number;
  /** Document offsets (UTF-16), [start, end). */
  readonly start: number;
  readonly end: number;
  readonly score: number;
  /** -HEAT_LEVELS…-1 negative, 1…HEAT_LEVELS positive, 0 for (near) zero. */
  readonly bucket: number;
}

export function bucketOf(score: number, maxAbs: number, levels = HEAT_LEVELS, gamma = 1): number {
  if (!Number.isFinite(score) || maxAbs <= 0) return 0;
  const t = Math.min(1, Math.abs(score) / maxAbs) ** gamma;
  const level = Math.max(0, Math.ceil(t * levels - 1e-9));
  if (level === 0) return 0;
  return score < 0 ? -level : level;
}

/**
 * One entry per prompt position that has characters in the traced text (BOS and empty ranges are skipped),
 * offset by where the traced text starts in the document.
 */
export function tokenHeat(graph: GraphJson, baseOffset: number, mode: HeatMode = 'total', gamma = 1): TokenHeat[] {
  const extras = graph.selfTracing;
  const offsets = extras?.tokenOffsets;
  const scores = mode === 'direct' ? extras?.tokenScores?.direct ?? extras?.tokenScores?.total : extras?.tokenScores?.total;
  if (!offsets || !scores) return [];
  const maxAbs = Math.max(0, ...scores.map((s) => (Number.isFinite(s) ? Math.abs(s) : 0)));
  const out: TokenHeat[] = [];
  offsets.forEach(([start, end], ctx) => {
    if (!(end > start) || start < 0) return;
    const score = scores[ctx] ?? 0;
    out.push({ ctx, start: baseOffset + start, end: baseOffset + end, score, bucket: bucketOf(score, maxAbs, HEAT_LEVELS, gamma) });
  });
  return out;
}

/** The prompt position whose characters contain a document offset, if any. */
export function positionAt(heat: readonly TokenHeat[], offset: number): TokenHeat | undefined {
  return heat.find((h) => offset >= h.start && offset < h.end);
}

/** Prompt positions a document range [start, end) overlaps, as an inclusive [first, last] pair. */
export function positionsIn(heat: readonly TokenHeat[], start: number, end: number): [number, number] | null {
  const hit = heat.filter((h) => h.start < end && h.end > start);
  return hit.length ? [hit[0].ctx, hit[hit.length - 1].ctx] : null;
}

/** Theme colour id of a bucket, as contributed in package.json. */
export const heatColorId = (bucket: number): string => `selfTracing.heat${bucket < 0 ? 'Negative' : 'Positive'}${Math.abs(bucket)}`;
