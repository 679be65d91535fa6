// The linear backward pass of Gemma's local replacement model (contract: family.ts). circuit-tracer's Gemma mappings
// detach the rsqrt of every RMSNorm (input, post_attention, pre_feedforward, post_feedforward, final; Gemma-3's q/k
// norms too, which the frozen pattern makes moot) and the attention pattern, and cut the MLP at hook_mlp_out (the
// post_feedforward_layernorm output) with the transcoder skip as its only gradient path. With s frozen an RMSNorm
// is x ↦ x·gain/s, its own transpose. One layer, from the gradient after it to the gradient before it:
//   g_mid = g_in + J_uᵀ(g_in·W_skip)                          (u: the transcoder input, a linear map of resid_mid)
//   g_pre = g_mid + ln1ᵀ(OVᵀ(ln1_postᵀ(g_mid)))                (OV with the frozen pattern, GQA summed per kv head)
// The attention soft-cap lives inside the frozen pattern, so it drops out; so does the final logit soft-cap (targets
// are injected at the final norm's output, before it).
import { GraphBuilder } from '../../onnx/builder';
import { type BackwardLayerSpec, backwardNames as N } from '../family';
import { attentionOvT } from '../blocks/attention';
import { rmsNormT } from '../blocks/norms';
import type { GemmaConfig } from './config';
import type { GemmaWeights } from './weights';

export function gemmaBackwardLayerGraph(cfg: GemmaConfig, w: GemmaWeights, spec: BackwardLayerSpec): Uint8Array {
  const { dModel: d, nHeads: H, nKvHeads: nKv, dHead: dh } = cfg;
  const g = new GraphBuilder(`gemma_backward_${spec.layer}${spec.entry ? '_entry' : ''}`);
  const L = w.layers[spec.layer];
  const scale = (name: string) => g.input(N.scale(name), ['pos', 1]);

  /** transpose of u = J_in·resid_mid for the configured input hook (pre_feedforward_layernorm's input, x/s or output) */
  const inputTranspose = (gu: string): string => {
    if (spec.inputHook === 'hook_resid_mid') return gu;
    return rmsNormT(g, gu, spec.inputHook === 'ln2.hook_normalized' ? undefined : g.constant(L.ln2, [d]), scale('ln2'));
  };

  let gMid: string;
  if (spec.entry) {
    gMid = inputTranspose(g.input(N.inject, ['batch', 'pos', d]));
  } else {
    const gIn = g.input(N.gradIn, ['batch', 'pos', d]);
    const dec = g.input(N.decoders, ['pos', d, 'm']);
    g.output(g.matmul(g.transpose(gIn, [1, 0, 2]), dec), N.featureEdges, ['pos', 'batch', 'm']);
    g.output(g.reduceSum(g.mul(gIn, g.input(N.errors, ['pos', d])), [-1], 0), N.errorEdges, ['batch', 'pos']);
    gMid = spec.W_skip ? g.add(gIn, inputTranspose(g.matmul(gIn, g.constant(spec.W_skip, [d, d])))) : gIn;
  }

  const gO = rmsNormT(g, gMid, g.constant(L.ln1Post, [d]), scale('ln1_post'));
  const ov = {
    W_o: g.constant(L.W_o, [d, H * dh]),
    W_v: g.constant(L.W_v, [nKv * dh, d]),
    pattern: g.input(N.pattern, [1, H, 'pos', 'pos']),
  };
  const gA = attentionOvT(g, gO, ov, { nHeads: H, nKv, dHead: dh });
  const gOut = g.add(gMid, rmsNormT(g, gA, g.constant(L.ln1, [d]), scale('ln1')));
  g.output(gOut, N.gradOut, ['batch', 'pos', d]);
  if (spec.layer === 0) g.output(g.reduceSum(g.mul(gOut, g.input(N.tokens, ['pos', d])), [-1], 0), N.tokenEdges, ['batch', 'pos']);
  return g.toBytes();
}

/** a logit direction injected at the final norm's output becomes a gradient at the last residual stream */
export function gemmaBackwardTopGraph(cfg: GemmaConfig, w: GemmaWeights): Uint8Array {
  const g = new GraphBuilder('gemma_backward_top');
  const d = cfg.dModel;
  const inj = g.input(N.inject, ['batch', 'pos', d]);
  g.output(rmsNormT(g, inj, g.constant(w.norm, [d]), g.input(N.lnfScale, ['pos', 1])), N.gradOut, ['batch', 'pos', d]);
  return g.toBytes();
}
