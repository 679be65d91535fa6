// The Gemma-2 / Gemma-3 text forward pass as an ONNX graph, read top to bottom like Gemma2DecoderLayer.forward:
//   h = E[ids]·√d
//   h += post_attention_layernorm(attn(input_layernorm(h)))            → resid_mid
//   h += post_feedforward_layernorm(mlp(pre_feedforward_layernorm(h)))  → what the residual receives = hook_mlp_out
//   logits = cap·tanh(norm(h)·Eᵀ / cap)  (final soft-cap when configured)
// Attention (eager): q, k, v = x·Wᵀ per head [Gemma-3: q, k through per-head RMSNorms], RoPE (table per layer kind),
// scores·query_pre_attn_scalar^-½, [Gemma-2: cap·tanh(s/cap)], causal or sliding-window mask, softmax, GQA.
// Norm scales are outputs (ln1 = input, ln1_post = post_attention, ln2 = pre_feedforward, ln2_post =
// post_feedforward) and frozen inputs, as circuit-tracer detaches every norm's rsqrt.
import { GraphBuilder } from '../../onnx/builder';
import { forwardNames as N, type ForwardSpec } from '../../onnx/forward';
import { attentionPattern, expandKv, mergeHeads, positionsAndMask, slidingMask, splitHeads } from '../blocks/attention';
import { embedRows, linearT, linearTWeight } from '../blocks/linear';
import { addMlpOut, gatedMlp } from '../blocks/mlp';
import { rmsNorm } from '../blocks/norms';
import { applyRope, ropeInvFreq, ropeTables } from '../blocks/rope';
import type { Weight } from '../../model/weight';
import type { GemmaConfig } from './config';
import type { GemmaWeights } from './weights';

