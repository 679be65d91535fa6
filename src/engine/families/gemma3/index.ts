// Gemma-3 text (`Gemma3ForCausalLM`, the 270m and 1b checkpoints; the language model of the multimodal
// `Gemma3ForConditionalGeneration` 4b/12b/27b checkpoints, text prompts only): Gemma-2's block (shared from ../gemma2) plus
// per-head q/k RMSNorms, the local/global layer pattern with its two RoPE bases (rope_local_base_freq on sliding
// layers, rope_theta with rope_scaling on full ones), the embedding scale inside the embedding module, and no
// attention soft-cap. circuit-tracer's gemma_3_mapping places the hooks as for Gemma-2 (plus mlp.hook_in).
// Token nodes carry E[id]·√d, the embedding's contribution to the residual stream; circuit-tracer's nnsight backend
// contracts the raw row E[id] with the gradient at the (already scaled) module output, so its token edges are 1/√d
// of these (replacement_model_nnsight.py setup_attribution, context_nnsight.py compute_token_attributions).
import type { Family } from '../family';
import { gemma3MultimodalConfig, gemmaConfig, type GemmaConfig } from '../gemma2/config';
import { gemmaLike } from '../gemma2';
import type { GemmaWeights } from '../gemma2/weights';

export const gemma3: Family<GemmaConfig, GemmaWeights> = {
  ...gemmaLike,
  architectures: ['Gemma3ForCausalLM', 'Gemma3ForConditionalGeneration'],
  parseConfig: (raw, file, architecture) =>
    architecture === 'Gemma3ForConditionalGeneration' ? gemma3MultimodalConfig(raw, file, architecture) : gemmaConfig(raw, file, architecture, true),
};
