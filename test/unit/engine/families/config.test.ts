import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { familyOf } from '../../../../src/engine/families/registry';
import type { LlamaConfig } from '../../../../src/engine/families/llama/config';
import { ropeInvFreq } from '../../../../src/engine/families/blocks/rope';

/** the published config.json of meta-llama/Llama-3.2-1B-Instruct (fields as on the Hub) */
const LLAMA_32_1B_IT = {
  architectures: ['LlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009], head_dim: 64, hidden_act: 'silu', hidden_size: 2048, initializer_range: 0.02,
  intermediate_size: 8192, max_position_embeddings: 131072, mlp_bias: false, model_type: 'llama', num_attention_heads: 32,
  num_hidden_layers: 16, num_key_value_heads: 8, pretraining_tp: 1, rms_norm_eps: 1e-5,
  rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 500000.0, tie_word_embeddings: true, torch_dtype: 'bfloat16', use_cache: true, vocab_size: 128256,
};
/** the published config.json of Qwen/Qwen3-0.6B */
const QWEN3_06B = {
  architectures: ['Qwen3ForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151645,
  head_dim: 128, hidden_act: 'silu', hidden_size: 1024, initializer_range: 0.02, intermediate_size: 3072, max_position_embeddings: 40960,
  max_window_layers: 28, model_type: 'qwen3', num_attention_heads: 16, num_hidden_layers: 28, num_key_value_heads: 8, rms_norm_eps: 1e-6,
  rope_scaling: null, rope_theta: 1000000, sliding_window: null, tie_word_embeddings: true, torch_dtype: 'bfloat16', use_cache: true,
  use_sliding_window: false, vocab_size: 151936,
};

const parse = (raw: Record<string, unknown>) => {
  const arch = (raw.architectures as string[])[0];
  return familyOf({ architecture: arch }).parseConfig(raw, 'config.json', arch) as LlamaConfig;
};

test('Llama-3.2-1B-Instruct config.json maps to GQA 32/8 heads of 64, llama3 RoPE, tied head, every eos id', () => {
  const c = parse(LLAMA_32_1B_IT);
  assert.deepEqual(
    [c.nLayers, c.nHeads, c.nKvHeads, c.dHead, c.dModel, c.dMlp, c.dVocab, c.nCtx, c.normEps, c.tiedEmbeddings],
    [16, 32, 8, 64, 2048, 8192, 128256, 131072, 1e-5, true],
  );
  assert.deepEqual(c.eosTokenIds, [128001, 128008, 128009]);
  assert.equal(c.eosTokenId, 128001);
  assert.deepEqual(c.rope.scaling, { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
  // llama3 scaling: the high-frequency band is unchanged, the low-frequency band divided by 32, the middle smoothed
  const plain = ropeInvFreq({ ...c.rope, scaling: undefined });
  const scaled = ropeInvFreq(c.rope);
  assert.equal(scaled[0], plain[0]);
  assert.ok(Math.abs(scaled[31] - plain[31] / 32) <= 1e-12);
  const mid = scaled.findIndex((v, i) => v !== plain[i] && Math.abs(v - plain[i] / 32) > 1e-12 * plain[i]);
  assert.ok(mid > 0 && scaled[mid] < plain[mid] && scaled[mid] > plain[mid] / 32, 'a smoothed band exists between the two');
});

test('Qwen3-0.6B config.json maps to head_dim 128 (≠ 1024 / 16), q/k norms, no rope scaling', () => {
  const c = parse(QWEN3_06B);
  assert.deepEqual([c.nHeads, c.nKvHeads, c.dHead, c.dModel, c.qkNorm, c.tiedEmbeddings, c.rope.theta, c.rope.scaling], [16, 8, 128, 1024, true, true, 1e6, undefined]);
  assert.deepEqual(c.eosTokenIds, [151645]);
  const noHeadDim: Record<string, unknown> = { ...QWEN3_06B };
  delete noHeadDim.head_dim;
  assert.equal(parse(noHeadDim).dHead, 128, "Qwen3Config's default head_dim");
  const llamaNoHeadDim: Record<string, unknown> = { ...LLAMA_32_1B_IT };
  delete llamaNoHeadDim.head_dim;
  assert.equal(parse(llamaNoHeadDim).dHead, 64, 'LlamaConfig: hidden_size / num_attention_heads');
});
