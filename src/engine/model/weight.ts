// A weight matrix in the precision its checkpoint stores it: fp32, or the 16-bit patterns of a BF16 / F16 tensor.
// Real checkpoints (Llama-3.2-1B, Qwen3, Gemma) are BF16 on disk; kept as 16 bits they take half the memory of fp32.
// Graphs take a 16-bit weight as an input (one copy, shared by every session of the model) and convert it to fp32
// inside onnxruntime where it is used (BitCast + Cast: exact), so no fp32 copy of the whole model is ever resident;
// JS reads rows of it (embeddings, unembedding columns) converted one row at a time.
import { EngineError } from '../errors';

export type HalfDtype = 'BF16' | 'F16';

/** the raw 16-bit values of a BF16 or F16 tensor, row-major */
export class HalfWeight {
  constructor(
    readonly bits: Uint16Array,
    readonly dtype: HalfDtype,
  ) {}

  get length(): number {
    return this.bits.length;
  }
}

export type Weight = Float32Array | HalfWeight;

export const isHalf = (w: Weight): w is HalfWeight => w instanceof HalfWeight;

/** bytes the weight holds */
export const weightBytes = (w: Weight): number => (isHalf(w) ? w.bits.byteLength : w.byteLength);

/** fp32 values of bf16 bits (exact) */
export function bf16ToFloat32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const u = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < src.length; i++) u[i] = src[i] << 16;
  return out;
}

/** fp32 value of an IEEE half (exact) */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** fp32 values of 16-bit patterns (exact) */
export function halfBitsToFloat32(src: Uint16Array, dtype: HalfDtype, out = new Float32Array(src.length)): Float32Array {
  if (dtype === 'BF16') return bf16ToFloat32(src, out);
  for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
  return out;
}

/** the whole weight as fp32 (a copy for 16-bit weights; the array itself for fp32): for small tensors only */
export function toFloat32(w: Weight): Float32Array {
  return isHalf(w) ? halfBitsToFloat32(w.bits, w.dtype) : w;
}

/** rows `rows` of a [n, width] weight as fp32, [rows.length, width] */
export function weightRows(w: Weight, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => {
    if (isHalf(w)) halfBitsToFloat32(w.bits.subarray(r * width, (r + 1) * width), w.dtype, out.subarray(i * width, (i + 1) * width));
    else out.set(w.subarray(r * width, (r + 1) * width), i * width);
  });
  return out;
}

/** mean over the rows of a [n, width] weight, accumulated in fp64, as fp32 [width] */
export function rowMean(w: Weight, n: number, width: number): Float32Array {
  const sum = new Float64Array(width);
  const row = new Float32Array(width);
  for (let v = 0; v < n; v++) {
    const r = isHalf(w) ? halfBitsToFloat32(w.bits.subarray(v * width, (v + 1) * width), w.dtype, row) : w.subarray(v * width, (v + 1) * width);
    for (let i = 0; i < width; i++) sum[i] += r[i];
  }
  return Float32Array.from(sum, (x) => x / n);
}

/** NaN or ±Infinity among 16-bit patterns: the index of the first, or −1 (exponent bits all ones) */
export function firstNonFinite(bits: Uint16Array, dtype: HalfDtype): number {
  const mask = dtype === 'BF16' ? 0x7f80 : 0x7c00;
  for (let i = 0; i < bits.length; i++) if ((bits[i] & mask) === mask) return i;
  return -1;
}

export function checkWeightLength(w: Weight, n: number, what: string): void {
  if (w.length !== n) throw new EngineError('internal', `${what}: ${w.length} values, expected ${n}`);
}
