// The forward graph's contract, shared by every architecture: what can be frozen or perturbed, the names of its
// inputs and outputs, and the per-layer activations one run returns.
import type { GraphBuilder } from './builder';
import type { Fetched } from './session';

/**
 * Variants of the forward graph. Frozen values are read from graph inputs named `forwardNames.frozen(output)`
 * instead of being computed: circuit-tracer's local replacement model freezes attention patterns and norm scales;
 * a frozen MLP output replaces the MLP entirely. Inputs with batch dimension 1 broadcast over the batch.
 */
export interface ForwardSpec {
  freeze?: {
    /** input `pattern.{l}.frozen`, [1|B, n_heads, P, P] */
    patterns?: boolean;
    /** inputs `{norm}_scale.{l}.frozen` for each of the family's norms (e.g. ln1, ln2) and `lnf_scale.frozen`, [1|B, P, 1] */
    normScales?: boolean;
    /** input `mlp_out.{l}.frozen`, [1|B, P, d_model] */
    mlpOut?: boolean;
  };
  /** adds input `mlp_out_delta.{l}` [1|B, P, d_model] to each layer's MLP output (interventions, attribution checks) */
  mlpOutDelta?: boolean;
  /**
   * Rewrites each layer's MLP output inside the graph (after freezing, before `mlpOutDelta`): interventions read the
   * live transcoder input from `at` and add decoder writes. Returns the new MLP output value.
   */
  editMlpOut?: MlpOutEdit;
  /** adds input `embed_delta` [1|B, P, d_model] to the token embeddings (attribution checks of token nodes) */
  embedDelta?: boolean;
  /** 'all' (default): every intermediate below; 'logits': logits only */
  outputs?: 'all' | 'logits';
}

/** The values a MLP-output edit may read at layer `layer`, all [B, P, ·] (scales [B|1, P, 1]). */
export type MlpOutEdit = (
  g: GraphBuilder,
  layer: number,
  at: { residMid: string; mlpIn: string; mlpNormalized: string; mlpOut: string },
) => string;

/** Graph value names, TransformerLens hook names where one exists. Every output has a leading batch axis. */
export const forwardNames = {
  inputIds: 'input_ids', // int64 [B, P]
  residPre: (l: number) => `resid_pre.${l}`, // [B, P, d]
  /** [B, P, 1] the frozen denominator of norm `name` (e.g. ln1: sqrt(var + eps) of the pre-attention norm) */
  scale: (name: string, l: number) => `${name}_scale.${l}`,
  ln1Scale: (l: number) => `ln1_scale.${l}`, // the pre-attention norm's scale (every family has one)
  pattern: (l: number) => `pattern.${l}`, // [B, H, P(query), P(key)]
  attnOut: (l: number) => `attn_out.${l}`, // [B, P, d] including b_O
  residMid: (l: number) => `resid_mid.${l}`, // [B, P, d]
  ln2Scale: (l: number) => `ln2_scale.${l}`, // the pre-MLP norm's scale (every family has one)
  mlpIn: (l: number) => `mlp_in.${l}`, // [B, P, d] pre-MLP norm output with gain and bias: the transcoder's mlp.hook_in
  mlpNormalized: (l: number) => `mlp_normalized.${l}`, // [B, P, d] the same before gain and bias: ln2.hook_normalized
  mlpOut: (l: number) => `mlp_out.${l}`, // [B, P, d] including b_out (and the delta, when given)
  mlpOutDelta: (l: number) => `mlp_out_delta.${l}`,
  embedDelta: 'embed_delta',
  residFinal: 'resid_final', // [B, P, d] the input of ln_f
  lnfScale: 'lnf_scale', // [B, P, 1]
  logits: 'logits', // [B, P, d_vocab]
  frozen: (output: string) => `${output}.frozen`,
} as const;

/** Activations of one layer for one sequence of P positions (row-major). */
export interface LayerActivations {
  residPre: Float32Array; // [P, d]
  /** [P] per norm of the family (`Family.normScales`), e.g. ln1 (pre-attention) and ln2 (pre-MLP) */
  scales: Record<string, Float32Array>;
  pattern: Float32Array; // [H, P, P]
  attnOut: Float32Array; // [P, d]
  residMid: Float32Array; // [P, d]
  mlpIn: Float32Array; // [P, d]
  mlpNormalized: Float32Array; // [P, d]
  mlpOut: Float32Array; // [P, d]
}

/** One clean forward pass over one sequence: every intermediate the attribution engine freezes or reads. */
export interface ForwardResult {
  ids: number[];
  nPos: number;
  layers: LayerActivations[];
  residFinal: Float32Array; // [P, d]
  lnfScale: Float32Array; // [P]
  logits: Float32Array; // [P, d_vocab]
}

/** Splits the outputs of a batch-1 run into a ForwardResult. */
export function unpackForward(out: Record<string, Fetched>, ids: number[], nLayers: number): ForwardResult {
  const N = forwardNames;
  const get = (name: string) => {
    const t = out[name];
    if (!t) throw new Error(`forward graph output ${name} missing`);
    return t.data;
  };
  const layers: LayerActivations[] = [];
  for (let l = 0; l < nLayers; l++) {
    layers.push({
      residPre: get(N.residPre(l)),
      scales: {},
      pattern: get(N.pattern(l)),
      attnOut: get(N.attnOut(l)),
      residMid: get(N.residMid(l)),
      mlpIn: get(N.mlpIn(l)),
      mlpNormalized: get(N.mlpNormalized(l)),
      mlpOut: get(N.mlpOut(l)),
    });
  }
  // norm scales are found by name: `{norm}_scale.{l}`, whatever norms the family has
  for (const name of Object.keys(out)) {
    const m = /^(\w+)_scale\.(\d+)$/.exec(name);
    if (m && +m[2] < nLayers) layers[+m[2]].scales[m[1]] = out[name].data;
  }
  return { ids, nPos: ids.length, layers, residFinal: get(N.residFinal), lnfScale: get(N.lnfScale), logits: get(N.logits) };
}
