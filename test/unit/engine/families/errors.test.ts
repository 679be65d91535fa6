import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../../../src/engine/model/model';
import { TensorStore, writeSafetensors } from '../../../../src/engine/model/safetensors';
import { copyModel, editConfig, rejectsLoading } from '../badModels';
import { FAMILY_FIXTURES } from './fixtures';

const copy = (name: string) => copyModel(path.join(FAMILY_FIXTURES, name));
const rejects = rejectsLoading;

test('an unsupported architecture is named with the supported ones', async () => {
  const dir = editConfig(copy('llama'), (c) => (c.architectures = ['MistralForCausalLM']));
  await rejects(dir, 'unsupported', /config\.json: architecture "MistralForCausalLM" is not supported; supported: GPT2LMHeadModel, LlamaForCausalLM, Qwen3ForCausalLM/);
});

test('a config field the family needs, missing or malformed, is named with the file', async () => {
  for (const [family, key] of [['llama', 'hidden_size'], ['qwen3', 'num_hidden_layers'], ['llama', 'vocab_size']]) {
    const dir = editConfig(copy(family), (c) => delete c[key]);
    await rejects(dir, 'badFile', new RegExp(`config\\.json has no "${key}"`));
  }
  await rejects(editConfig(copy('llama'), (c) => (c.num_key_value_heads = 3)), 'badFile', /num_attention_heads \(4\) is not a multiple of num_key_value_heads \(3\)/);
  await rejects(editConfig(copy('llama'), (c) => (c.rope_scaling = { rope_type: 'yarn', factor: 4 })), 'unsupported', /rope_scaling type "yarn" is not supported/);
  await rejects(editConfig(copy('llama'), (c) => (c.rope_scaling = { rope_type: 'llama3', factor: 8 })), 'badFile', /"rope_scaling\.low_freq_factor" must be a positive number/);
  await rejects(editConfig(copy('qwen3'), (c) => (c.hidden_act = 'relu2')), 'unsupported', /hidden_act "relu2" is not supported/);
  await rejects(editConfig(copy('llama'), (c) => (c.attention_bias = true)), 'unsupported', /"attention_bias": true is not supported/);
});

test('an untied head without lm_head.weight, a missing shard and a wrong tensor shape are named', async () => {
  await rejects(editConfig(copy('llama'), (c) => (c.tie_word_embeddings = false)), 'missingTensor', /"lm_head\.weight" is missing .* "tie_word_embeddings": false/);
  const noShard = copy('qwen3');
  fs.rmSync(path.join(noShard, 'model-00002-of-00002.safetensors'));
  await rejects(noShard, 'fileNotFound', /model-00002-of-00002\.safetensors/);
  await rejects(editConfig(copy('qwen3'), (c) => (c.head_dim = 6)), 'badShape', /q_proj\.weight" in .* has shape \[32,24\]; config\.json implies \[24,24\]/);
});

test('a weight stored in a dtype the engine cannot read is named; fp32 weights give the bf16 model exactly', async () => {
  const src = TensorStore.openFolder(path.join(FAMILY_FIXTURES, 'llama'));
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const n of src.names()) tensors[n] = { shape: src.info(n).shape, data: src.read(n) };
  src.close();
  const fp32 = copy('llama');
  writeSafetensors(path.join(fp32, 'model.safetensors'), tensors);
  const [a, b] = [await loadModel(path.join(FAMILY_FIXTURES, 'llama'), { threads: 1 }), await loadModel(fp32, { threads: 1 })];
  const ids = [267, 5, 80, 120];
  assert.deepEqual(await b.logits(ids), await a.logits(ids));
  a.dispose();
  b.dispose();

  const int = copy('llama');
  const file = path.join(int, 'model.safetensors');
  writeSafetensors(file, tensors);
  // rewrite one tensor's dtype in the header to I32 (same byte size as F32)
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  header['model.layers.0.self_attn.q_proj.weight'].dtype = 'I32';
  const h = Buffer.from(JSON.stringify(header).padEnd(n, ' '));
  assert.equal(h.length, n);
  h.copy(buf, 8);
  fs.writeFileSync(file, buf);
  await rejects(int, 'unsupported', /"model\.layers\.0\.self_attn\.q_proj\.weight" in .* has dtype I32; only F32, F16 and BF16/);
});
