// Graph pieces shared by the architectures' forward graphs: positions and the causal mask, LayerNorm with an
// optionally frozen scale, gelu_new, and attention by heads with an optionally frozen pattern.
import type { GraphBuilder } from './builder';

/** positions 0…P−1 ([P], int64) and the causal mask ([P, P], true where key ≤ query) for ids [B, P] */
export function positionsAndMask(g: GraphBuilder, ids: string): { positions: string; causal: string } {
  const nPos = g.op('Squeeze', [g.slice(g.op('Shape', [ids]), [1], [2], [0])]); // scalar P
  const positions = g.op('Range', [g.constant(new BigInt64Array([0n]), []), nPos, g.constant(new BigInt64Array([1n]), [])]); // [P]
  const causal = g.op('LessOrEqual', [g.unsqueeze(positions, [0]), g.unsqueeze(positions, [1])]); // [P(query), P(key)]
  return { positions, causal };
}

/**
 * LayerNorm over the last axis: (x − mean) / scale · w + b with scale = sqrt(var + eps), shape [..., 1].
 * With `frozenScale` the centring still runs (it is linear) and the scale is the given constant, as circuit-tracer
 * freezes `hook_scale`. https://arxiv.org/abs/1607.06450
 */
export function layerNorm(
  g: GraphBuilder,
  x: string,
  w: string,
  b: string,
  eps: number,
  frozenScale?: string,
): { out: string; scale: string } {
  const centred = g.sub(x, g.reduceMean(x, [-1]));
  const scale = frozenScale ?? g.sqrt(g.add(g.reduceMean(g.mul(centred, centred), [-1]), g.scalar(eps)));
  return { out: g.add(g.mul(g.div(centred, scale), w), b), scale };
}

/** GPT-2's tanh approximation of GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) */
export function geluNew(g: GraphBuilder, x: string): string {
  const cube = g.mul(g.mul(x, x), x);
  const inner = g.mul(g.add(x, g.mul(cube, g.scalar(0.044715))), g.scalar(Math.sqrt(2 / Math.PI)));
  return g.mul(g.mul(x, g.scalar(0.5)), g.add(g.tanh(inner), g.scalar(1)));
}

/** [B, P, H·dh] → [B, H, P, dh] */
export function splitHeads(g: GraphBuilder, t: string, nHeads: number, dHead: number): string {
  return g.transpose(g.reshape(t, [0, 0, nHeads, dHead]), [0, 2, 1, 3]);
}

/** [B, H, P, dh] → [B, P, H·dh] */
export function mergeHeads(g: GraphBuilder, t: string, dModel: number): string {
  return g.reshape(g.transpose(t, [0, 2, 1, 3]), [0, 0, dModel]);
}

/** softmax(q·kᵀ/√dh) over the keys a query may see: [B, H, P, P] */
export function causalPattern(g: GraphBuilder, q: string, k: string, dHead: number, causal: string): string {
  const scores = g.mul(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), g.scalar(1 / Math.sqrt(dHead))); // [B, H, P, P]
  const masked = g.where(causal, scores, g.scalar(-Infinity));
  return g.softmax(masked, -1);
}

/** x [B, P, d] · W [d, n] + b: a Conv1D / Linear layer with weights laid out for x·W */
export function linear(g: GraphBuilder, x: string, W: string, b: string): string {
  return g.add(g.matmul(x, W), b);
}
