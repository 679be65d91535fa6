// The engine's plain tensor: fp32 values, row-major, with their dimensions. Math outside onnxruntime uses these.

export interface Tensor {
  data: Float32Array;
  dims: number[];
}

export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** softmax over one row of logits (max-subtracted), in fp64 so that small probabilities keep their digits */
export function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
