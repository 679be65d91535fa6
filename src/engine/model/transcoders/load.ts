// Opens a transcoder folder in any published layout (see config.ts and types.ts): small vectors are read now, big
// matrices stay on disk. Encoders are kept in memory only when all of them fit RESIDENT_ENCODER_BYTES as fp32;
// otherwise each use reads one layer. Decoder rows are always read on demand, for active features only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../../errors';
import { resolveLocation } from '../hfCache';
import { SafetensorsFile, type TensorSource } from '../safetensors';
import { readTranscoderConfig, type TranscoderConfig } from './config';
import { NpzFile } from './npz';
import type { Activation, EncoderMatrix, TranscoderFormat, TranscoderLayer, TranscoderSet } from './types';

/** all encoders as fp32 up to this size stay in memory after their first read (the embedded model's, tests) */
export const RESIDENT_ENCODER_BYTES = 512 * 1024 * 1024;

export interface TranscoderLoadOptions {
  residentEncoderBytes?: number;
  env?: NodeJS.ProcessEnv;
}

/** The tensor names of one per-layer layout. */
interface Layout {
  format: TranscoderFormat;
  enc: string;
  /** the encoder is stored [d_model, d_transcoder] */
  encT: boolean;
  dec: string;
  threshold: string;
  skip: string;
  /** the skip is stored as A with skip(u) = u·A (GemmaScope-2), not W with u·Wᵀ */
  skipT: boolean;
  /** always JumpReLU, whatever the config says (circuit-tracer's GemmaScope loaders) */
  jumpRelu: boolean;
}

const LAYOUTS: Record<string, Layout> = {
  ct: { format: 'circuit-tracer PLT', enc: 'W_enc', encT: false, dec: 'W_dec', threshold: 'activation_function.threshold', skip: 'W_skip', skipT: false, jumpRelu: false },
  npz: { format: 'GemmaScope npz', enc: 'W_enc', encT: true, dec: 'W_dec', threshold: 'threshold', skip: '', skipT: false, jumpRelu: true },
  gs2: { format: 'GemmaScope-2 PLT', enc: 'w_enc', encT: true, dec: 'w_dec', threshold: 'threshold', skip: 'affine_skip_connection', skipT: true, jumpRelu: true },
};

/** Loads the transcoders at `ref`: a folder, or a repo id ("org/name[/sub]") in the local Hugging Face cache. */
export function loadTranscoders(ref: string, opts: TranscoderLoadOptions = {}): TranscoderSet {
  const dir = resolveLocation(ref, 'Transcoder set', opts.env);
  const cfg = readTranscoderConfig(dir, opts.env);
  return cfg.kind === 'cross-layer' ? loadCrossLayer(cfg, opts) : loadPerLayer(cfg, opts);
}

function openLayerFile(file: string): TensorSource & { file: string } {
  return file.endsWith('.npz') ? NpzFile.open(file) : SafetensorsFile.open(file);
}

