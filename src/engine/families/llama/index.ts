// Llama 3.x (`LlamaForCausalLM`): RMSNorm, RoPE (rope_scaling llama3/linear), GQA, SwiGLU, tied or untied head.
// circuit-tracer's hooks (utils/tl_nnsight_mapping.py, llama_3_mapping): hook_resid_mid = post_attention_layernorm
// input, mlp.hook_in = its output, mlp.hook_out = hook_mlp_out = the MLP's output; ln2.hook_normalized is
// TransformerLens' RMSNorm x/s before the gain.
import { FAMILY_ARCHITECTURES } from '../architectures';
import { embeddingRows, type Family } from '../family';
import { llamaBackwardLayerGraph, llamaBackwardTopGraph } from './backward';
import { llamaConfig, type LlamaConfig } from './config';
import { llamaForwardGraph } from './forward';
import { loadLlamaWeights, type LlamaWeights } from './weights';

/** the parts Llama and its descendants (Qwen3) share */
export const llamaLike: Omit<Family<LlamaConfig, LlamaWeights>, 'architectures' | 'parseConfig'> = {
  loadWeights: loadLlamaWeights,
  normScales: ['ln1', 'ln2'],
  inputHooks: ['mlp.hook_in', 'hook_resid_mid', 'ln2.hook_normalized'],
  outputHooks: ['mlp.hook_out', 'hook_mlp_out'],
  forwardGraph: llamaForwardGraph,
  tokenVectors: (cfg, w, ids) => embeddingRows(w.embed, cfg.dModel, ids),
  backwardLayerGraph: llamaBackwardLayerGraph,
  backwardTopGraph: llamaBackwardTopGraph,
};

export const llama: Family<LlamaConfig, LlamaWeights> = {
  ...llamaLike,
  architectures: FAMILY_ARCHITECTURES.llama,
  parseConfig: (raw, file, arch) => llamaConfig(raw, file, arch, { qkNorm: false }),
};
