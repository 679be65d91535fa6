// Attention pieces shared by the families: positions and masks, heads, grouped-query attention (GQA), the pattern
// with an optional soft-cap and sliding window, and the transpose of the OV path with the pattern frozen.
// Reference: transformers `eager_attention_forward` / `repeat_kv` (query head h reads kv head ⌊h / (H/H_kv)⌋).
import type { GraphBuilder } from '../../onnx/builder';

/** positions 0…P−1 ([P], int64) and the causal mask ([P, P], true where key ≤ query) for ids [B, P] */
export function positionsAndMask(g: GraphBuilder, ids: string): { positions: string; causal: string } {
  const nPos = g.op('Squeeze', [g.slice(g.op('Shape', [ids]), [1], [2], [0])]); // scalar P
  const positions = g.op('Range', [g.constant(new BigInt64Array([0n]), []), nPos, g.constant(new BigInt64Array([1n]), [])]); // [P]
  const causal = g.op('LessOrEqual', [g.unsqueeze(positions, [0]), g.unsqueeze(positions, [1])]); // [P(query), P(key)]
  return { positions, causal };
}

/** the causal mask restricted to a sliding window of W keys: key ≤ query and query − key < W */
export function slidingMask(g: GraphBuilder, positions: string, causal: string, window: number): string {
  const dist = g.sub(g.unsqueeze(positions, [1]), g.unsqueeze(positions, [0])); // [P(query), P(key)]: query − key
  const near = g.op('Less', [dist, g.constant(new BigInt64Array([BigInt(window)]), [])]);
  return g.op('And', [causal, near]);
}

/** [B, P, H·dh] → [B, H, P, dh] */
export function splitHeads(g: GraphBuilder, t: string, nHeads: number, dHead: number): string {
  return g.transpose(g.reshape(t, [0, 0, nHeads, dHead]), [0, 2, 1, 3]);
}

/** [B, H, P, dh] → [B, P, H·dh] */
export function mergeHeads(g: GraphBuilder, t: string, width: number): string {
  return g.reshape(g.transpose(t, [0, 2, 1, 3]), [0, 0, width]);
}

/** [B, H_kv, P, dh] → [B, H, P, dh]: each query head gets its kv head (repeat_kv) */
export function expandKv(g: GraphBuilder, t: string, nHeads: number, nKv: number): string {
  if (nHeads === nKv) return t;
  const group = nHeads / nKv;
  return g.gather(t, g.constant(BigInt64Array.from({ length: nHeads }, (_, h) => BigInt(Math.floor(h / group))), [nHeads]), 1);
}

/** softmax(q·kᵀ·scale [soft-capped: cap·tanh(s/cap)] masked) over keys: [B, H, P, P]; q, k [B, H, P, dh] */
export function attentionPattern(g: GraphBuilder, q: string, k: string, mask: string, scale: number, softcap?: number): string {
  let scores = g.mul(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), g.scalar(scale));
  if (softcap) scores = g.mul(g.tanh(g.div(scores, g.scalar(softcap))), g.scalar(softcap));
  return g.softmax(g.where(mask, scores, g.scalar(-Infinity)), -1);
}

/**
 * Transpose of the attention block with a frozen pattern, from the gradient at its output to the gradient at its
 * input (the pre-attention norm's output): out = merge(P · expand(x·W_vᵀ))·W_oᵀ. W_o [d, H·dh] and W_v [H_kv·dh, d]
 * as HF stores them (`o_proj`, `v_proj`); pattern [1, H, P, P].
 */
export function attentionOvT(
  g: GraphBuilder,
  grad: string,
  o: { W_o: string; W_v: string; pattern: string },
  dims: { nHeads: number; nKv: number; dHead: number },
): string {
  const { nHeads: H, nKv, dHead: dh } = dims;
  const gz = g.transpose(g.reshape(g.matmul(grad, o.W_o), [0, 0, H, dh]), [0, 2, 1, 3]); // [B, H, P, dh]
  let gv = g.matmul(g.transpose(o.pattern, [0, 1, 3, 2]), gz); // [B, H, P(key), dh]
  if (nKv !== H) gv = g.reduceSum(g.reshape(gv, [0, nKv, H / nKv, -1, dh]), [2], 0); // [B, H_kv, P, dh]
  return g.matmul(mergeHeads(g, gv, nKv * dh), o.W_v); // [B, P, d]
}
