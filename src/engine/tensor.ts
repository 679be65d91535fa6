// The engine's plain tensor: fp32 values, row-major, with their dimensions. Math outside onnxruntime uses these.

export interface Tensor {
  data: Float32Array;
  dims: number[];
}

export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
