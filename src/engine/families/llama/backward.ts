// The linear backward pass of Llama / Qwen3 (contract in family.ts, skeleton in blocks/backward.ts). With scales
// frozen, RMSNorm is x ↦ x·w/s, its transpose g ↦ g·w/s; attention is the OV path with the pattern frozen, GQA
// summing each kv head's query heads. Qwen3's q/k norms sit on the QK path only, which the frozen pattern removes.
import { type BackwardLayerSpec, backwardNames as N } from '../family';
import { attentionOvT } from '../blocks/attention';
import { backwardLayerGraph, backwardTopGraph } from '../blocks/backward';
import { rmsNormT } from '../blocks/norms';
import type { LlamaConfig } from './config';
import type { LlamaWeights } from './weights';

/** every layer weight is a fed input: one session serves all layers (blocks/backward.ts) */
const FED = { fed: true };

export function llamaBackwardLayerGraph(cfg: LlamaConfig, w: LlamaWeights, spec: BackwardLayerSpec): Uint8Array {
  const { dModel: d, nHeads: H, nKvHeads: Hkv, dHead: dh } = cfg;
  const L = w.layers[spec.layer];
  return backwardLayerGraph(cfg.architecture, d, spec, {
    input: (g, gu) => {
      if (spec.inputHook === 'hook_resid_mid') return gu;
      const gain = spec.inputHook === 'ln2.hook_normalized' ? undefined : g.weight(L.post_attention_layernorm, [d], 'ln2', FED);
      return rmsNormT(g, gu, gain, g.input(N.scale('ln2'), ['pos', 1]));
    },
    attention: (g, gMid) => {
      const o = { W_o: g.weight(L.o_proj, [d, H * dh], 'W_o', FED), W_v: g.weight(L.v_proj, [Hkv * dh, d], 'W_v', FED), pattern: g.input(N.pattern, [1, H, 'pos', 'pos']) };
      const gIn = attentionOvT(g, gMid, o, { nHeads: H, nKv: Hkv, dHead: dh });
      return rmsNormT(g, gIn, g.weight(L.input_layernorm, [d], 'ln1', FED), g.input(N.scale('ln1'), ['pos', 1]));
    },
  });
}

export function llamaBackwardTopGraph(cfg: LlamaConfig, w: LlamaWeights): Uint8Array {
  return backwardTopGraph(cfg.architecture, cfg.dModel, (g, grad, scale) => rmsNormT(g, grad, g.constant(w.norm, [cfg.dModel]), scale));
}