function loadPerLayer(cfg: TranscoderConfig, opts: TranscoderLoadOptions): TranscoderSet {
  const files: (TensorSource & { file: string })[] = [];
  try {
    for (const f of cfg.files) files.push(openLayerFile(f));
    const first = files[0];
    const layout = first.file.endsWith('.npz') ? LAYOUTS.npz : first.has('w_enc') ? LAYOUTS.gs2 : LAYOUTS.ct;
    const bEnc = 'b_enc';
    const bDec = 'b_dec';
    const dTranscoder = shapeOf(first, bEnc, 1)[0];
    const dModel = shapeOf(first, bDec, 1)[0];
    const [n, d] = [dTranscoder, dModel];
    const activation: Activation = layout.jumpRelu
      ? { kind: 'jumprelu' }
      : (cfg.activation ?? (first.has(layout.threshold) ? { kind: 'jumprelu' } : { kind: 'relu' }));
    const hasSkip = layout.skip !== '' && first.has(layout.skip);
    const layers: TranscoderLayer[] = files.map((f, l) => {
      const where = `${f.file} (layer ${l}, ${layout.format})`;
      expectShape(f, layout.enc, layout.encT ? [d, n] : [n, d], where);
      expectShape(f, layout.dec, [n, d], where);
      expectShape(f, bEnc, [n], where);
      expectShape(f, bDec, [d], where);
      if (hasSkip !== f.has(layout.skip)) throw new EngineError('badFile', `Some transcoders in ${cfg.dir} have a skip connection and some do not (${where}).`);
      if (hasSkip) expectShape(f, layout.skip, [d, d], where);
      const layer: TranscoderLayer = { b_enc: f.read(bEnc), b_dec: f.read(bDec) };
      if (activation.kind === 'jumprelu') {
        expectShape(f, layout.threshold, [n], where);
        layer.threshold = f.read(layout.threshold);
      }
      return layer;
    });
    const encoders = residentCache(files.length * n * d * 4, opts);
    const encoderMatrix = (l: number): EncoderMatrix => encoders(l, () => ({ data: files[at(l, files.length)].read(layout.enc), transposed: layout.encT }));
    return {
      kind: 'per-layer',
      format: layout.format,
      nLayers: files.length,
      dModel: d,
      dTranscoder: n,
      inputHook: cfg.inputHook,
      outputHook: cfg.outputHook,
      activation,
      layers,
      hasSkip,
      encoderTransposed: layout.encT,
      encoderResident: encoders.keep,
      scan: cfg.scan,
      modelName: cfg.modelName,
      dir: cfg.dir,
      encoderMatrix,
      ...(!layout.encT && !encoders.keep && files.every((f) => f instanceof SafetensorsFile && f.info(layout.enc).dtype === 'BF16')
        ? { encoderBf16Rows: (l: number, f0: number, count: number, buf: Uint16Array, check?: boolean) => (files[at(l, files.length)] as SafetensorsFile).readBf16RowsInto(layout.enc, f0, count, buf, check) }
        : {}),
      encoderRows: (l, features) =>
        layout.encT ? gatherColumns(encoderMatrix(l).data, d, n, features) : encoders.cached(l)
          ? gatherRows(encoders.cached(l)!.data, d, features)
          : files[at(l, files.length)].readRows(layout.enc, features),
      skip: (l) => {
        if (!hasSkip) return undefined;
        const m = files[at(l, files.length)].read(layout.skip);
        return layout.skipT ? transpose(m, d, d) : m;
      },
      decoderRows: (l, features) => files[at(l, files.length)].readRows(layout.dec, features),
      close: () => files.forEach((f) => f.close()),
    };
  } catch (e) {
    files.forEach((f) => f.close());
    throw e;
  }
}

function loadCrossLayer(cfg: TranscoderConfig, opts: TranscoderLoadOptions): TranscoderSet {
  const { dir } = cfg;
  const enc: SafetensorsFile[] = [];
  const dec: SafetensorsFile[] = [];
  try {
    const count = fs.readdirSync(dir).filter((f) => /^W_enc_\d+\.safetensors$/.test(f)).length;
    if (count === 0) throw new EngineError('fileNotFound', `No W_enc_0.safetensors in ${dir} (a cross-layer transcoder has W_enc_{i} and W_dec_{i} files).`);
    for (let i = 0; i < count; i++) {
      for (const [kind, list] of [['enc', enc], ['dec', dec]] as const) {
        const file = path.join(dir, `W_${kind}_${i}.safetensors`);
        if (!fs.existsSync(file)) throw new EngineError('fileNotFound', `W_${kind}_${i}.safetensors is missing from ${dir} (it has ${count} W_enc files).`);
        list.push(SafetensorsFile.open(file));
      }
    }
    const L = enc.length;
    const [n, d] = shapeOf(enc[0], 'W_enc_0', 2);
    const jump = enc[0].has('threshold_0');
    const layers = enc.map((f, i) => {
      const where = `${f.file} (layer ${i})`;
      expectShape(f, `W_enc_${i}`, [n, d], where);
      expectShape(f, `b_enc_${i}`, [n], where);
      expectShape(f, `b_dec_${i}`, [d], where);
      expectShape(dec[i], `W_dec_${i}`, [n, L - i, d], `${dec[i].file} (layer ${i})`);
      const layer: TranscoderLayer = { b_enc: f.read(`b_enc_${i}`), b_dec: f.read(`b_dec_${i}`) };
      if (jump) {
        expectShape(f, `threshold_${i}`, [n], where);
        layer.threshold = f.read(`threshold_${i}`);
      }
      return layer;
    });
    const encoders = residentCache(L * n * d * 4, opts);
    return {
      kind: 'cross-layer',
      format: 'circuit-tracer CLT',
      nLayers: L,
      dModel: d,
      dTranscoder: n,
      inputHook: cfg.inputHook,
      outputHook: cfg.outputHook,
      activation: jump ? { kind: 'jumprelu' } : { kind: 'relu' },
      layers,
      hasSkip: false, // circuit-tracer's load_clt reads no skip
      encoderTransposed: false,
      encoderResident: encoders.keep,
      scan: cfg.scan,
      modelName: cfg.modelName,
      dir,
      encoderMatrix: (l) => encoders(l, () => ({ data: enc[at(l, L)].read(`W_enc_${l}`), transposed: false })),
      encoderRows: (l, features) => {
        const c = encoders.cached(l);
        return c ? gatherRows(c.data, d, features) : enc[at(l, L)].readRows(`W_enc_${l}`, features);
      },
      skip: () => undefined,
      decoderRows: (l, features) => dec[at(l, L)].readRows(`W_dec_${l}`, features),
      close: () => [...enc, ...dec].forEach((f) => f.close()),
    };
  } catch (e) {
    [...enc, ...dec].forEach((f) => f.close());
    throw e;
  }
}

