// What a screenshot or an exported PNG shows, for tests that must fail on a blank or broken render: a PNG decoder
// (8-bit RGB/RGBA, not interlaced: what Chromium writes for screenshots and canvas.toDataURL) and pixel counts
// in a region, by colour.
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';

export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** RGBA, row by row */
  readonly data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Decodes a PNG (a Buffer, or a `data:image/png;base64,` URL). */
export function decodePng(png: Buffer | string): Pixels {
  const buf = typeof png === 'string' ? Buffer.from(png.replace(/^data:image\/png;base64,/, ''), 'base64') : png;
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < buf.length;) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const body = buf.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colourType, , , interlace] = body.subarray(8, 13);
      channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
    } else if (type === 'IDAT') idat.push(body);
    at += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let predicted: number;
      switch (filter) {
        case 0: predicted = 0; break;
        case 1: predicted = a; break;
        case 2: predicted = b; break;
        case 3: predicted = (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
          predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      out[i] = (line[i] + predicted) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    data.set(rows.subarray(p * channels, p * channels + 3), p * 4);
    data[p * 4 + 3] = channels === 4 ? rows[p * channels + 3] : 255;
  }
  return { width, height, data };
}

/** `#rgb`, `#rrggbb` or `rgb(a)(r, g, b…)` as [r, g, b]. */
export function parseColour(css: string): Rgb {
  const s = css.trim();
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/.exec(s);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(s);
  if (!hex) throw new Error(`not a colour this test reads: ${css}`);
  const h = hex[1].length === 3 ? [...hex[1]].map((d) => d + d).join('') : hex[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb;
}

/** `over` with alpha `alpha` (0…1) composited on `under`, as the browser draws a translucent fill. */
export const blend = (over: Rgb, alpha: number, under: Rgb): Rgb =>
  [0, 1, 2].map((i) => Math.round(alpha * over[i] + (1 - alpha) * under[i])) as unknown as Rgb;

export const near = (a: Rgb, b: Rgb, tolerance: number) => Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2])) <= tolerance;

/** The pixels of `region` (in image pixels; clipped to the image) for which `test` holds: their count and centroid. */
export function findPixels(img: Pixels, region: Region, test: (rgb: Rgb, alpha: number) => boolean): { count: number; x: number; y: number } {
  const x0 = Math.max(0, Math.floor(region.x));
  const y0 = Math.max(0, Math.floor(region.y));
  const x1 = Math.min(img.width, Math.ceil(region.x + region.width));
  const y1 = Math.min(img.height, Math.ceil(region.y + region.height));
  let count = 0;
  let sx = 0;
  let sy = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 4;
      if (!test([img.data[i], img.data[i + 1], img.data[i + 2]], img.data[i + 3])) continue;
      count++;
      sx += x;
      sy += y;
    }
  }
  return { count, x: count ? sx / count : NaN, y: count ? sy / count : NaN };
}

/** The colour most pixels of `region` have (a page's or a box's background). */
export function modeColour(img: Pixels, region: Region): Rgb {
  const counts = new Map<number, number>();
  findPixels(img, region, ([r, g, b]) => {
    const key = (r << 16) | (g << 8) | b;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return false;
  });
  const [key] = [...counts].reduce((best, e) => (e[1] > best[1] ? e : best), [0, -1]);
  return [key >> 16, (key >> 8) & 0xff, key & 0xff];
}

/** Pixels of `region` that differ from `background` by more than `tolerance` (anti-aliasing, JPEG-free noise). */
export const drawnPixels = (img: Pixels, region: Region, background: Rgb, tolerance = 8) =>
  findPixels(img, region, (rgb) => !near(rgb, background, tolerance)).count;

/** Pixels of `region` within `tolerance` of `colour`: a fill drawn there (a glyph's inside is its exact fill). */
export const pixelsOfColour = (img: Pixels, region: Region, colour: Rgb, tolerance = 3) =>
  findPixels(img, region, (rgb, alpha) => alpha > 250 && near(rgb, colour, tolerance));

/** The whole image as a region. */
export const everything = (img: Pixels): Region => ({ x: 0, y: 0, width: img.width, height: img.height });

/** A CSS colour as the page resolves it (custom properties, named colours), as [r, g, b] and alpha. */
export interface PageColour { rgb: Rgb; alpha: number }

/**
 * The graph's colours as its drawing reads them (graph.css's --st-* properties, as `.graph-host` inherits them), and
 * the region of its nodes canvas, in CSS pixels. Throws when a property is missing, rather than guess a colour.
 * With a node selected the others are drawn faded: compare fills with nothing selected.
 */
export async function graphPaint(page: Page): Promise<{ background: Rgb; logit: Rgb; embedding: Rgb; positive: Rgb; canvas: Region }> {
  const css = await page.evaluate(() => {
    const host = document.querySelector('.graph-host')!;
    const style = getComputedStyle(host);
    const value = (name: string) => {
      const v = style.getPropertyValue(name).trim();
      if (!v) throw new Error(`${name} is not set on .graph-host`);
      return v;
    };
    const b = host.querySelector('canvas.layer.nodes')!.getBoundingClientRect();
    return {
      background: value('--st-graph-background'), logit: value('--st-logit-fill'), embedding: value('--st-embedding-fill'), positive: value('--st-positive'),
      canvas: { x: b.x, y: b.y, width: b.width, height: b.height },
    };
  });
  const [background, logit, embedding, positive] = await resolveColours(page, [css.background, css.logit, css.embedding, css.positive]);
  return { background: background.rgb, logit: logit.rgb, embedding: embedding.rgb, positive: positive.rgb, canvas: css.canvas };
}

/** CSS colours as the page's canvas reads them (`#rrggbb`, or `rgba(…)` when translucent). */
export async function resolveColours(page: Page, colours: string[]): Promise<PageColour[]> {
  const resolved = await page.evaluate((list) => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    return list.map((c) => { ctx.fillStyle = '#000'; ctx.fillStyle = c; return String(ctx.fillStyle); });
  }, colours);
  return resolved.map((c) => ({ rgb: parseColour(c), alpha: /^rgba/.test(c) ? Number(/,\s*([\d.]+)\)$/.exec(c)![1]) : 1 }));
}
