// NumPy .npz archives (a zip of .npy files, as np.savez / np.savez_compressed write them, zip64 extras included):
// the central directory is read once; each array's header is parsed on demand; stored arrays are read by byte range
// (whole, or rows of the first axis), deflated ones are inflated whole when first read.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { EngineError } from '../../errors';
import { numel } from '../../tensor';
import { readFully, type Dtype, type TensorInfo, type TensorSource } from '../safetensors';

interface Entry {
  name: string;
  method: number;
  compressed: number;
  size: number;
  localHeader: number;
}

interface NpyArray extends TensorInfo {
  /** element type as numpy wrote it: f4, f2 or f8 */
  descr: 'f4' | 'f2' | 'f8';
  entry: Entry;
}

const DESCR: Record<string, { dtype: Dtype; bytes: number; descr: NpyArray['descr'] }> = {
  '<f4': { dtype: 'F32', bytes: 4, descr: 'f4' },
  '<f2': { dtype: 'F16', bytes: 2, descr: 'f2' },
  '<f8': { dtype: 'F64', bytes: 8, descr: 'f8' },
};

export class NpzFile implements TensorSource {
  private readonly arrays = new Map<string, NpyArray>();
  private inflated: { name: string; bytes: Uint8Array } | undefined;

  private constructor(
    readonly file: string,
    private fd: number | undefined,
    private readonly entries: Map<string, Entry>,
  ) {}

