// Colours for the canvas, read from CSS custom properties so VS Code's theme (light, dark, high contrast) and
// graph.css's signed palette decide them. Edge colour keeps circuit-tracer's grammar: green promotes, purple
// suppresses, stronger share of the target's input = more saturated and wider.
import { interpolateRgb } from 'd3';

export interface Palette {
  readonly background: string;
  readonly foreground: string;
  readonly muted: string;
  readonly nodeFill: string;
  readonly nodeStroke: string;
  readonly errorFill: string;
  readonly embeddingFill: string;
  readonly logitFill: string;
  readonly supernodeFill: string;
  readonly highlight: string;
  readonly pin: string;
  readonly search: string;
  readonly band: string;
  /** Edge colours by bucket: index 0…BUCKETS-1 negative (strong → weak), then positive (weak → strong). */
  readonly edgeBuckets: readonly string[];
}

export const BUCKETS = 8;
/** |pctInput| at which an edge reaches full colour (circuit-tracer's PRGn domain is ±0.4). */
export const FULL_SHARE = 0.4;

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readPalette(element: Element): Palette {
  const style = getComputedStyle(element);
  const v = (name: string, fallback: string) => cssVar(style, name, fallback);
  const background = v('--st-graph-background', '#ffffff');
  const positive = v('--st-positive', '#1b7837');
  const negative = v('--st-negative', '#762a83');
  const faint = (end: string, k: number) => interpolateRgb(background, end)(0.18 + (0.82 * (k + 1)) / BUCKETS);
  const edgeBuckets = [
    ...Array.from({ length: BUCKETS }, (_, k) => faint(negative, BUCKETS - 1 - k)),
    ...Array.from({ length: BUCKETS }, (_, k) => faint(positive, k)),
  ];
  return {
    background, foreground: v('--st-foreground', '#333333'), muted: v('--st-muted', '#888888'),
    nodeFill: v('--st-node-fill', '#ffffff'), nodeStroke: v('--st-node-stroke', '#333333'),
    errorFill: v('--st-error-fill', '#d9d9d9'), embeddingFill: v('--st-embedding-fill', '#e8e8e8'),
    logitFill: v('--st-logit-fill', '#fff3c4'), supernodeFill: v('--st-supernode-fill', '#eef3fb'),
    highlight: v('--st-highlight', '#d000d0'), pin: v('--st-pin', '#000000'), search: v('--st-search', '#e07b00'),
    band: v('--st-band', 'rgba(128,128,128,0.08)'), edgeBuckets,
  };
}

/** Bucket index of a signed input share. */
export function edgeBucket(pct: number): number {
  const level = Math.min(BUCKETS - 1, Math.floor((Math.min(Math.abs(pct), FULL_SHARE) / FULL_SHARE) * BUCKETS));
  return pct < 0 ? BUCKETS - 1 - level : BUCKETS + level;
}

/** Stroke width in CSS pixels: √ of the share, as circuit-tracer sizes links. */
export const edgeWidth = (pct: number): number => 0.35 + 2.65 * Math.sqrt(Math.min(1, Math.abs(pct)));

/** Black or white text on a coloured chip, by the chip's luminance. */
export function textOn(color: string): string {
  const rgb = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(color);
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(color);
  const channels = rgb ? rgb.slice(1, 4).map(Number) : hex ? hex.slice(1, 4).map((c) => parseInt(c, 16)) : null;
  if (!channels) return 'inherit';
  // WCAG relative luminance; whichever of white and near-black has the higher contrast ratio on it
  const [r, g, b] = channels.map((c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const DARK = 0.0056; // #111
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / (DARK + 0.05) ? '#fff' : '#111';
}
