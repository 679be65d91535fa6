// Loads the embedded default model as shipped (models/organism) and checks that every file has the shapes,
// dtypes and settings the engine relies on: HF GPT-2 config and weights, tokenizer, transcoder set, demo prompts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { parse as parseYaml } from 'yaml';

interface TensorInfo { dtype: string; shape: number[]; data_offsets: [number, number] }

function findModelDir(): string {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'models', 'organism');
    if (fs.existsSync(path.join(candidate, 'config.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('models/organism not found above the working directory');
  }
}

const modelDir = findModelDir();
const readJson = (name: string) => JSON.parse(fs.readFileSync(path.join(modelDir, name), 'utf8'));
const config = readJson('config.json');

/** Reads a safetensors header (8-byte little-endian length, then JSON) and checks the data layout. */
function readHeader(file: string): Record<string, TensorInfo> {
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, TensorInfo>;
  delete (header as Record<string, unknown>).__metadata__;
  const ranges = Object.values(header).map((t) => t.data_offsets).sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [s, e] of ranges) {
    assert.equal(s, end, 'tensors are packed without gaps');
    end = e;
  }
  assert.equal(bytes.length, 8 + n + end, 'file size matches the header');
  for (const [name, t] of Object.entries(header)) {
    assert.equal(t.dtype, 'F32', `${name} is fp32`);
    assert.equal(t.data_offsets[1] - t.data_offsets[0], 4 * t.shape.reduce((a, b) => a * b, 1), `${name} byte size`);
  }
  return header;
}

const shapeOf = (h: Record<string, TensorInfo>, name: string) => {
  assert.ok(h[name], `tensor ${name} present`);
  return h[name].shape;
};

test('config.json describes a small Hugging Face GPT-2 with a context of at least 64 tokens', () => {
  assert.deepEqual(config.architectures, ['GPT2LMHeadModel']);
  assert.equal(config.model_type, 'gpt2');
  assert.equal(config.activation_function, 'gelu_new');
  assert.ok(config.n_layer >= 2 && config.n_layer <= 8);
  assert.ok(config.n_embd >= 128 && config.n_embd <= 256);
  assert.equal(config.n_embd % config.n_head, 0);
  assert.ok(config.n_positions >= 64);
  assert.ok(config.layer_norm_epsilon > 0);
  assert.equal(config.bos_token_id, config.eos_token_id);
});

test('model.safetensors holds every GPT-2 weight under HF names with Conv1D (in, out) layout and a tied lm_head', () => {
  const h = readHeader(path.join(modelDir, 'model.safetensors'));
  const d = config.n_embd;
  assert.deepEqual(shapeOf(h, 'transformer.wte.weight'), [config.vocab_size, d]);
  assert.deepEqual(shapeOf(h, 'transformer.wpe.weight'), [config.n_positions, d]);
  assert.deepEqual(shapeOf(h, 'transformer.ln_f.weight'), [d]);
  assert.deepEqual(shapeOf(h, 'transformer.ln_f.bias'), [d]);
  const expected: Record<string, number[]> = {
    'ln_1.weight': [d], 'ln_1.bias': [d], 'ln_2.weight': [d], 'ln_2.bias': [d],
    'attn.c_attn.weight': [d, 3 * d], 'attn.c_attn.bias': [3 * d],
    'attn.c_proj.weight': [d, d], 'attn.c_proj.bias': [d],
    'mlp.c_fc.weight': [d, 4 * d], 'mlp.c_fc.bias': [4 * d],
    'mlp.c_proj.weight': [4 * d, d], 'mlp.c_proj.bias': [d],
  };
  for (let i = 0; i < config.n_layer; i++) {
    for (const [suffix, shape] of Object.entries(expected)) assert.deepEqual(shapeOf(h, `transformer.h.${i}.${suffix}`), shape);
  }
  assert.equal(Object.keys(h).length, 4 + 12 * config.n_layer, 'no other tensors (lm_head is tied to wte)');
});

