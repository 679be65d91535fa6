// Gemma-2 (`Gemma2ForCausalLM`): (1 + w) RMSNorms before and after attention and MLP, √d embedding scale,
// query_pre_attn_scalar, attention and final logit soft-capping, sliding-window attention on even layers, GeGLU,
// GQA. Transcoders read at pre_feedforward_layernorm (its input, its x/s, or its output) and write at
// post_feedforward_layernorm's output (`hook_mlp_out`), as circuit-tracer's gemma_2_mapping places them.
import { FAMILY_ARCHITECTURES } from '../architectures';
import { embeddingRows, type Family } from '../family';
import { gemmaBackwardLayerGraph, gemmaBackwardTopGraph } from './backward';
import { gemmaConfig, type GemmaConfig } from './config';
import { gemmaForwardGraph } from './forward';
import { loadGemmaWeights, type GemmaWeights } from './weights';

/** what Gemma-2 and Gemma-3 share: everything but the config mapping */
export const gemmaLike: Omit<Family<GemmaConfig, GemmaWeights>, 'architectures' | 'parseConfig'> = {
  loadWeights: loadGemmaWeights,
  normScales: ['ln1', 'ln1_post', 'ln2', 'ln2_post'],
  inputHooks: ['ln2.hook_normalized', 'hook_resid_mid', 'mlp.hook_in'],
  outputHooks: ['hook_mlp_out'],
  forwardGraph: gemmaForwardGraph,
  // the embedding as it enters the residual stream: E[id]·√d (fp32), where circuit-tracer's TransformerLens backend
  // (pre-scaled W_E) and its nnsight Gemma-2 backend (raw row × gradient at the unscaled module output) agree
  tokenVectors: (cfg, w, ids) => embeddingRows(w.embed, cfg.dModel, ids, cfg.embedScale),
  backwardLayerGraph: gemmaBackwardLayerGraph,
  backwardTopGraph: gemmaBackwardTopGraph,
};

export const gemma2: Family<GemmaConfig, GemmaWeights> = {
  architectures: FAMILY_ARCHITECTURES.gemma2,
  ...gemmaLike,
  parseConfig: (raw, file, architecture) => gemmaConfig(raw, file, architecture, false),
};
