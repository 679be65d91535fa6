// Norms with an optionally frozen scale, and their transposes for the linear backward (scale frozen).
// LayerNorm (GPT-2): (x − mean)/s · w + b, s = sqrt(var + eps). RMSNorm: x/s · gain, s = sqrt(mean(x²) + eps), with
// gain w (Llama, Qwen3: `LlamaRMSNorm`) or 1 + w (Gemma: `Gemma2RMSNorm`). Frozen, as circuit-tracer freezes
// `hook_scale` / the norm's rsqrt: the centring still runs (it is linear) and s is the given constant.
import type { GraphBuilder } from '../../onnx/builder';

export interface NormOut {
  /** the norm's output (gain and bias applied) */
  out: string;
  /** before gain and bias: TransformerLens' `hook_normalized` */
  normalized: string;
  /** [.., 1] */
  scale: string;
}

export function layerNorm(g: GraphBuilder, x: string, w: string, b: string, eps: number, frozenScale?: string): NormOut {
  const centred = g.sub(x, g.reduceMean(x, [-1]));
  const scale = frozenScale ?? g.sqrt(g.add(g.reduceMean(g.mul(centred, centred), [-1]), g.scalar(eps)));
  const normalized = g.div(centred, scale);
  return { out: g.add(g.mul(normalized, w), b), normalized, scale };
}

/** RMSNorm; `gain` is the effective multiplier (w, or 1 + w folded in by the family at load time) */
export function rmsNorm(g: GraphBuilder, x: string, gain: string | undefined, eps: number, frozenScale?: string): NormOut {
  const scale = frozenScale ?? g.sqrt(g.add(g.reduceMean(g.mul(x, x), [-1]), g.scalar(eps)));
  const normalized = g.div(x, scale);
  return { out: gain ? g.mul(normalized, gain) : normalized, normalized, scale };
}

/** transpose of x ↦ LayerNorm(x) with s frozen, from the output (`withGain`) or from `hook_normalized` */
export function layerNormT(g: GraphBuilder, grad: string, gain: string | undefined, scale: string): string {
  const y = g.div(gain ? g.mul(grad, gain) : grad, scale);
  return g.sub(y, g.reduceMean(y, [-1]));
}

/** transpose of x ↦ RMSNorm(x) with s frozen: g·gain/s (or g/s from `hook_normalized`) */
export function rmsNormT(g: GraphBuilder, grad: string, gain: string | undefined, scale: string): string {
  return g.div(gain ? g.mul(grad, gain) : grad, scale);
}

/** the gain of a Gemma-style norm, 1 + w, in fp32 as `Gemma2RMSNorm` computes it */
export function onePlus(w: Float32Array): Float32Array {
  return Float32Array.from(w, (v) => 1 + v);
}
