// Export Graph as an image: the whole graph (not the zoomed view), laid out at a size of its own, with the prompt,
// the target and a legend, as SVG (vector: the canvas drawing code replayed into SVG paths) or as PNG (that SVG
// rasterised at 2×). Independent of the panel's size, so a narrow side panel still exports a readable picture.
import { select, zoomIdentity } from 'd3';
import { drawEdges, drawNodes, glyphRadius, inhibitDash, type Viewport } from './draw';
import { layoutScene, type LayoutSize } from './layout';
import type { GraphModel } from './model';
import { labelWidth, logitLabels, renderAxes, renderLabels } from './overlay';
import type { Scene } from './scene';
import type { Palette } from './theme';

export interface ImageHeader {
  /** e.g. `Prompt: "Fact: the capital of …"` */
  readonly lines: readonly string[];
}

export type ImageFormat = 'png' | 'svg';

const HEAD = 64;
const LEGEND = 34;
const MARGIN = { top: 44, right: 36, bottom: 56, left: 48 };

/** The export's drawing size in CSS px: wide enough for every token label, at most 2,400 px. */
export function exportSize(nTokens: number): { width: number; height: number } {
  return { width: Math.round(Math.min(2400, Math.max(960, 74 * nTokens + MARGIN.left + MARGIN.right))), height: 620 };
}

/** An SVG document of the whole graph with header and legend; `png` rasterises it at `scale`×. */
export async function exportGraphImage(host: HTMLElement, model: GraphModel, scene: Scene, palette: Palette, header: ImageHeader, format: ImageFormat, scale = 2): Promise<string> {
  const { width, height: graphHeight } = exportSize(model.tokens.length);
  const size: LayoutSize = { width, height: graphHeight, margin: MARGIN };
  const inner = width - MARGIN.left - MARGIN.right;
  const layout = layoutScene(scene.items, model.tokens.length, model.nLayers, size, 0.6, Math.min(60, (0.55 * inner) / Math.max(1, model.tokens.length)));
  const height = HEAD + graphHeight + LEGEND;

  // the axes and labels through the panel's own SVG code, in a hidden SVG inside the panel so its CSS applies
  const svg = select(host).append('svg').attr('class', 'layer export-scratch').attr('width', width).attr('height', graphHeight)
    .attr('aria-hidden', 'true').style('visibility', 'hidden');
  try {
    const axes = svg.append('g');
    renderAxes(axes, layout, zoomIdentity, model.tokens, model.nLayers, size, null);
    const r = glyphRadius(layout, 1);
    const labels = logitLabels(scene, layout, model, 1);
    const labelLayer = svg.append('g');
    renderLabels(labelLayer, labels, scene, layout, zoomIdentity, r, width);
    inlineStyles(svg.node()!);

    const rec = new SvgRecorder();
    const v: Viewport = { ctx: rec as unknown as CanvasRenderingContext2D, transform: zoomIdentity, width, height: graphHeight, ratio: 1 };
    const edges = [...scene.edges].sort((a, b) => Math.abs(b.pct) - Math.abs(a.pct));
    drawEdges(v, layout, edges, palette, false, { wide: 3000, hairline: 20000 });
    drawNodes(v, layout, scene, palette);

    const font = `font-family="${escapeXml(getComputedStyle(host).fontFamily || 'sans-serif')}"`;
    const text = (x: number, y: number, s: string, attrs = '') => `<text x="${x}" y="${y}" ${font} ${attrs}>${escapeXml(s)}</text>`;
    const headLines = header.lines.slice(0, 3).map((line, i) =>
      text(16, 24 + i * 18, fit(line, width - 32, i === 0 ? '600 14px sans-serif' : '12px sans-serif'), `font-size="${i === 0 ? 14 : 12}" ${i === 0 ? 'font-weight="600"' : ''} fill="${palette.foreground}"`));
    const ly = HEAD + graphHeight + 20;
    const legend = [
      `<rect x="16" y="${ly - 9}" width="10" height="10" fill="${palette.embeddingFill}" stroke="${palette.nodeStroke}"/>`,
      text(30, ly, 'embedding / logit', `font-size="11" fill="${palette.muted}"`),
      `<circle cx="150" cy="${ly - 4}" r="5" fill="${palette.nodeFill}" stroke="${palette.nodeStroke}"/>`,
      text(160, ly, 'transcoder feature', `font-size="11" fill="${palette.muted}"`),
      `<path d="M280 ${ly - 10} l6 6 l-6 6 l-6 -6 z" fill="${palette.errorFill}" stroke="${palette.nodeStroke}"/>`,
      text(292, ly, 'error node', `font-size="11" fill="${palette.muted}"`),
      `<line x1="372" y1="${ly - 4}" x2="398" y2="${ly - 4}" stroke="${palette.edgeBuckets[palette.edgeBuckets.length - 1]}" stroke-width="3"/>`,
      text(404, ly, 'excites', `font-size="11" fill="${palette.muted}"`),
      `<line x1="456" y1="${ly - 4}" x2="482" y2="${ly - 4}" stroke="${palette.edgeBuckets[0]}" stroke-width="3" stroke-dasharray="${inhibitDash(3).join(' ')}"/>`,
      text(488, ly, 'inhibits · link width: share of its target\'s input', `font-size="11" fill="${palette.muted}"`),
    ];
    const doc = [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
      `<rect width="100%" height="100%" fill="${palette.background}"/>`,
      ...headLines,
      `<g transform="translate(0,${HEAD})">`,
      axes.node()!.outerHTML,
      rec.svg(),
      labelLayer.node()!.outerHTML,
      '</g>',
      ...legend,
      '</svg>',
    ].join('\n');
    if (format === 'svg') return `data:image/svg+xml;base64,${base64(doc)}`;
    return await rasterise(doc, width, height, scale, palette.background);
  } finally {
    svg.remove();
  }
}

