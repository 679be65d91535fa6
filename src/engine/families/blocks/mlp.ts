// MLPs: GPT-2's gelu_new, and the gated MLPs of Llama/Qwen3 (SwiGLU) and Gemma (GeGLU, tanh-approximated GELU):
// down(act(gate(x)) ⊙ up(x)), weights [out, in] as HF stores them, no biases.
import type { GraphBuilder } from '../../onnx/builder';
import { forwardNames, type ForwardSpec } from '../../onnx/forward';
import { linearT } from './linear';

/** GPT-2's tanh approximation of GELU, = `gelu_pytorch_tanh`: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) */
export function geluTanh(g: GraphBuilder, x: string): string {
  const cube = g.mul(g.mul(x, x), x);
  const inner = g.mul(g.add(x, g.mul(cube, g.scalar(0.044715))), g.scalar(Math.sqrt(2 / Math.PI)));
  return g.mul(g.mul(x, g.scalar(0.5)), g.add(g.tanh(inner), g.scalar(1)));
}

/** silu(x) = x·σ(x) */
export function silu(g: GraphBuilder, x: string): string {
  return g.mul(x, g.op('Sigmoid', [x]));
}

export type GatedActivation = 'silu' | 'gelu_pytorch_tanh';

/** HF activation names accepted for a gated MLP */
export const GATED_ACTIVATIONS: Record<string, GatedActivation> = { silu: 'silu', swish: 'silu', gelu_pytorch_tanh: 'gelu_pytorch_tanh' };

/** down(act(gate(x)) ⊙ up(x)); gate/up [F, d], down [d, F] */
export function gatedMlp(g: GraphBuilder, x: string, W: { gate: string; up: string; down: string }, d: number, F: number, act: GatedActivation): string {
  const gate = linearT(g, x, W.gate, d, F);
  const a = act === 'silu' ? silu(g, gate) : geluTanh(g, gate);
  return linearT(g, g.mul(a, linearT(g, x, W.up, d, F)), W.down, F, d);
}

/**
 * The end of every block, whatever the family: an intervention's edit and the delta input act on the MLP output
 * (`ForwardSpec.editMlpOut`, `mlpOutDelta`), which is emitted as `mlp_out.{l}` and added to the residual stream.
 * Returns the residual after the block.
 */
export function addMlpOut(
  g: GraphBuilder,
  spec: ForwardSpec,
  layer: number,
  dModel: number,
  at: { residMid: string; mlpIn: string; mlpNormalized: string; mlpOut: string },
  emit: (value: string, name: string) => void,
): string {
  let out = spec.editMlpOut ? spec.editMlpOut(g, layer, at) : at.mlpOut;
  if (spec.mlpOutDelta) out = g.add(out, g.input(forwardNames.mlpOutDelta(layer), ['fb', 'pos', dModel]));
  emit(out, forwardNames.mlpOut(layer));
  return g.add(at.residMid, out);
}
