// The linear backward pass of GPT-2's local replacement model, one ONNX graph per layer step, batched over targets.
// With attention patterns and LayerNorm scales frozen and the MLP replaced by its transcoder skip, the map from
// writes (MLP outputs, embeddings) to reads (transcoder inputs, ln_f output) is linear; these graphs are its
// vector-Jacobian product written by hand (circuit-tracer.md §1.10, with LayerNorm's centring kept: GPT-2's norm is
// x ↦ (x − mean x)·w/s, so its transpose is g ↦ centre(g·w/s)). g is always the gradient at the residual stream.
import type { ModelConfig } from '../model/config';
import type { Gpt2Weights } from '../model/gpt2';
import type { InputHook } from '../model/transcoders';
import { GraphBuilder } from './builder';

export const backwardNames = {
  /** [B, P, d]: gradient at the residual after the layer (input of a `through` step) */
  gradIn: 'grad_in',
  /** [B, P, d]: gradient injected at the transcoder input u_l (entry step) or at the ln_f output (top step) */
  inject: 'inject',
  /** [B, P, d]: gradient at the residual before the layer (output) */
  gradOut: 'grad_out',
  pattern: 'pattern', // [1, H, P, P] frozen attention pattern (query, key)
  ln1Scale: 'ln1_scale', // [P, 1]
  ln2Scale: 'ln2_scale', // [P, 1]
  lnfScale: 'lnf_scale', // [P, 1]
  /** [P, d, M]: activation-scaled decoder vectors writing to this layer, grouped by position, zero-padded to M */
  decoders: 'decoders',
  errors: 'errors', // [P, d]
  tokens: 'tokens', // [P, d] token embedding vectors W_E[id]
  featureEdges: 'feature_edges', // [P, B, M]
  errorEdges: 'error_edges', // [B, P]
  tokenEdges: 'token_edges', // [B, P]
} as const;

export interface BackwardLayerSpec {
  layer: number;
  /** `entry`: targets are injected at this layer's transcoder input and nothing arrives from above */
  entry: boolean;
  inputHook: InputHook;
  /** [d, d] transcoder skip, used as skip(u) = u·W_skipᵀ */
  W_skip?: Float32Array;
}

const T = (m: Float32Array, rows: number, cols: number): Float32Array => {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
};

/** one layer of the backward pass: from the gradient after layer l to the gradient before it, with the edges of l */
export function gpt2BackwardLayerGraph(cfg: ModelConfig, w: Gpt2Weights, spec: BackwardLayerSpec): Uint8Array {
  const { dModel: d, nHeads: H, dHead: dh } = cfg;
  const N = backwardNames;
  const g = new GraphBuilder(`gpt2_backward_${spec.layer}${spec.entry ? '_entry' : ''}`);
  const L = w.layers[spec.layer];
  const centre = (y: string) => g.sub(y, g.reduceMean(y, [-1]));

  /** transpose of u = J_in·resid_mid for the configured input hook */
  const inputTranspose = (gu: string): string => {
    if (spec.inputHook === 'hook_resid_mid') return gu;
    const ln2Scale = g.input(N.ln2Scale, ['pos', 1]);
    if (spec.inputHook === 'ln2.hook_normalized') return centre(g.div(gu, ln2Scale));
    return centre(g.div(g.mul(gu, g.constant(L.ln_2.w.data, [d])), ln2Scale));
  };

  let gMid: string;
  if (spec.entry) {
    gMid = inputTranspose(g.input(N.inject, ['batch', 'pos', d]));
  } else {
    const gIn = g.input(N.gradIn, ['batch', 'pos', d]);
    // edges of sources writing to this layer's MLP output: the gradient there is gIn itself
    const dec = g.input(N.decoders, ['pos', d, 'm']);
    g.output(g.matmul(g.transpose(gIn, [1, 0, 2]), dec), N.featureEdges, ['pos', 'batch', 'm']);
    g.output(g.reduceSum(g.mul(gIn, g.input(N.errors, ['pos', d])), [-1], 0), N.errorEdges, ['batch', 'pos']);
    gMid = spec.W_skip ? g.add(gIn, inputTranspose(g.matmul(gIn, g.constant(spec.W_skip, [d, d])))) : gIn;
  }

  // attention with a frozen pattern is linear in the values: out = merge(P · split(ln_1(x)·W_V))·W_O
  const WOt = g.constant(T(L.W_O.data, d, d), [d, d]);
  const WV = new Float32Array(d * d);
  for (let r = 0; r < d; r++) WV.set(L.W_QKV.data.subarray(r * 3 * d + 2 * d, r * 3 * d + 3 * d), r * d);
  const WVt = g.constant(T(WV, d, d), [d, d]);
  const gz = g.transpose(g.reshape(g.matmul(gMid, WOt), [0, 0, H, dh]), [0, 2, 1, 3]); // [B, H, P, dh]
  const patternT = g.transpose(g.input(N.pattern, [1, H, 'pos', 'pos']), [0, 1, 3, 2]); // [1, H, key, query]
  const gv = g.reshape(g.transpose(g.matmul(patternT, gz), [0, 2, 1, 3]), [0, 0, d]); // [B, P, d]
  const gLn1 = g.matmul(gv, WVt);
  const ln1 = centre(g.div(g.mul(gLn1, g.constant(L.ln_1.w.data, [d])), g.input(N.ln1Scale, ['pos', 1])));
  const gOut = g.add(gMid, ln1);
  g.output(gOut, N.gradOut, ['batch', 'pos', d]);
  if (spec.layer === 0) g.output(g.reduceSum(g.mul(gOut, g.input(N.tokens, ['pos', d])), [-1], 0), N.tokenEdges, ['batch', 'pos']);
  return g.toBytes();
}

/** the top of the backward pass: a logit direction injected at the ln_f output becomes a gradient at the last residual */
export function gpt2BackwardTopGraph(cfg: ModelConfig, w: Gpt2Weights): Uint8Array {
  const N = backwardNames;
  const g = new GraphBuilder('gpt2_backward_top');
  const inj = g.input(N.inject, ['batch', 'pos', cfg.dModel]);
  const y = g.div(g.mul(inj, g.constant(w.ln_f.w.data, [cfg.dModel])), g.input(N.lnfScale, ['pos', 1]));
  g.output(g.sub(y, g.reduceMean(y, [-1])), N.gradOut, ['batch', 'pos', cfg.dModel]);
  return g.toBytes();
}
