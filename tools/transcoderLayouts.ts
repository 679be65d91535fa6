// Writers of transcoder sets in each published layout, and of a Hugging Face hub cache, for tests and benchmarks:
// the same weights written as circuit-tracer PLTs, GemmaScope params.npz, GemmaScope-2 params.safetensors or a
// circuit-tracer CLT, in the folder structure of the published repos (see src/engine/model/transcoders/).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { writeSafetensors } from '../src/engine/model/safetensors';

export type Tensor = { shape: number[]; data: Float32Array };

/** One per-layer transcoder in circuit-tracer's orientation: W_enc [n, d], W_dec [n, d], skip(u) = u·W_skipᵀ. */
export interface PltWeights {
  W_enc: Tensor;
  W_dec: Tensor;
  b_enc: Tensor;
  b_dec: Tensor;
  threshold?: Tensor;
  W_skip?: Tensor;
}

export function transposed(t: Tensor): Tensor {
  const [r, c] = t.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { shape: [c, r], data: out };
}

/** circuit-tracer's to_safetensors names */
export function writeCircuitTracerLayer(file: string, w: PltWeights): void {
  const t: Record<string, Tensor> = { W_enc: w.W_enc, W_dec: w.W_dec, b_enc: w.b_enc, b_dec: w.b_dec };
  if (w.threshold) t['activation_function.threshold'] = w.threshold;
  if (w.W_skip) t.W_skip = w.W_skip;
  writeSafetensors(file, t);
}

/** GemmaScope params.npz: W_enc [d, n], W_dec [n, d], b_enc, b_dec, threshold (always JumpReLU) */
export function writeGemmaScopeNpz(file: string, w: PltWeights): void {
  if (!w.threshold) throw new Error('GemmaScope transcoders are JumpReLU: give a threshold');
  writeNpz(file, { W_enc: transposed(w.W_enc), W_dec: w.W_dec, threshold: w.threshold, b_enc: w.b_enc, b_dec: w.b_dec });
}

/** GemmaScope-2 params.safetensors: w_enc [d, n], w_dec [n, d], b_enc, b_dec, threshold, affine_skip_connection A (skip = u·A) */
export function writeGemmaScope2Layer(file: string, w: PltWeights): void {
  if (!w.threshold) throw new Error('GemmaScope-2 transcoders are JumpReLU: give a threshold');
  const t: Record<string, Tensor> = { w_enc: transposed(w.W_enc), w_dec: w.W_dec, b_enc: w.b_enc, b_dec: w.b_dec, threshold: w.threshold };
  if (w.W_skip) t.affine_skip_connection = transposed(w.W_skip);
  writeSafetensors(file, t);
}

/** A .npz as np.savez writes it: stored .npy entries (format 1.0, C order, little-endian). */
export function writeNpz(file: string, arrays: Record<string, Tensor>, opts: { compress?: boolean } = {}): void {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(arrays)) {
    const data = Buffer.concat([npyHeader(t.shape), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]);
    const body = opts.compress ? zlib.deflateRawSync(data) : data;
    const crc = zlib.crc32(data);
    const fname = Buffer.from(`${name}.npy`);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(opts.compress ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    locals.push(local, fname, body);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(opts.compress ? 8 : 0, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(fname.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, fname);
    offset += 30 + fname.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(arrays).length, 8);
  end.writeUInt16LE(Object.keys(arrays).length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  const fd = fs.openSync(file, 'w');
  try {
    for (const b of [...locals, cdBuf, end]) fs.writeSync(fd, b);
  } finally {
    fs.closeSync(fd);
  }
}

function npyHeader(shape: number[]): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  h += ' '.repeat(63 - ((10 + h.length) % 64)) + '\n';
  const out = Buffer.alloc(10 + h.length);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(h.length, 8);
  out.write(h, 10, 'latin1');
  return out;
}

/**
 * A repo in a Hugging Face hub cache laid out as huggingface_hub writes it: blobs/<hash>, snapshots/<commit>/<path>
 * as symlinks to the blobs, refs/main holding the commit. `files` maps repo paths to a writer of that file.
 * Returns the snapshot folder.
 */
export function writeCachedRepo(cache: string, repoId: string, files: Record<string, (file: string) => void>, revision = 'main'): string {
  const repo = path.join(cache, `models--${repoId.replace(/\//g, '--')}`);
  const commit = crypto.createHash('sha1').update(`${repoId}@${revision}`).digest('hex');
  const snapshot = path.join(repo, 'snapshots', commit);
  fs.mkdirSync(path.join(repo, 'blobs'), { recursive: true });
  fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
  for (const [rel, write] of Object.entries(files)) {
    const tmp = path.join(repo, 'blobs', `.incoming-${process.pid}`);
    write(tmp);
    const blob = sha256(tmp);
    fs.renameSync(tmp, path.join(repo, 'blobs', blob));
    const link = path.join(snapshot, rel);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.relative(path.dirname(link), path.join(repo, 'blobs', blob)), link);
  }
  fs.writeFileSync(path.join(repo, 'refs', revision), commit);
  return snapshot;
}

/** the file's sha256, read in 16 MiB pieces (published files are gigabytes) */
function sha256(file: string): string {
  const h = crypto.createHash('sha256');
  const buf = Buffer.alloc(1 << 24);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** a file writer with text content */
export const text = (content: string) => (file: string) => fs.writeFileSync(file, content);
