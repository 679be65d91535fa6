// The GPT-2 forward pass as an ONNX graph, read top to bottom like nanoGPT's `Block.forward`:
// x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)); logits = ln_f(x) · wteᵀ. Weights are initializers.
// Reference: https://github.com/openai/gpt-2/blob/master/src/model.py
import type { ModelConfig } from '../../model/config';
import { GraphBuilder } from '../../onnx/builder';
import { forwardNames as N, type ForwardSpec } from '../../onnx/forward';
import type { Tensor } from '../../tensor';
import { attentionPattern, mergeHeads, positionsAndMask, splitHeads } from '../blocks/attention';
import { linear } from '../blocks/linear';
import { addMlpOut, geluTanh } from '../blocks/mlp';
import { layerNorm } from '../blocks/norms';
import type { Gpt2Weights } from './weights';

export function gpt2ForwardGraph(cfg: ModelConfig, w: Gpt2Weights, spec: ForwardSpec = {}): Uint8Array {
  const g = new GraphBuilder('gpt2_forward');
  const { nHeads: H, dHead: dh, dModel: d, dVocab: V, normEps: eps } = cfg;
  const fz = spec.freeze ?? {};
  const all = spec.outputs !== 'logits';
  const param = (t: Tensor, name: string) => g.constant(t.data, t.dims, name);
  const frozen = (output: string, on: boolean | undefined, dims: (number | string)[]) => (on ? g.input(N.frozen(output), dims) : undefined);
  const emit = (value: string, name: string) => {
    if (all) g.output(value, name);
  };

  const ids = g.input(N.inputIds, ['batch', 'pos'], 'int64');
  const { positions, causal } = positionsAndMask(g, ids);
  const wte = param(w.wte, 'wte');
  let embed = g.gather(wte, ids);
  if (spec.embedDelta) embed = g.add(embed, g.input(N.embedDelta, ['fb', 'pos', d]));
  let x = g.add(embed, g.gather(param(w.wpe, 'wpe'), positions)); // [B, P, d]

  w.layers.forEach((L, l) => {
    g.scope(`h${l}/`);
    const p = (t: Tensor, name: string) => param(t, `h.${l}.${name}`);
    emit(x, N.residPre(l));

    const ln1 = layerNorm(g, x, p(L.ln_1.w, 'ln_1.w'), p(L.ln_1.b, 'ln_1.b'), eps, frozen(N.ln1Scale(l), fz.normScales, ['fb', 'pos', 1]));
    emit(ln1.scale, N.ln1Scale(l));
    const qkv = linear(g, ln1.out, p(L.W_QKV, 'W_QKV'), p(L.b_QKV, 'b_QKV')); // [B, P, 3d]
    const [q, k, v] = g.split(qkv, [d, d, d], 2).map((t) => splitHeads(g, t, H, dh)); // each [B, H, P, dh]
    const pattern = frozen(N.pattern(l), fz.patterns, ['fb', H, 'pos', 'pos']) ?? attentionPattern(g, q, k, causal, 1 / Math.sqrt(dh)); // [B, H, P, P]
    emit(pattern, N.pattern(l));
    const z = mergeHeads(g, g.matmul(pattern, v), d); // [B, P, d]
    const attnOut = linear(g, z, p(L.W_O, 'W_O'), p(L.b_O, 'b_O'));
    emit(attnOut, N.attnOut(l));
    x = g.add(x, attnOut);
    emit(x, N.residMid(l));

    const ln2 = layerNorm(g, x, p(L.ln_2.w, 'ln_2.w'), p(L.ln_2.b, 'ln_2.b'), eps, frozen(N.ln2Scale(l), fz.normScales, ['fb', 'pos', 1]));
    emit(ln2.scale, N.ln2Scale(l));
    emit(ln2.out, N.mlpIn(l));
    emit(ln2.normalized, N.mlpNormalized(l));
    const mlpOut =
      frozen(N.mlpOut(l), fz.mlpOut, ['fb', 'pos', d]) ??
      linear(g, geluTanh(g, linear(g, ln2.out, p(L.W_in, 'W_in'), p(L.b_in, 'b_in'))), p(L.W_out, 'W_out'), p(L.b_out, 'b_out')); // [B, P, d]
    x = addMlpOut(g, spec, l, d, { residMid: x, mlpIn: ln2.out, mlpNormalized: ln2.normalized, mlpOut }, emit);
  });

  g.scope('final/');
  emit(x, N.residFinal);
  const lnf = layerNorm(g, x, param(w.ln_f.w, 'ln_f.w'), param(w.ln_f.b, 'ln_f.b'), eps, frozen(N.lnfScale, fz.normScales, ['fb', 'pos', 1]));
  emit(lnf.scale, N.lnfScale);
  const unembed = w.lm_head === w.wte ? wte : param(w.lm_head, 'lm_head');
  g.output(unembedAll(g, lnf.out, unembed, d, V), N.logits, ['batch', 'pos', V]);
  return g.toBytes();
}

/** x [B, P, d] · Wᵀ with W [V, d], without materialising a transposed copy of W: [B, P, V] */
function unembedAll(g: GraphBuilder, x: string, W: string, d: number, V: number): string {
  const flat = g.reshape(x, [-1, d]); // [B·P, d]
  const logits = g.op('Gemm', [flat, W], { transB: 1 }); // [B·P, V]
  const bp = g.slice(g.op('Shape', [x]), [0], [2], [0]); // [B, P]
  return g.op('Reshape', [logits, g.concat([bp, g.ints([V])], 0)]);
}