  static open(file: string): NpzFile {
    if (!fs.existsSync(file)) throw new EngineError('fileNotFound', `File not found: ${file}`);
    const fd = fs.openSync(file, 'r');
    try {
      return new NpzFile(file, fd, readCentralDirectory(fd, file));
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  has(name: string): boolean {
    return this.entries.has(`${name}.npy`);
  }

  names(): string[] {
    return [...this.entries.keys()].filter((n) => n.endsWith('.npy')).map((n) => n.slice(0, -4));
  }

  info(name: string): TensorInfo {
    return this.array(name);
  }

  read(name: string): Float32Array {
    const a = this.array(name);
    return toFloat32(this.bytes(a, a.begin, a.end - a.begin), a);
  }

  readRows(name: string, rows: ArrayLike<number>): Float32Array {
    const a = this.array(name);
    const rowElems = numel(a.shape.slice(1));
    const rowBytes = rowElems * DESCR[`<${a.descr}`].bytes;
    const out = new Float32Array(rows.length * rowElems);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!Number.isInteger(r) || r < 0 || r >= a.shape[0]) throw new EngineError('badInput', `Row ${r} of "${name}" is out of range (it has ${a.shape[0]} rows).`);
      out.set(toFloat32(this.bytes(a, a.begin + r * rowBytes, rowBytes), a), i * rowElems);
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.inflated = undefined;
  }

  private array(name: string): NpyArray {
    const known = this.arrays.get(name);
    if (known) return known;
    const entry = this.entries.get(`${name}.npy`);
    if (!entry) throw new EngineError('missingTensor', `Array "${name}" is missing from ${this.file}.`);
    const start = this.dataStart(entry);
    const head = entry.method === 0 ? this.readAt(start, Math.min(entry.size, 4096)) : this.entryBytes(entry).subarray(0, 4096);
    const a = parseNpyHeader(head, name, this.file, entry, entry.method === 0 ? start : 0);
    this.arrays.set(name, a);
    return a;
  }

  /** bytes of an array at offsets relative to the file (stored) or to the inflated entry (deflated) */
  private bytes(a: NpyArray, begin: number, length: number): Uint8Array {
    if (a.entry.method === 0) return this.readAt(begin, length);
    return this.entryBytes(a.entry).slice(begin, begin + length);
  }

  private entryBytes(entry: Entry): Uint8Array {
    if (this.inflated?.name !== entry.name) {
      const raw = this.readAt(this.dataStart(entry), entry.compressed);
      let bytes: Uint8Array;
      try {
        bytes = zlib.inflateRawSync(raw);
      } catch (e) {
        throw new EngineError('badFile', `${this.file}: ${entry.name} could not be inflated (${(e as Error).message}).`);
      }
      this.inflated = { name: entry.name, bytes };
    }
    return this.inflated.bytes;
  }

  private dataStart(entry: Entry): number {
    const h = this.readAt(entry.localHeader, 30);
    const v = new DataView(h.buffer, h.byteOffset, 30);
    if (v.getUint32(0, true) !== 0x04034b50) throw new EngineError('badFile', `${this.file} is not a valid npz file: bad local header for ${entry.name}.`);
    if (entry.method !== 0 && entry.method !== 8) {
      throw new EngineError('unsupported', `${this.file}: ${entry.name} uses zip compression method ${entry.method}; only stored and deflated arrays are supported.`);
    }
    return entry.localHeader + 30 + v.getUint16(26, true) + v.getUint16(28, true);
  }

  private readAt(position: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new EngineError('internal', `${this.file} was already closed.`);
    return readFully(this.fd, this.file, position, length);
  }
}

function readCentralDirectory(fd: number, file: string): Map<string, Entry> {
  const bad = (why: string) => new EngineError('badFile', `${file} is not a valid npz (zip) file: ${why}.`);
  const size = fs.fstatSync(fd).size;
  const tailLen = Math.min(size, 65557);
  const tail = Buffer.alloc(tailLen);
  fs.readSync(fd, tail, 0, tailLen, size - tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw bad('no end-of-central-directory record (truncated?)');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (eocd >= 20 && tail.readUInt32LE(eocd - 20) === 0x07064b50) {
    const z = Buffer.alloc(56);
    fs.readSync(fd, z, 0, 56, Number(tail.readBigUInt64LE(eocd - 12)));
    if (z.readUInt32LE(0) !== 0x06064b50) throw bad('bad zip64 end-of-central-directory record');
    count = Number(z.readBigUInt64LE(32));
    cdSize = Number(z.readBigUInt64LE(40));
    cdOffset = Number(z.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > size) throw bad('the central directory lies past the end of the file (truncated?)');
  const cd = Buffer.alloc(cdSize);
  fs.readSync(fd, cd, 0, cdSize, cdOffset);
  const entries = new Map<string, Entry>();
  for (let i = 0, p = 0; i < count; i++) {
    if (cd.readUInt32LE(p) !== 0x02014b50) throw bad('bad central directory entry');
    const method = cd.readUInt16LE(p + 10);
    let compressed = cd.readUInt32LE(p + 20);
    let uncompressed = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeader = cd.readUInt32LE(p + 42);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    // zip64 extra (0x0001): the fields that are 0xFFFFFFFF above, in this order
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (uncompressed === 0xffffffff) (uncompressed = Number(cd.readBigUInt64LE(q))), (q += 8);
        if (compressed === 0xffffffff) (compressed = Number(cd.readBigUInt64LE(q))), (q += 8);
        if (localHeader === 0xffffffff) localHeader = Number(cd.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressed, size: uncompressed, localHeader });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function parseNpyHeader(b: Uint8Array, name: string, file: string, entry: Entry, base: number): NpyArray {
  const bad = (why: string) => new EngineError('badFile', `Array "${name}" in ${file} is not a valid .npy: ${why}.`);
  if (b[0] !== 0x93 || String.fromCharCode(...b.subarray(1, 6)) !== 'NUMPY') throw bad('no NUMPY magic');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const major = b[6];
  const headerLen = major === 1 ? v.getUint16(8, true) : v.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > b.length) throw bad('its header is too long');
  const header = Buffer.from(b.subarray(start, start + headerLen)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw bad(`unreadable header ${JSON.stringify(header.trim())}`);
  const kind = DESCR[descr];
  if (!kind) throw new EngineError('unsupported', `Array "${name}" in ${file} has dtype ${descr}; only float32, float16 and float64 arrays are supported.`);
  if (fortran === 'True') throw new EngineError('unsupported', `Array "${name}" in ${file} is stored in Fortran order; only C order is supported.`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const begin = base + start + headerLen;
  const length = numel(shape) * kind.bytes;
  if (start + headerLen + length > entry.size) throw bad(`its data (${length} bytes) does not fit its ${entry.size}-byte entry`);
  return { name, dtype: kind.dtype, shape, begin, end: begin + length, descr: kind.descr, entry };
}

function toFloat32(bytes: Uint8Array, a: NpyArray): Float32Array {
  if (a.descr === 'f4') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  if (a.descr === 'f8') return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8));
  const src = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] = exp === 0 ? sign * frac * 2 ** -24 : exp === 0x1f ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}
