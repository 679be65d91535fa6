// The linear backward pass of GPT-2's local replacement model (contract in family.ts, skeleton in blocks/backward.ts).
// GPT-2's norm is LayerNorm, x ↦ (x − mean x)·w/s + b, so with s frozen its transpose is g ↦ centre(g·w/s).
// Conv1D weights are [in, out]; the backward needs W_Oᵀ and W_Vᵀ, transposed once here.
import type { ModelConfig } from '../../model/config';
import { type BackwardLayerSpec, backwardNames as N } from '../family';
import { backwardLayerGraph, backwardTopGraph } from '../blocks/backward';
import { layerNormT } from '../blocks/norms';
import type { Gpt2Weights } from './weights';

const T = (m: Float32Array, rows: number, cols: number): Float32Array => {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
};

export function gpt2BackwardLayerGraph(cfg: ModelConfig, w: Gpt2Weights, spec: BackwardLayerSpec): Uint8Array {
  const { dModel: d, nHeads: H, dHead: dh } = cfg;
  const L = w.layers[spec.layer];
  return backwardLayerGraph('gpt2', d, spec, {
    input: (g, gu) => {
      if (spec.inputHook === 'hook_resid_mid') return gu;
      const gain = spec.inputHook === 'ln2.hook_normalized' ? undefined : g.constant(L.ln_2.w.data, [d]);
      return layerNormT(g, gu, gain, g.input(N.scale('ln2'), ['pos', 1]));
    },
    // attention with a frozen pattern is linear in the values: out = merge(P · split(ln_1(x)·W_V))·W_O
    attention: (g, gMid) => {
      const WV = new Float32Array(d * d);
      for (let r = 0; r < d; r++) WV.set(L.W_QKV.data.subarray(r * 3 * d + 2 * d, r * 3 * d + 3 * d), r * d);
      const gz = g.transpose(g.reshape(g.matmul(gMid, g.constant(T(L.W_O.data, d, d), [d, d])), [0, 0, H, dh]), [0, 2, 1, 3]); // [B, H, P, dh]
      const patternT = g.transpose(g.input(N.pattern, [1, H, 'pos', 'pos']), [0, 1, 3, 2]); // [1, H, key, query]
      const gv = g.reshape(g.transpose(g.matmul(patternT, gz), [0, 2, 1, 3]), [0, 0, d]); // [B, P, d]
      return layerNormT(g, g.matmul(gv, g.constant(T(WV, d, d), [d, d])), g.constant(L.ln_1.w.data, [d]), g.input(N.scale('ln1'), ['pos', 1]));
    },
  });
}

export function gpt2BackwardTopGraph(cfg: ModelConfig, w: Gpt2Weights): Uint8Array {
  return backwardTopGraph('gpt2', cfg.dModel, (g, grad, scale) => layerNormT(g, grad, g.constant(w.ln_f.w.data, [cfg.dModel]), scale));
}
