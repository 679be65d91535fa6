// Safetensors reading: the header is parsed and checked against the file, tensors are read on demand
// (whole, or selected rows of the first axis) and converted to fp32. Sharded checkpoints go through TensorStore.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';
import { checkRegularFile } from '../files';
import { numel } from '../tensor';
import { firstNonFinite, halfBitsToFloat32, HalfWeight, type Weight } from './weight';

export type Dtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16']);
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** absolute byte range in the file */
  begin: number;
  end: number;
}

export interface TensorSource {
  has(name: string): boolean;
  names(): string[];
  info(name: string): TensorInfo;
  /** the whole tensor as fp32, row-major */
  read(name: string): Float32Array;
  /** rows of the first axis, in the order given, as fp32 (rows.length × rowSize) */
  readRows(name: string, rows: ArrayLike<number>): Float32Array;
  /** the whole tensor in its stored precision: BF16 / F16 stay 16-bit (see model/weight.ts), anything else as `read` */
  readStored?(name: string): Weight;
  close(): void;
}

export class SafetensorsFile implements TensorSource {
  private constructor(
    readonly file: string,
    private fd: number | undefined,
    private readonly tensors: Map<string, TensorInfo>,
    readonly metadata: Record<string, string>,
  ) {}

  static open(file: string): SafetensorsFile {
    if (!fs.existsSync(file)) throw new EngineError('fileNotFound', `File not found: ${file}`);
    // a FIFO or a device in place of a weights file would block the synchronous open and read for ever
    checkRegularFile(file, 'weights file');
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const bad = (why: string) => new EngineError('badFile', `${file} is not a valid safetensors file: ${why}.`);
      if (size < 8) throw bad(`it is ${size} bytes long, shorter than the 8-byte header length`);
      const lenBuf = Buffer.alloc(8);
      fs.readSync(fd, lenBuf, 0, 8, 0);
      const headerLen = Number(lenBuf.readBigUInt64LE(0));
      if (headerLen > MAX_HEADER_BYTES) throw bad(`the header claims ${headerLen} bytes`);
      if (8 + headerLen > size) throw bad(`the header claims ${headerLen} bytes but the file has only ${size - 8} after the length (truncated?)`);
      const headerBuf = Buffer.alloc(headerLen);
      fs.readSync(fd, headerBuf, 0, headerLen, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBuf.toString('utf8'));
      } catch (e) {
        throw bad(`the header is not JSON (${(e as Error).message})`);
      }
      if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('the header is not a JSON object');
      const dataStart = 8 + headerLen;
      const tensors = new Map<string, TensorInfo>();
      let metadata: Record<string, string> = {};
      for (const [name, raw] of Object.entries(header)) {
        if (name === '__metadata__') {
          metadata = (raw ?? {}) as Record<string, string>;
          continue;
        }
        const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
        if (typeof t?.dtype !== 'string' || !(t.dtype in DTYPE_BYTES)) throw bad(`tensor "${name}" has unknown dtype ${JSON.stringify(t?.dtype)}`);
        if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor "${name}" has an invalid shape`);
        const off = t.data_offsets;
        if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0) || off[1] < off[0]) {
          throw bad(`tensor "${name}" has invalid data_offsets`);
        }
        const shape = t.shape as number[];
        const expected = numel(shape) * DTYPE_BYTES[t.dtype];
        if (off[1] - off[0] !== expected) {
          throw bad(`tensor "${name}" (${t.dtype} ${JSON.stringify(shape)}) needs ${expected} bytes but its offsets span ${off[1] - off[0]}`);
        }
        if (dataStart + off[1] > size) {
          throw bad(`tensor "${name}" ends at byte ${dataStart + off[1]} but the file has ${size} bytes (truncated?)`);
        }
        tensors.set(name, { name, dtype: t.dtype as Dtype, shape, begin: dataStart + off[0], end: dataStart + off[1] });
      }
      // each byte belongs to one tensor: overlapping ranges would make two tensors share (and misread) data
      const spans = [...tensors.values()].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
      for (let i = 1; i < spans.length; i++) {
        if (spans[i].begin < spans[i - 1].end) throw bad(`tensors "${spans[i - 1].name}" and "${spans[i].name}" overlap (bytes ${spans[i].begin - dataStart}…${spans[i - 1].end - dataStart} of the data)`);
      }
      return new SafetensorsFile(file, fd, tensors, metadata);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new EngineError('missingTensor', `Tensor "${name}" is missing from ${this.file}.`);
    return t;
  }

  read(name: string): Float32Array {
    const t = this.info(name);
    return toFloat32(this.readBytes(t.begin, t.end - t.begin), t, this.file);
  }

  readStored(name: string): Weight {
    const t = this.info(name);
    if (t.dtype !== 'BF16' && t.dtype !== 'F16') return this.read(name);
    const bytes = this.readBytes(t.begin, t.end - t.begin);
    const bits = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    const bad = firstNonFinite(bits, t.dtype);
    if (bad >= 0) checkFinite(halfBitsToFloat32(bits.subarray(bad, bad + 1), t.dtype), t, this.file, bad, bits.length);
    return new HalfWeight(bits, t.dtype);
  }

  /**
   * Rows first…first+count−1 of a BF16 tensor as their 16-bit patterns, read into `buf` (reused across calls: fresh
   * memory for every block is what costs here, not the copy); NaN/Inf refused as by `read` unless `check` is false
   * (the scan costs more than the read: a caller that detects non-finite results reads again with it).
   */
  readBf16RowsInto(name: string, first: number, count: number, buf: Uint16Array, check = true): Uint16Array {
    const t = this.info(name);
    if (t.dtype !== 'BF16') throw new EngineError('internal', `Tensor "${name}" in ${this.file} is ${t.dtype}, not BF16.`);
    const rowElems = numel(t.shape.slice(1));
    if (!(first >= 0 && count >= 0 && first + count <= t.shape[0])) {
      throw new EngineError('badInput', `Rows ${first}…${first + count - 1} of "${name}" are out of range (it has ${t.shape[0]} rows).`);
    }
    const bits = buf.subarray(0, count * rowElems);
    this.readInto(t.begin + first * rowElems * 2, new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
    const bad = check ? firstNonFinite(bits, 'BF16') : -1;
    if (bad >= 0) checkFinite(halfBitsToFloat32(bits.subarray(bad, bad + 1), 'BF16'), t, this.file, first * rowElems + bad, numel(t.shape));
    return bits;
  }

  readRows(name: string, rows: ArrayLike<number>): Float32Array {
    const t = this.info(name);
    if (t.shape.length < 1) throw new EngineError('badShape', `Tensor "${name}" in ${this.file} is a scalar; it has no rows.`);
    const nRows = t.shape[0];
    const rowElems = numel(t.shape.slice(1));
    const rowBytes = rowElems * DTYPE_BYTES[t.dtype];
    if (!FLOAT_DTYPES.has(t.dtype)) convert(new Uint8Array(0), t, this.file); // refuses it
    const out = new Float32Array(rows.length * rowElems);
    // read runs of consecutive rows with one call each, through one scratch buffer, converted straight into `out`
    // (scattered rows are many small reads: a fresh buffer and array for each cost more than the read)
    let scratch = new Uint8Array(0);
    let i = 0;
    while (i < rows.length) {
      let j = i + 1;
      while (j < rows.length && rows[j] === rows[j - 1] + 1) j++;
      const first = rows[i];
      if (!Number.isInteger(first) || first < 0 || rows[j - 1] >= nRows) {
        throw new EngineError('badInput', `Row ${first} of "${name}" is out of range (it has ${nRows} rows).`);
      }
      const dst = out.subarray(i * rowElems, j * rowElems);
      if (t.dtype === 'F32') this.readInto(t.begin + first * rowBytes, new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength));
      else {
        if (scratch.length < (j - i) * rowBytes) scratch = new Uint8Array(Math.max((j - i) * rowBytes, 2 * scratch.length));
        const bytes = this.readInto(t.begin + first * rowBytes, scratch.subarray(0, (j - i) * rowBytes));
        halfBitsToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2), t.dtype as 'BF16' | 'F16', dst);
      }
      checkFinite(dst, t, this.file, first * rowElems, numel(t.shape));
      i = j;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private readInto(position: number, into: Uint8Array): Uint8Array {
    if (this.fd === undefined) throw new EngineError('internal', `${this.file} was already closed.`);
    for (let done = 0; done < into.length; ) {
      const n = fs.readSync(this.fd, into, done, into.length - done, position + done);
      if (n === 0) throw new EngineError('badFile', `${this.file} ended early while reading (truncated?).`);
      done += n;
    }
    return into;
  }

  private readBytes(position: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new EngineError('internal', `${this.file} was already closed.`);
    return readFully(this.fd, this.file, position, length);
  }
}

function toFloat32(bytes: Uint8Array, t: TensorInfo, file: string): Float32Array {
  return checkFinite(convert(bytes, t, file), t, file);
}

/** Weights with NaN or ±Infinity give NaN scores downstream: refused where they are read (one pass, ~1 ns a value). */
function checkFinite(x: Float32Array, t: TensorInfo, file: string, at = 0, of = x.length): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) {
      throw new EngineError('badFile', `Tensor "${t.name}" in ${file} holds ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} (at element ${at + i} of ${of}); the checkpoint is damaged or was saved after a diverged run.`);
    }
  }
  return x;
}

function convert(bytes: Uint8Array, t: TensorInfo, file: string): Float32Array {
  if (!FLOAT_DTYPES.has(t.dtype)) {
    throw new EngineError('unsupported', `Tensor "${t.name}" in ${file} has dtype ${t.dtype}; only F32, F16 and BF16 weights are supported.`);
  }
  if (t.dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return halfBitsToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2), t.dtype as 'BF16' | 'F16');
}

/**
 * The tensors of a checkpoint folder: `<base>.safetensors`, or shards listed in `<base>.safetensors.index.json`
 * (`weight_map`: tensor name → shard file). Shards are opened on first use.
 */
export class TensorStore implements TensorSource {
  private readonly open = new Map<string, SafetensorsFile>();

  private constructor(
    readonly dir: string,
    private readonly weightMap: Map<string, string>,
  ) {}

  static openFolder(dir: string, base = 'model'): TensorStore {
    const single = path.join(dir, `${base}.safetensors`);
    const index = path.join(dir, `${base}.safetensors.index.json`);
    if (fs.existsSync(index)) {
      let parsed: { weight_map?: Record<string, string> };
      checkRegularFile(index, 'shard index');
      try {
        parsed = JSON.parse(fs.readFileSync(index, 'utf8'));
      } catch (e) {
        throw new EngineError('badFile', `${index} is not valid JSON: ${(e as Error).message}.`);
      }
      const wm: unknown = (parsed as { weight_map?: unknown } | null)?.weight_map;
      if (!wm || typeof wm !== 'object' || Array.isArray(wm)) {
        throw new EngineError('badFile', `${index} needs a "weight_map" object (tensor name → shard file)${Array.isArray(wm) ? ', not an array' : ''}.`);
      }
      const map = new Map(Object.entries(wm as Record<string, unknown>) as [string, string][]);
      for (const [name, shard] of map) {
        // shards sit beside the index: a plain file name, never a path out of the model folder
        if (typeof shard !== 'string' || shard === '' || shard === '.' || shard === '..' || path.basename(shard) !== shard || shard.includes('\\')) {
          throw new EngineError('badFile', `${index}: the shard of "${name}" must be a file name in ${dir}, not ${JSON.stringify(shard)}.`);
        }
      }
      for (const shard of new Set(map.values())) {
        if (!fs.existsSync(path.join(dir, shard))) throw new EngineError('fileNotFound', `Shard ${shard} listed in ${index} is missing from ${dir}.`);
      }
      return new TensorStore(dir, map);
    }
    if (fs.existsSync(single)) {
      const f = SafetensorsFile.open(single);
      const store = new TensorStore(dir, new Map(f.names().map((n) => [n, `${base}.safetensors`])));
      store.open.set(`${base}.safetensors`, f);
      return store;
    }
    throw new EngineError('fileNotFound', `No ${base}.safetensors or ${base}.safetensors.index.json in ${dir}.`);
  }

  has(name: string): boolean {
    return this.weightMap.has(name);
  }

  names(): string[] {
    return [...this.weightMap.keys()];
  }

  info(name: string): TensorInfo {
    return this.shard(name).info(name);
  }

  read(name: string): Float32Array {
    return this.shard(name).read(name);
  }

  readRows(name: string, rows: ArrayLike<number>): Float32Array {
    return this.shard(name).readRows(name, rows);
  }

  readStored(name: string): Weight {
    return this.shard(name).readStored(name);
  }

  close(): void {
    for (const f of this.open.values()) f.close();
    this.open.clear();
  }

  private shard(name: string): SafetensorsFile {
    const file = this.weightMap.get(name);
    if (!file) throw new EngineError('missingTensor', `Tensor "${name}" is missing from the checkpoint in ${this.dir}.`);
    let f = this.open.get(file);
    if (!f) {
      f = SafetensorsFile.open(path.join(this.dir, file));
      this.open.set(file, f);
    }
    return f;
  }
}

/** Writes fp32 tensors as a safetensors file (fixtures, benchmarks, tests). */
export function writeSafetensors(file: string, tensors: Record<string, { shape: number[]; data: Float32Array }>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (t.data.length !== numel(t.shape)) throw new EngineError('badShape', `Tensor "${name}": ${t.data.length} values for shape ${JSON.stringify(t.shape)}.`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const raw = Buffer.from(JSON.stringify(header), 'utf8');
  const headerBytes = Buffer.concat([raw, Buffer.from(' '.repeat((8 - (raw.length % 8)) % 8))]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, len);
    fs.writeSync(fd, headerBytes);
    for (const t of Object.values(tensors)) fs.writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  } finally {
    fs.closeSync(fd);
  }
}

/** `length` bytes at `position` of an open file, into a fresh (8-byte aligned, for typed views) buffer; a short file is a clear error */
export function readFully(fd: number, file: string, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(new ArrayBuffer(length));
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new EngineError('badFile', `${file} ended early while reading (truncated?).`);
    done += n;
  }
  return buf;
}
