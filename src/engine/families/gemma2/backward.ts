// The linear backward pass of Gemma's local replacement model (contract in family.ts, skeleton in
// blocks/backward.ts). circuit-tracer's Gemma mappings detach the rsqrt of every RMSNorm (input, post_attention,
// pre_feedforward, post_feedforward, final; Gemma-3's q/k norms too, which the frozen pattern makes moot) and the
// attention pattern, and cut the MLP at hook_mlp_out (the post_feedforward_layernorm output) with the transcoder skip
// as its only gradient path, so post_feedforward_layernorm never appears here. With s frozen an RMSNorm is
// x ↦ x·gain/s, its own transpose. Through attention: g_pre += ln1ᵀ(OVᵀ(ln1_postᵀ(g_mid))), the OV path with the
// frozen pattern and GQA summed per kv head. The attention soft-cap lives inside the frozen pattern, and the final
// logit soft-cap after the point where targets are injected (the final norm's output), so both drop out.
import { type BackwardLayerSpec, backwardNames as N } from '../family';
import { attentionOvT } from '../blocks/attention';
import { backwardLayerGraph, backwardTopGraph } from '../blocks/backward';
import { rmsNormT } from '../blocks/norms';
import type { GemmaConfig } from './config';
import type { GemmaWeights } from './weights';

/** every layer weight is a fed input: one session serves all layers (blocks/backward.ts) */
const FED = { fed: true };

export function gemmaBackwardLayerGraph(cfg: GemmaConfig, w: GemmaWeights, spec: BackwardLayerSpec): Uint8Array {
  const { dModel: d, nHeads: H, nKvHeads: nKv, dHead: dh } = cfg;
  const L = w.layers[spec.layer];
  return backwardLayerGraph(cfg.architecture, d, spec, {
    // u is pre_feedforward_layernorm's input (hook_resid_mid), its x/s (ln2.hook_normalized) or its output (mlp.hook_in)
    input: (g, gu) => {
      if (spec.inputHook === 'hook_resid_mid') return gu;
      const gain = spec.inputHook === 'ln2.hook_normalized' ? undefined : g.weight(L.ln2, [d], 'ln2', FED);
      return rmsNormT(g, gu, gain, g.input(N.scale('ln2'), ['pos', 1]));
    },
    attention: (g, gMid) => {
      const gO = rmsNormT(g, gMid, g.weight(L.ln1Post, [d], 'ln1_post', FED), g.input(N.scale('ln1_post'), ['pos', 1]));
      const o = { W_o: g.weight(L.W_o, [d, H * dh], 'W_o', FED), W_v: g.weight(L.W_v, [nKv * dh, d], 'W_v', FED), pattern: g.input(N.pattern, [1, H, 'pos', 'pos']) };
      const gA = attentionOvT(g, gO, o, { nHeads: H, nKv, dHead: dh });
      return rmsNormT(g, gA, g.weight(L.ln1, [d], 'ln1', FED), g.input(N.scale('ln1'), ['pos', 1]));
    },
  });
}

export function gemmaBackwardTopGraph(cfg: GemmaConfig, w: GemmaWeights): Uint8Array {
  return backwardTopGraph(cfg.architecture, cfg.dModel, (g, grad, scale) => rmsNormT(g, grad, g.constant(w.norm, [cfg.dModel]), scale));
}
