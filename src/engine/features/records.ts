// Feature detail files in circuit-tracer's layout: `index.json.gz` lists, per layer, a `layer_{i}.bin` file and the
// byte offsets of each feature's record; a record is a uint32 LE length followed by zlib-compressed JSON.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { EngineError } from '../errors';
import { checkRegularFile } from '../files';
import type { FeatureRecord } from './types';

export interface LayerIndexEntry {
  filename: string;
  /** offsets[f]..offsets[f+1] are feature f's bytes; length = n_features + 1 */
  offsets: number[];
}

export function encodeRecord(record: FeatureRecord): Buffer {
  const body = zlib.deflateSync(Buffer.from(JSON.stringify(record), 'utf8'));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

export function decodeRecord(bytes: Uint8Array, where: string): FeatureRecord {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) throw new EngineError('badFile', `Feature record ${where} is ${buf.length} bytes, too short for its length prefix.`);
  const n = buf.readUInt32LE(0);
  if (n !== buf.length - 4) throw new EngineError('badFile', `Feature record ${where} says it holds ${n} bytes but its slot has ${buf.length - 4}.`);
  let json: string;
  try {
    json = zlib.inflateSync(buf.subarray(4)).toString('utf8');
  } catch (e) {
    throw new EngineError('badFile', `Feature record ${where} is not zlib data (${(e as Error).message}); rebuild the feature index.`);
  }
  try {
    return JSON.parse(json) as FeatureRecord;
  } catch (e) {
    throw new EngineError('badFile', `Feature record ${where} is not JSON (${(e as Error).message}); rebuild the feature index.`);
  }
}

/** Writes one layer's records (feature order) to `layer_{layer}.bin`; returns its index entry. */
export function writeLayerFile(dir: string, layer: number, records: FeatureRecord[]): LayerIndexEntry {
  const filename = `layer_${layer}.bin`;
  const fd = fs.openSync(path.join(dir, filename), 'w');
  const offsets = [0];
  try {
    for (const r of records) {
      const bytes = encodeRecord(r);
      fs.writeSync(fd, bytes);
      offsets.push(offsets[offsets.length - 1] + bytes.length);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { filename, offsets };
}

export function writeIndex(dir: string, layers: LayerIndexEntry[]): void {
  fs.writeFileSync(path.join(dir, 'index.json.gz'), zlib.gzipSync(Buffer.from(JSON.stringify(layers), 'utf8')));
}

/** Reads feature records on demand: the index once, then only the bytes of the requested feature. */
export class FeatureIndex {
  private constructor(
    readonly dir: string,
    private readonly layers: LayerIndexEntry[],
  ) {}

  static open(dir: string): FeatureIndex {
    const file = path.join(dir, 'index.json.gz');
    if (!fs.existsSync(file)) throw new EngineError('fileNotFound', `No feature index at ${file}; build one with \`self-trace features build\`.`);
    checkRegularFile(file, 'feature index');
    let layers: unknown;
    try {
      layers = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
    } catch (e) {
      throw new EngineError('badFile', `${file} is not gzipped JSON (${(e as Error).message}); rebuild the feature index.`);
    }
    if (!Array.isArray(layers)) throw new EngineError('badFile', `${file} must hold a JSON array with one entry per layer.`);
    layers.forEach((l: unknown, i) => {
      const e = l as Partial<LayerIndexEntry>;
      const ok =
        typeof e?.filename === 'string' &&
        !e.filename.includes('/') &&
        !e.filename.includes('\\') &&
        Array.isArray(e.offsets) &&
        e.offsets.length >= 1 &&
        e.offsets.every((o, j, a) => Number.isInteger(o) && o >= 0 && (j === 0 || o >= a[j - 1]));
      if (!ok) throw new EngineError('badFile', `${file}: layer ${i} needs a plain "filename" and increasing integer "offsets".`);
      const bin = path.join(dir, e.filename!);
      if (!fs.existsSync(bin)) throw new EngineError('fileNotFound', `${file} lists ${e.filename} for layer ${i}, but it is missing.`);
      const size = fs.statSync(bin).size;
      const last = e.offsets![e.offsets!.length - 1];
      if (last > size) throw new EngineError('badFile', `${bin} has ${size} bytes but the index needs ${last} (truncated?); rebuild the feature index.`);
    });
    return new FeatureIndex(dir, layers as LayerIndexEntry[]);
  }

  get nLayers(): number {
    return this.layers.length;
  }

  featureCount(layer: number): number {
    return this.entry(layer).offsets.length - 1;
  }

  has(layer: number, feature: number): boolean {
    return layer >= 0 && layer < this.layers.length && feature >= 0 && feature < this.featureCount(layer);
  }

  get(layer: number, feature: number): FeatureRecord {
    const e = this.entry(layer);
    if (!Number.isInteger(feature) || feature < 0 || feature >= e.offsets.length - 1) {
      throw new EngineError('badInput', `Feature ${feature} is out of range for layer ${layer} (it has ${e.offsets.length - 1}).`);
    }
    const start = e.offsets[feature];
    const len = e.offsets[feature + 1] - start;
    const buf = Buffer.alloc(len);
    const fd = fs.openSync(path.join(this.dir, e.filename), 'r');
    try {
      fs.readSync(fd, buf, 0, len, start);
    } finally {
      fs.closeSync(fd);
    }
    return decodeRecord(buf, `${e.filename}#${feature}`);
  }

  private entry(layer: number): LayerIndexEntry {
    const e = this.layers[layer];
    if (!e) throw new EngineError('badInput', `Layer ${layer} is not in the feature index (it has ${this.layers.length} layers).`);
    return e;
  }
}