test('the tokenizer loads with @huggingface/tokenizers, matches the vocabulary size and splits digits', () => {
  const tokenizerJson = readJson('tokenizer.json');
  const tokenizerConfig = readJson('tokenizer_config.json');
  const tok = new Tokenizer(tokenizerJson, tokenizerConfig);
  const size = Object.keys(tokenizerJson.model.vocab).length + tokenizerJson.added_tokens.length;
  assert.equal(size, config.vocab_size);
  assert.equal(tokenizerJson.model.type, 'BPE');
  assert.deepEqual(tok.encode('<|endoftext|>', { add_special_tokens: false }).ids, [config.bos_token_id]);
  const digits = tok.encode('36+59=95', { add_special_tokens: false }).ids;
  assert.equal(digits.length, 8, 'every digit is its own token');
  const prompt = 'Fact: the capital of the state containing Dallas is';
  const ids = tok.encode(prompt, { add_special_tokens: false }).ids;
  assert.ok(ids.every((id: number) => id >= 0 && id < config.vocab_size));
  assert.equal(tok.decode(ids), prompt);
});

test('transcoders/config.yaml and one layer_{i}.safetensors per layer follow the circuit-tracer transcoder_set layout', () => {
  const cfg = parseYaml(fs.readFileSync(path.join(modelDir, 'transcoders', 'config.yaml'), 'utf8'));
  assert.equal(cfg.model_kind, 'transcoder_set');
  assert.equal(cfg.feature_input_hook, 'mlp.hook_in');
  assert.equal(cfg.feature_output_hook, 'mlp.hook_out');
  assert.equal(typeof cfg.model_name, 'string');
  const files = fs.readdirSync(path.join(modelDir, 'transcoders')).filter((f) => f.endsWith('.safetensors')).sort();
  assert.deepEqual(files, Array.from({ length: config.n_layer }, (_, i) => `layer_${i}.safetensors`).sort());
  const d = config.n_embd;
  let dTc: number | undefined;
  for (let i = 0; i < config.n_layer; i++) {
    const h = readHeader(path.join(modelDir, 'transcoders', `layer_${i}.safetensors`));
    const [n] = shapeOf(h, 'W_enc');
    dTc ??= n;
    assert.equal(n, dTc, 'every layer has the same number of features');
    assert.deepEqual(shapeOf(h, 'W_enc'), [dTc, d]);
    assert.deepEqual(shapeOf(h, 'W_dec'), [dTc, d]);
    assert.deepEqual(shapeOf(h, 'b_enc'), [dTc]);
    assert.deepEqual(shapeOf(h, 'b_dec'), [d]);
    if (h.W_skip) assert.deepEqual(h.W_skip.shape, [d, d]);
    if (h['activation_function.threshold']) assert.deepEqual(h['activation_function.threshold'].shape, [dTc]);
  }
  assert.ok(dTc! >= 256);
});

test('demo-prompts.json has at least two measured prompts for each of the six themes, Dallas answering Austin', () => {
  const demos = readJson('demo-prompts.json') as { theme: string; prompt: string; top: { token: string; prob: number }[] }[];
  assert.ok(demos.length >= 12);
  for (const theme of ['twohop', 'multilingual', 'addition', 'rhyme', 'known_unknown', 'reasoning']) {
    assert.ok(demos.filter((d) => d.theme === theme).length >= 2, `two demos for ${theme}`);
  }
  for (const d of demos) assert.ok(d.top.length > 0 && d.top[0].prob > 0 && d.top[0].prob <= 1);
  const dallas = demos.find((d) => d.prompt === 'Fact: the capital of the state containing Dallas is');
  assert.equal(dallas?.top[0].token, ' Austin');
});

test('the whole folder stays under 40 MB', () => {
  const size = (p: string): number => fs.statSync(p).isDirectory()
    ? fs.readdirSync(p).reduce((s, f) => s + size(path.join(p, f)), 0) : fs.statSync(p).size;
  assert.ok(size(modelDir) < 40 * 1024 * 1024);
});
