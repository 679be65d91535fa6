// The seam between a model family and everything else (attribution, interventions, feature index, reasoning).
// A family is one folder under src/engine/families/ exporting a `Family`, plus one line in registry.ts. Nothing
// outside families/ knows which family it runs on: it sees a ModelConfig, opaque weights, the forward graph (whose
// value names are in onnx/forward.ts) and the three backward graphs below.
//
// What the attribution needs from a family (as circuit-tracer's compute_batch needs it from a ReplacementModel):
//
//   forward graph  input_ids int64 [B, P] → every per-layer value of `forwardNames` (onnx/forward.ts), batch-leading:
//                  resid_pre.l, {norm}_scale.l [B, P, 1] for each name of `normScales`, pattern.l [B, H, P, P]
//                  (per query head, after masking and softmax; GQA already expanded), attn_out.l (what is added to
//                  the residual, after any post-attention norm), resid_mid.l, mlp_in.l (the pre-MLP norm output, gain
//                  included: circuit-tracer's `mlp.hook_in`), mlp_normalized.l (the same before the gain:
//                  `ln2.hook_normalized`), mlp_out.l (what is added to the residual: `mlp.hook_out` / `hook_mlp_out`),
//                  resid_final, lnf_scale [B, P, 1], logits [B, P, V] (after any final soft-cap).
//                  Variants (ForwardSpec): frozen patterns, frozen norm scales (every name in `normScales` and lnf),
//                  frozen MLP outputs, MLP-output deltas and edits, an embedding delta added to what enters the
//                  residual stream.
//   tokenVectors   [P, d]: what each prompt token writes into the residual stream (Gemma: embedding row · √d).
//   unembedding    [V, d]: logits = final_norm(x) · Wᵀ (before any soft-cap). Target vectors are rows minus the mean.
//   backward top   inject [B, P, d] (a gradient at the final norm's output) + lnf_scale [P, 1] → grad_out [B, P, d]
//                  at the last residual stream.
//   backward layer one layer of the linearised model, transposed, batched over B targets, for P positions:
//                  inputs grad_in [B, P, d] (gradient at the residual after the layer; absent in an entry step),
//                  inject [B, P, d] (entry step: a gradient at the transcoder input of this layer),
//                  pattern [1, H, P, P], scale.{norm} [P, 1] for the layer's norms, decoders [S, d, M] in slots
//                  at positions slot_pos [S] (int64; attribution/components.ts DecoderTable), errors [P, d],
//                  tokens [P, d] (layer 0 only); outputs grad_out [B, P, d] (gradient at resid_pre),
//                  feature_edges [S, B, M] = grad_in[slot_pos] · decoders, error_edges [B, P] = grad_in · errors (both absent in
//                  an entry step: nothing above the entry writes into it), token_edges [B, P] (layer 0).
//                  With patterns and norm scales frozen and the MLP replaced by the transcoder's skip (or by nothing),
//                  the map from writes (MLP outputs, token vectors) to reads (transcoder inputs, final norm output) is
//                  linear; these graphs are its vector-Jacobian product. Writes land on the residual stream directly
//                  (each family's MLP output is its value as added to the residual stream).
//
// Adding a family: a folder with an index.ts exporting a `Family` (config.ts, weights.ts, forward.ts, backward.ts as
// in llama/), built from blocks/ (norms, rope, attention, mlp, linear, backward skeleton); one line in registry.ts;
// a PyTorch reference and fixtures (tools/reference/families_ref.py, test/unit/engine/families/).
import type { ModelConfig, RawConfig } from '../model/config';
import type { TensorSource } from '../model/safetensors';
import type { InputHook } from '../model/transcoders';
import type { ForwardSpec } from '../onnx/forward';
import { weightRows, type Weight } from '../model/weight';

/** Weights of any family: family-specific fields behind these two, which the attribution reads. */
export interface FamilyWeights {
  /** [V, d] token embedding table as stored (before any scale; BF16/F16 checkpoints: 16-bit, model/weight.ts) */
  embed: Weight;
  /** [V, d] unembedding; the same array as `embed` when tied */
  unembed: Weight;
}

export interface BackwardLayerSpec {
  layer: number;
  /** `entry`: targets are injected at this layer's transcoder input and nothing arrives from above */
  entry: boolean;
  inputHook: InputHook;
  /** [d, d] transcoder skip, used as skip(u) = u·W_skipᵀ */
  W_skip?: Float32Array;
}

export const backwardNames = {
  gradIn: 'grad_in',
  inject: 'inject',
  gradOut: 'grad_out',
  pattern: 'pattern',
  /** frozen norm scale of norm `name` of this layer, [P, 1] */
  scale: (name: string) => `scale.${name}`,
  lnfScale: 'lnf_scale',
  decoders: 'decoders',
  slotPos: 'slot_pos',
  errors: 'errors',
  tokens: 'tokens',
  featureEdges: 'feature_edges',
  errorEdges: 'error_edges',
  tokenEdges: 'token_edges',
} as const;

export interface Family<C extends ModelConfig = ModelConfig, W extends FamilyWeights = FamilyWeights> {
  /** Hugging Face `architectures[0]` values this family loads */
  architectures: readonly string[];
  /** config.json → ModelConfig; every error names `file` and the field */
  parseConfig(raw: RawConfig, file: string, architecture: string): C;
  /** every tensor, shapes checked against the config; errors name the tensor and `where` */
  loadWeights(src: TensorSource, cfg: C, where: string, signal?: AbortSignal): W;
  /** the names of each layer's norms whose scales the local replacement model freezes, e.g. ['ln1', 'ln2'] */
  normScales: readonly string[];
  /** the transcoder input hooks this family's graphs provide (circuit-tracer's hook names) */
  inputHooks: readonly InputHook[];
  /** the transcoder output hooks that name this family's MLP output as added to the residual stream */
  outputHooks: readonly string[];
  forwardGraph(cfg: C, w: W, spec?: ForwardSpec): Uint8Array;
  /** [P, d]: the vectors the tokens write into the residual stream */
  tokenVectors(cfg: C, w: W, ids: readonly number[]): Float32Array;
  backwardLayerGraph(cfg: C, w: W, spec: BackwardLayerSpec): Uint8Array;
  backwardTopGraph(cfg: C, w: W): Uint8Array;
}

/** embedding rows of `ids`, [P, d], times `scale` */
export function embeddingRows(table: Weight, d: number, ids: readonly number[], scale = 1): Float32Array {
  const out = weightRows(table, d, ids);
  if (scale !== 1) for (let i = 0; i < out.length; i++) out[i] = Math.fround(out[i] * scale);
  return out;
}
