// Linear layers. HF `nn.Linear` stores W as [out, in] (y = x·Wᵀ); GPT-2's Conv1D stores [in, out] (y = x·W).
import { isHalf, type Weight } from '../../model/weight';
import type { GraphBuilder } from '../../onnx/builder';

/** x [B, P, d] · W [d, n] + b: a Conv1D layer (weights laid out for x·W) */
export function linear(g: GraphBuilder, x: string, W: string, b: string): string {
  return g.add(g.matmul(x, W), b);
}

/** x [B, P, m] · Wᵀ with W [r, m] as stored (no transposed copy): [B, P, r] */
export function linearT(g: GraphBuilder, x: string, W: string, m: number, r: number): string {
  const flat = g.reshape(x, [-1, m]);
  const y = g.op('Gemm', [flat, W], { transB: 1 });
  const bp = g.slice(g.op('Shape', [x]), [0], [2], [0]);
  return g.op('Reshape', [y, g.concat([bp, g.ints([r])], 0)]);
}

/** rows `ids` [B, P] of a [V, d] weight, fp32 [B, P, d]; of a 16-bit table only the gathered rows are converted */
export function embedRows(g: GraphBuilder, w: Weight, dims: [number, number], ids: string, name?: string): string {
  return g.toFloat(g.gather(g.weightRaw(w, dims, name), ids), w);
}

/** row blocks in which a 16-bit head is converted to fp32 (16384 rows of 2304: 144 MiB) */
export const HEAD_BLOCK_ROWS = 16384;

/**
 * linearT for a large weight W [r, m] as stored (the unembedding): a 16-bit W is converted to fp32 one block of rows
 * at a time, so no fp32 copy of the whole matrix exists (onnxruntime's arena would keep its peak for the session).
 */
export function linearTWeight(g: GraphBuilder, x: string, w: Weight, m: number, r: number, name?: string, blockRows = HEAD_BLOCK_ROWS): string {
  if (!isHalf(w) || r <= blockRows) return linearT(g, x, g.weight(w, [r, m], name), m, r);
  const bp = g.slice(g.op('Shape', [x]), [0], [2], [0]);
  return g.op('Reshape', [gemmTWeight(g, g.reshape(x, [-1, m]), w, m, r, name, blockRows), g.concat([bp, g.ints([r])], 0)]);
}

/** x [N, m] · Wᵀ, [N, r], for a large weight W [r, m] as stored, in row blocks as linearTWeight */
export function gemmTWeight(g: GraphBuilder, x: string, w: Weight, m: number, r: number, name?: string, blockRows = HEAD_BLOCK_ROWS): string {
  if (!isHalf(w) || r <= blockRows) return g.op('Gemm', [x, g.weight(w, [r, m], name)], { transB: 1 });
  const raw = g.weightRaw(w, [r, m], name);
  const parts: string[] = [];
  for (let r0 = 0; r0 < r; r0 += blockRows) {
    const block = g.toFloat(g.slice(raw, [r0], [Math.min(r, r0 + blockRows)], [0]), w);
    parts.push(g.op('Gemm', [x, block], { transB: 1 }));
  }
  return g.concat(parts, 1);
}