/** Just enough of CanvasRenderingContext2D for draw.ts, writing SVG paths instead of pixels. */
class SvgRecorder {
  strokeStyle = '#000';
  fillStyle = '#000';
  lineWidth = 1;
  lineCap = 'butt';
  globalAlpha = 1;
  private d: string[] = [];
  private dash: number[] = [];
  private readonly out: string[] = [];
  setTransform(): void {}
  /** inhibitory links are dashed (draw.ts), in the exported image too */
  setLineDash(segments: readonly number[]): void { this.dash = [...segments]; }
  clearRect(): void {}
  beginPath(): void { this.d = []; }
  moveTo(x: number, y: number): void { this.d.push(`M${n(x)} ${n(y)}`); }
  lineTo(x: number, y: number): void { this.d.push(`L${n(x)} ${n(y)}`); }
  closePath(): void { this.d.push('Z'); }
  rect(x: number, y: number, w: number, h: number): void { this.d.push(`M${n(x)} ${n(y)}h${n(w)}v${n(h)}h${n(-w)}Z`); }
  roundRect(x: number, y: number, w: number, h: number): void { this.rect(x, y, w, h); }
  arc(x: number, y: number, r: number): void {
    // full circles only (draw.ts draws node glyphs), as two half arcs from (x + r, y)
    this.d.push(`M${n(x + r)} ${n(y)}A${n(r)} ${n(r)} 0 1 0 ${n(x - r)} ${n(y)}A${n(r)} ${n(r)} 0 1 0 ${n(x + r)} ${n(y)}Z`);
  }
  stroke(): void {
    if (this.d.length) this.out.push(`<path d="${this.d.join('')}" fill="none" stroke="${this.strokeStyle}" stroke-width="${n(this.lineWidth)}" stroke-linecap="${this.lineCap}"${this.dash.length ? ` stroke-dasharray="${this.dash.map(n).join(' ')}"` : ''}${this.alpha()}/>`);
  }
  fill(): void {
    if (this.d.length) this.out.push(`<path d="${this.d.join('')}" fill="${this.fillStyle}"${this.alpha()}/>`);
  }
  svg(): string { return this.out.join('\n'); }
  private alpha(): string { return this.globalAlpha < 1 ? ` opacity="${this.globalAlpha}"` : ''; }
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();

function fit(s: string, room: number, font: string): string {
  if (labelWidth(s, font) <= room) return s;
  const chars = [...s];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (labelWidth(`${chars.slice(0, mid).join('')}…`, font) <= room) lo = mid;
    else hi = mid - 1;
  }
  return `${chars.slice(0, lo).join('')}…`;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Computed text and stroke styles written onto each element, so the SVG renders the same outside the panel. */
function inlineStyles(svg: SVGSVGElement): void {
  svg.querySelectorAll('*').forEach((el) => {
    const cs = getComputedStyle(el);
    for (const prop of ['fill', 'stroke', 'stroke-width', 'opacity', 'font-size', 'font-family', 'font-weight', 'white-space', 'paint-order', 'stroke-linejoin']) {
      (el as SVGElement).style.setProperty(prop, cs.getPropertyValue(prop));
    }
  });
}

function rasterise(doc: string, width: number, height: number, scale: number, background: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = background;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      resolve(canvas.toDataURL('image/png'));
    };
    img.onerror = () => reject(new Error('could not rasterise the graph image'));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(doc)}`;
  });
}
