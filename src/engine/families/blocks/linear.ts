// Linear layers. HF `nn.Linear` stores W as [out, in] (y = x·Wᵀ); GPT-2's Conv1D stores [in, out] (y = x·W).
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
