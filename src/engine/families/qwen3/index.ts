// Qwen3 (`Qwen3ForCausalLM`): Llama plus a per-head RMSNorm of q and k before RoPE (`q_norm`, `k_norm`, [head_dim])
// and an explicit head_dim (Qwen3Config default 128, not hidden/heads). circuit-tracer's qwen_3_mapping names only
// mlp.hook_in (post_attention_layernorm output) and mlp.hook_out (the MLP's output), the hooks its PLTs use.
import { FAMILY_ARCHITECTURES } from '../architectures';
import { llamaConfig, type LlamaConfig } from '../llama/config';
import { llamaLike } from '../llama';
import type { Family } from '../family';
import type { LlamaWeights } from '../llama/weights';

export const qwen3: Family<LlamaConfig, LlamaWeights> = {
  ...llamaLike,
  architectures: FAMILY_ARCHITECTURES.qwen3,
  parseConfig: (raw, file, arch) => llamaConfig(raw, file, arch, { qkNorm: true, defaultHeadDim: 128 }),
};