export function gemmaForwardGraph(cfg: GemmaConfig, w: GemmaWeights, spec: ForwardSpec = {}): Uint8Array {
  const g = new GraphBuilder(cfg.qkNorm ? 'gemma3_forward' : 'gemma2_forward');
  const { nHeads: H, nKvHeads: Hkv, dHead: dh, dModel: d, dMlp: F, dVocab: V, normEps: eps } = cfg;
  const fz = spec.freeze ?? {};
  const all = spec.outputs !== 'logits';
  const frozen = (output: string, on: boolean | undefined, dims: (number | string)[]) => (on ? g.input(N.frozen(output), dims) : undefined);
  const frozenScale = (name: string, l: number) => frozen(N.scale(name, l), fz.normScales, ['fb', 'pos', 1]);
  const emit = (value: string, name: string) => {
    if (all) g.output(value, name);
  };

  const ids = g.input(N.inputIds, ['batch', 'pos'], 'int64');
  const { positions, causal } = positionsAndMask(g, ids);
  let x = g.mul(embedRows(g, w.embed, [V, d], ids, 'embed_tokens'), g.scalar(cfg.embedScale)); // [B, P, d]
  if (spec.embedDelta) x = g.add(x, g.input(N.embedDelta, ['fb', 'pos', d]));
  const kinds = new Set(cfg.layerKinds);
  const rope = {
    full: kinds.has('full') ? ropeTables(g, positions, ropeInvFreq(cfg.ropeFull)) : undefined,
    sliding: kinds.has('sliding') ? ropeTables(g, positions, ropeInvFreq(cfg.ropeSliding)) : undefined,
  };
  const window = kinds.has('sliding') ? slidingMask(g, positions, causal, cfg.slidingWindow) : undefined;

  w.layers.forEach((L, l) => {
    g.scope(`layer${l}/`);
    const c = (data: Weight, dims: number[], name: string) => g.weight(data, dims, `layers.${l}.${name}`);
    const kind = cfg.layerKinds[l];
    emit(x, N.residPre(l));

    const ln1 = rmsNorm(g, x, c(L.ln1, [d], 'ln1'), eps, frozenScale('ln1', l));
    emit(ln1.scale, N.scale('ln1', l));
    let pattern = frozen(N.pattern(l), fz.patterns, ['fb', H, 'pos', 'pos']);
    const v = splitHeads(g, linearT(g, ln1.out, c(L.W_v, [Hkv * dh, d], 'W_v'), d, Hkv * dh), Hkv, dh); // [B, Hkv, P, dh]
    if (!pattern) {
      let q = splitHeads(g, linearT(g, ln1.out, c(L.W_q, [H * dh, d], 'W_q'), d, H * dh), H, dh); // [B, H, P, dh]
      let k = splitHeads(g, linearT(g, ln1.out, c(L.W_k, [Hkv * dh, d], 'W_k'), d, Hkv * dh), Hkv, dh);
      if (L.qNorm && L.kNorm) {
        q = rmsNorm(g, q, c(L.qNorm, [dh], 'q_norm'), eps).out;
        k = rmsNorm(g, k, c(L.kNorm, [dh], 'k_norm'), eps).out;
      }
      const table = rope[kind]!;
      q = applyRope(g, q, table, dh);
      k = expandKv(g, applyRope(g, k, table, dh), H, Hkv);
      pattern = attentionPattern(g, q, k, kind === 'sliding' ? window! : causal, Math.pow(cfg.queryPreAttnScalar, -0.5), cfg.attnSoftcap);
    }
    emit(pattern, N.pattern(l));
    const z = mergeHeads(g, g.matmul(pattern, expandKv(g, v, H, Hkv)), H * dh); // [B, P, H·dh]
    const post = rmsNorm(g, linearT(g, z, c(L.W_o, [d, H * dh], 'W_o'), H * dh, d), c(L.ln1Post, [d], 'ln1_post'), eps, frozenScale('ln1_post', l));
    emit(post.scale, N.scale('ln1_post', l));
    emit(post.out, N.attnOut(l));
    x = g.add(x, post.out);
    emit(x, N.residMid(l));

    const ln2 = rmsNorm(g, x, c(L.ln2, [d], 'ln2'), eps, frozenScale('ln2', l));
    emit(ln2.scale, N.scale('ln2', l));
    emit(ln2.out, N.mlpIn(l));
    emit(ln2.normalized, N.mlpNormalized(l));
    let mlpOut = frozen(N.mlpOut(l), fz.mlpOut, ['fb', 'pos', d]);
    if (mlpOut) {
      frozenScale('ln2_post', l); // fed with the others; unused when the MLP output itself is frozen
    } else {
      const down = gatedMlp(g, ln2.out, { gate: c(L.gate, [F, d], 'gate'), up: c(L.up, [F, d], 'up'), down: c(L.down, [d, F], 'down') }, d, F, 'gelu_pytorch_tanh');
      const post2 = rmsNorm(g, down, c(L.ln2Post, [d], 'ln2_post'), eps, frozenScale('ln2_post', l));
      emit(post2.scale, N.scale('ln2_post', l));
      mlpOut = post2.out;
    }
    x = addMlpOut(g, spec, l, d, { residMid: x, mlpIn: ln2.out, mlpNormalized: ln2.normalized, mlpOut }, emit);
  });

  g.scope('final/');
  emit(x, N.residFinal);
  const lnf = rmsNorm(g, x, g.constant(w.norm, [d], 'norm'), eps, frozen(N.lnfScale, fz.normScales, ['fb', 'pos', 1]));
  emit(lnf.scale, N.lnfScale);
  // a tied head is the embedding's graph value (weightRaw gives one value per array)
  let logits = linearTWeight(g, lnf.out, w.unembed, d, V, w.unembed === w.embed ? undefined : 'lm_head');
  if (cfg.finalSoftcap) logits = g.mul(g.tanh(g.div(logits, g.scalar(cfg.finalSoftcap))), g.scalar(cfg.finalSoftcap));
  g.output(logits, N.logits, ['batch', 'pos', V]);
  return g.toBytes();
}