/** keeps encoders once read when all of them fit the budget; reads afresh on every use otherwise */
function residentCache(totalBytes: number, opts: TranscoderLoadOptions) {
  const keep = totalBytes <= (opts.residentEncoderBytes ?? RESIDENT_ENCODER_BYTES);
  const cache = new Map<number, EncoderMatrix>();
  const get = (l: number, read: () => EncoderMatrix): EncoderMatrix => {
    const hit = cache.get(l);
    if (hit) return hit;
    const m = read();
    if (keep) cache.set(l, m);
    return m;
  };
  return Object.assign(get, { cached: (l: number) => cache.get(l), keep });
}

function at(l: number, n: number): number {
  if (!Number.isInteger(l) || l < 0 || l >= n) throw new EngineError('internal', `transcoder layer ${l} is out of range (0…${n - 1})`);
  return l;
}

function gatherRows(m: Float32Array, d: number, features: ArrayLike<number>): Float32Array {
  const out = new Float32Array(features.length * d);
  for (let j = 0; j < features.length; j++) out.set(m.subarray(features[j] * d, (features[j] + 1) * d), j * d);
  return out;
}

/** rows f of the transposed [d, n] matrix, i.e. its columns, as [k, d] */
function gatherColumns(m: Float32Array, d: number, n: number, features: ArrayLike<number>): Float32Array {
  const out = new Float32Array(features.length * d);
  for (let j = 0; j < features.length; j++) {
    const f = features[j];
    if (!Number.isInteger(f) || f < 0 || f >= n) throw new EngineError('badInput', `Feature ${f} is out of range (0…${n - 1}).`);
    for (let i = 0; i < d; i++) out[j * d + i] = m[i * n + f];
  }
  return out;
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
  return out;
}

function shapeOf(f: TensorSource & { file: string }, name: string, rank: number): number[] {
  if (!f.has(name)) throw new EngineError('missingTensor', `Tensor "${name}" is missing from ${f.file}.`);
  const s = f.info(name).shape;
  if (s.length !== rank) throw new EngineError('badShape', `Tensor "${name}" in ${f.file} has shape ${JSON.stringify(s)}; expected rank ${rank}.`);
  return s;
}

function expectShape(f: TensorSource, name: string, dims: number[], where: string): void {
  if (!f.has(name)) throw new EngineError('missingTensor', `Tensor "${name}" is missing from ${where}.`);
  const s = f.info(name).shape;
  if (s.length !== dims.length || s.some((x, i) => x !== dims[i])) {
    throw new EngineError('badShape', `Tensor "${name}" in ${where} has shape ${JSON.stringify(s)}; expected ${JSON.stringify(dims)}.`);
  }
  // checked now, although big matrices are read later: a set that loads can be used
  const dtype = f.info(name).dtype;
  if (!FLOAT_DTYPES.includes(dtype)) {
    throw new EngineError('unsupported', `Tensor "${name}" in ${where} has dtype ${dtype}; transcoder weights must be F32, F16 or BF16.`);
  }
}

const FLOAT_DTYPES: readonly string[] = ['F32', 'F16', 'BF16', 'F64'];
