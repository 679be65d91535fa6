// The Llama / Qwen3 forward pass as an ONNX graph, as transformers' LlamaDecoderLayer / Qwen3DecoderLayer:
// x = x + o_proj(attn(rope(q), rope(k), v)) with q, k, v from input_layernorm(x) (Qwen3: q, k RMS-normed per head
// before RoPE); x = x + down(silu(gate(m)) ⊙ up(m)) with m = post_attention_layernorm(x); logits = norm(x)·W_Uᵀ.
// References: transformers/models/llama/modeling_llama.py, models/qwen3/modeling_qwen3.py.
import { GraphBuilder } from '../../onnx/builder';
import { forwardNames as N, type ForwardSpec } from '../../onnx/forward';
import { applyRope, ropeInvFreq, ropeTables } from '../blocks/rope';
import { attentionPattern, expandKv, mergeHeads, positionsAndMask } from '../blocks/attention';
import { embedRows, linearT, linearTWeight } from '../blocks/linear';
import { addMlpOut, gatedMlp } from '../blocks/mlp';
import { rmsNorm } from '../blocks/norms';
import type { Weight } from '../../model/weight';
import type { LlamaConfig } from './config';
import type { LlamaWeights } from './weights';

export function llamaForwardGraph(cfg: LlamaConfig, w: LlamaWeights, spec: ForwardSpec = {}): Uint8Array {
  const g = new GraphBuilder(`${cfg.architecture}_forward`);
  const { nHeads: H, nKvHeads: Hkv, dHead: dh, dModel: d, dMlp: F, dVocab: V, normEps: eps } = cfg;
  const fz = spec.freeze ?? {};
  const all = spec.outputs !== 'logits';
  const c = (data: Weight, dims: number[], name: string) => g.weight(data, dims, name);
  const frozen = (output: string, on: boolean | undefined, dims: (number | string)[]) => (on ? g.input(N.frozen(output), dims) : undefined);
  const emit = (value: string, name: string) => {
    if (all) g.output(value, name);
  };

  const ids = g.input(N.inputIds, ['batch', 'pos'], 'int64');
  const { positions, causal } = positionsAndMask(g, ids);
  const rope = ropeTables(g, positions, ropeInvFreq(cfg.rope));
  let x = embedRows(g, w.embed, [V, d], ids, 'embed_tokens'); // [B, P, d]
  if (spec.embedDelta) x = g.add(x, g.input(N.embedDelta, ['fb', 'pos', d]));

  /** [B, P, n·dh] → [B, n, P, dh], RMS-normed per head (Qwen3) before the transpose, as HF does */
  const heads = (t: string, n: number, norm: Float32Array | undefined, name: string) => {
    let h = g.reshape(t, [0, 0, n, dh]);
    if (norm) h = rmsNorm(g, h, c(norm, [dh], name), eps).out;
    return g.transpose(h, [0, 2, 1, 3]);
  };

  w.layers.forEach((L, l) => {
    g.scope(`l${l}/`);
    const p = (t: Weight, dims: number[], name: string) => c(t, dims, `layers.${l}.${name}`);
    emit(x, N.residPre(l));
    const n1 = rmsNorm(g, x, p(L.input_layernorm, [d], 'input_layernorm'), eps, frozen(N.scale('ln1', l), fz.normScales, ['fb', 'pos', 1]));
    emit(n1.scale, N.scale('ln1', l));
    const q = applyRope(g, heads(linearT(g, n1.out, p(L.q_proj, [H * dh, d], 'q_proj'), d, H * dh), H, L.q_norm, `layers.${l}.q_norm`), rope, dh);
    const k = applyRope(g, heads(linearT(g, n1.out, p(L.k_proj, [Hkv * dh, d], 'k_proj'), d, Hkv * dh), Hkv, L.k_norm, `layers.${l}.k_norm`), rope, dh);
    const v = heads(linearT(g, n1.out, p(L.v_proj, [Hkv * dh, d], 'v_proj'), d, Hkv * dh), Hkv, undefined, '');
    const pattern =
      frozen(N.pattern(l), fz.patterns, ['fb', H, 'pos', 'pos']) ?? attentionPattern(g, q, expandKv(g, k, H, Hkv), causal, 1 / Math.sqrt(dh)); // [B, H, P, P]
    emit(pattern, N.pattern(l));
    const z = mergeHeads(g, g.matmul(pattern, expandKv(g, v, H, Hkv)), H * dh); // [B, P, H·dh]
    const attnOut = linearT(g, z, p(L.o_proj, [d, H * dh], 'o_proj'), H * dh, d);
    emit(attnOut, N.attnOut(l));
    x = g.add(x, attnOut);
    emit(x, N.residMid(l));

    const n2 = rmsNorm(g, x, p(L.post_attention_layernorm, [d], 'post_attention_layernorm'), eps, frozen(N.scale('ln2', l), fz.normScales, ['fb', 'pos', 1]));
    emit(n2.scale, N.scale('ln2', l));
    emit(n2.out, N.mlpIn(l));
    emit(n2.normalized, N.mlpNormalized(l));
    const W = { gate: p(L.gate_proj, [F, d], 'gate_proj'), up: p(L.up_proj, [F, d], 'up_proj'), down: p(L.down_proj, [d, F], 'down_proj') };
    const mlpOut = frozen(N.mlpOut(l), fz.mlpOut, ['fb', 'pos', d]) ?? gatedMlp(g, n2.out, W, d, F, cfg.gatedActivation);
    x = addMlpOut(g, spec, l, d, { residMid: x, mlpIn: n2.out, mlpNormalized: n2.normalized, mlpOut }, emit);
  });

  g.scope('final/');
  emit(x, N.residFinal);
  const nf = rmsNorm(g, x, c(w.norm, [d], 'norm'), eps, frozen(N.lnfScale, fz.normScales, ['fb', 'pos', 1]));
  emit(nf.scale, N.lnfScale);
  // a tied head is the embedding's graph value (weightRaw gives one value per array)
  g.output(linearTWeight(g, nf.out, w.unembed, d, V, w.unembed === w.embed ? undefined : 'lm_head'), N.logits, ['batch', 'pos', V]);
  return g.toBytes();
}
