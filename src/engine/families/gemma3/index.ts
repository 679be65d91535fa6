// Gemma-3 text (`Gemma3ForCausalLM`, the 270m and 1b checkpoints; the language model of the multimodal
// `Gemma3ForConditionalGeneration` 4b/12b/27b checkpoints, text prompts only): Gemma-2's block (shared from ../gemma2)
// plus per-head q/k RMSNorms, the local/global layer pattern with its two RoPE bases (rope_local_base_freq on sliding
// layers, rope_theta with rope_scaling on full ones), the embedding scale inside the embedding module, and no
// attention soft-cap. circuit-tracer's gemma_3_mapping places the hooks as for Gemma-2 (plus mlp.hook_in).
// Token nodes carry E[id]·√d, the embedding's contribution to the residual stream; circuit-tracer's nnsight backend
// contracts the raw row E[id] with the gradient at the (already scaled) module output, so its token edges are 1/√d
// of these (replacement_model_nnsight.py setup_attribution, context_nnsight.py compute_token_attributions).
// Instruction-tuned checkpoints: circuit-tracer (both backends, `gemma_3_it`) requires prompts to start with
// <bos><start_of_turn>user\n (ids 2, 105, 2364, 107) and zeroes features and errors at those 4 positions, when the
// model's name (the Hugging Face id, or the path it was loaded from) contains "gemma-3" and ends in "-it".
import { FAMILY_ARCHITECTURES } from '../architectures';
import * as path from 'node:path';
import type { RawConfig } from '../../model/config';
import { repoOfCachePath } from '../../model/transcoders/config';
import type { Family } from '../family';
import { gemma3MultimodalConfig, gemmaConfig, type GemmaConfig } from '../gemma2/config';
import { gemmaLike } from '../gemma2';
import type { GemmaWeights } from '../gemma2/weights';

const CHAT_PREFIX = { ids: [2, 105, 2364, 107], text: '<bos><start_of_turn>user\n' };

/** the name circuit-tracer would test: the repo id of a Hugging Face cache snapshot, else the model folder's path */
export function gemma3ChatSettings(file: string): Pick<GemmaConfig, 'zeroPositions' | 'promptPrefix'> {
  const dir = path.dirname(path.resolve(file));
  const name = repoOfCachePath(dir)?.repoId ?? dir;
  return name.includes('gemma-3') && name.endsWith('-it') ? { zeroPositions: 4, promptPrefix: CHAT_PREFIX } : {};
}

function parse(raw: RawConfig, file: string, architecture: string): GemmaConfig {
  const cfg = architecture === 'Gemma3ForConditionalGeneration' ? gemma3MultimodalConfig(raw, file, architecture) : gemmaConfig(raw, file, architecture, true);
  return { ...cfg, ...gemma3ChatSettings(file) };
}

export const gemma3: Family<GemmaConfig, GemmaWeights> = {
  ...gemmaLike,
  architectures: FAMILY_ARCHITECTURES.gemma3,
  parseConfig: parse,
};
