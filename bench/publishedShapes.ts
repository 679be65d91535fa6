// Random checkpoints and tensors with the exact shapes of published models, written as they are published (BF16
// safetensors, Hugging Face names) without holding whole tensors in memory. For the benchmarks only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { text, writeCachedRepo, writeNpz } from '../tools/transcoderLayouts';
import { uniform } from './random';

export const ROOT = process.env.SELF_TRACE_BENCH_DIR ?? '/tmp/self-tracing-bench';
/** the Hugging Face cache the benchmarks write their random repos into */
export const CACHE = path.join(ROOT, 'hub');

export type Fill = (i0: number, out: Float32Array) => void;

/** a BF16 safetensors file written row block by row block (the whole tensor is never in memory) */
export function writeBf16(file: string, tensors: { name: string; shape: number[]; fill?: Fill }[]): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 2;
    header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = fs.openSync(file, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeSync(fd, len);
  fs.writeSync(fd, Buffer.from(json));
  const CHUNK = 1 << 22;
  const f32 = new Float32Array(CHUNK);
  const u32 = new Uint32Array(f32.buffer);
  const bf = new Uint16Array(CHUNK);
  for (const t of tensors) {
    const total = t.shape.reduce((a, b) => a * b, 1);
    for (let i0 = 0; i0 < total; i0 += CHUNK) {
      const n = Math.min(CHUNK, total - i0);
      t.fill!(i0, f32.subarray(0, n));
      for (let i = 0; i < n; i++) bf[i] = u32[i] >>> 16;
      fs.writeSync(fd, new Uint8Array(bf.buffer, 0, n * 2));
    }
    t.fill = undefined; // lets its random block go
  }
  fs.closeSync(fd);
}

/**
 * a 16M-value random block per tensor, repeated (every 8192 rows of a 2048-wide matrix): cheap to generate; the
 * repetition changes which features fire together, not how many or how much memory they take
 */
export function tiled(a: number, seed: number, shift = 0): Fill {
  let block: Float32Array | undefined; // made on first use: a writer holds one block at a time
  return (i0, out) => {
    block ??= uniform(1 << 24, a, seed);
    for (let i = 0; i < out.length; i++) out[i] = block[(i0 + i) & ((1 << 24) - 1)] + shift;
  };
}

export interface ModelShape {
  /** the published checkpoint these are the shapes of */
  name: string;
  family: 'llama' | 'qwen3' | 'gemma2';
  L: number;
  d: number;
  F: number;
  H: number;
  Hkv: number;
  hd: number;
  V: number;
  /** the config.json fields of the published checkpoint (shapes above are merged in) */
  config: Record<string, unknown>;
  /** a fixture of the family whose tokenizer files stand in (ids stay below V) */
  tokenizerFrom: string;
}

export const MODELS: Record<string, ModelShape> = {
  'Qwen3-0.6B': {
    name: 'Qwen/Qwen3-0.6B', family: 'qwen3', L: 28, d: 1024, F: 3072, H: 16, Hkv: 8, hd: 128, V: 151936,
    config: { architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', rms_norm_eps: 1e-6, rope_theta: 1000000, max_position_embeddings: 40960, hidden_act: 'silu', tie_word_embeddings: true, bos_token_id: 267, eos_token_id: 269, torch_dtype: 'bfloat16' },
    tokenizerFrom: 'test/fixtures/families/qwen3',
  },
  'Llama-3.2-1B': {
    name: 'meta-llama/Llama-3.2-1B', family: 'llama', L: 16, d: 2048, F: 8192, H: 32, Hkv: 8, hd: 64, V: 128256,
    config: {
      architectures: ['LlamaForCausalLM'], model_type: 'llama', rms_norm_eps: 1e-5, rope_theta: 500000, max_position_embeddings: 131072, hidden_act: 'silu',
      rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
      tie_word_embeddings: true, attention_bias: false, mlp_bias: false, bos_token_id: 267, eos_token_id: 268, torch_dtype: 'bfloat16',
    },
    tokenizerFrom: 'test/fixtures/families/llama',
  },
  'Gemma-2-2B': {
    name: 'google/gemma-2-2b', family: 'gemma2', L: 26, d: 2304, F: 9216, H: 8, Hkv: 4, hd: 256, V: 256000,
    config: {
      architectures: ['Gemma2ForCausalLM'], model_type: 'gemma2', hidden_activation: 'gelu_pytorch_tanh', hidden_act: 'gelu_pytorch_tanh', query_pre_attn_scalar: 256,
      attn_logit_softcapping: 50, final_logit_softcapping: 30, sliding_window: 4096, rope_theta: 10000, rms_norm_eps: 1e-6, max_position_embeddings: 8192,
      tie_word_embeddings: true, attention_bias: false, bos_token_id: 2, eos_token_id: 1, pad_token_id: 0, torch_dtype: 'bfloat16',
    },
    tokenizerFrom: 'test/fixtures/gemma2-tiny',
  },
};

/** the tensors of a random checkpoint of this shape, HF names, as BF16 (norm gains 1; Gemma stores gain − 1 = 0) */
export function checkpointTensors(m: ModelShape): { name: string; shape: number[]; fill: Fill }[] {
  const { L, d, F, H, Hkv, hd, V } = m;
  const t: { name: string; shape: number[]; fill: Fill }[] = [];
  let seed = 1;
  const w = (name: string, shape: number[], a: number) => t.push({ name, shape, fill: tiled(a, seed++) });
  const gain = (name: string, n = d) => t.push({ name, shape: [n], fill: (_i, out) => out.fill(m.family === 'gemma2' ? 0 : 1) });
  w('model.embed_tokens.weight', [V, d], m.family === 'gemma2' ? 0.02 : 0.1);
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}.`;
    gain(`${p}input_layernorm.weight`);
    w(`${p}self_attn.q_proj.weight`, [H * hd, d], Math.sqrt(3 / d));
    w(`${p}self_attn.k_proj.weight`, [Hkv * hd, d], Math.sqrt(3 / d));
    w(`${p}self_attn.v_proj.weight`, [Hkv * hd, d], Math.sqrt(3 / d));
    w(`${p}self_attn.o_proj.weight`, [d, H * hd], Math.sqrt(3 / (H * hd)) / 2);
    if (m.family === 'qwen3') gain(`${p}self_attn.q_norm.weight`, hd), gain(`${p}self_attn.k_norm.weight`, hd);
    gain(`${p}post_attention_layernorm.weight`);
    if (m.family === 'gemma2') gain(`${p}pre_feedforward_layernorm.weight`), gain(`${p}post_feedforward_layernorm.weight`);
    w(`${p}mlp.gate_proj.weight`, [F, d], Math.sqrt(3 / d));
    w(`${p}mlp.up_proj.weight`, [F, d], Math.sqrt(3 / d));
    w(`${p}mlp.down_proj.weight`, [d, F], Math.sqrt(3 / F) / 2);
  }
  gain('model.norm.weight');
  return t;
}

export function checkpointConfig(m: ModelShape): Record<string, unknown> {
  return {
    ...m.config,
    hidden_size: m.d, intermediate_size: m.F, num_hidden_layers: m.L, num_attention_heads: m.H, num_key_value_heads: m.Hkv, head_dim: m.hd, vocab_size: m.V,
  };
}

/** published transcoder sets at their widths (bench/transcoderMemory.bench.ts) */
export interface SetShape {
  name: string;
  repo: string;
  L: number;
  d: number;
  n: number;
}
export const SETS: SetShape[] = [
  { name: 'llama-plt', repo: 'mntss/transcoder-Llama-3.2-1B', L: 16, d: 2048, n: 131072 },
  { name: 'gemmascope-16k', repo: 'mntss/gemma-scope-transcoders', L: 26, d: 2304, n: 16384 },
];

/** writes the Llama-3.2-1B PLT and GemmaScope 16k sets into CACHE unless they are there */
export function writeSets(): void {
  const llama = SETS[0];
  const a = Math.sqrt(3 / llama.d);
  // The published set reads hook_resid_mid; a random model's raw residual grows with depth, so with random encoders
  // the number of active features would explode layer by layer. The benchmark reads mlp.hook_in (unit RMS, the same
  // shapes and work) so that about 0.1 % of features fire, as in the published sets.
  const config = text('model_name: meta-llama/Llama-3.2-1B\nmodel_kind: transcoder_set\nfeature_input_hook: mlp.hook_in\nfeature_output_hook: mlp.hook_out\n');
  if (fs.existsSync(path.join(CACHE, 'models--mntss--transcoder-Llama-3.2-1B', 'refs', 'main'))) writeCachedRepo(CACHE, llama.repo, { 'config.yaml': config });
  else {
    const files: Record<string, (f: string) => void> = { 'config.yaml': config };
    for (let l = 0; l < llama.L; l++) {
      files[`layer_${l}.safetensors`] = (f) =>
        writeBf16(f, [
          { name: 'W_enc', shape: [llama.n, llama.d], fill: tiled(a, 10 + l) },
          { name: 'W_dec', shape: [llama.n, llama.d], fill: tiled(0.3 * a, 40 + l) },
          { name: 'W_skip', shape: [llama.d, llama.d], fill: tiled(0.1 * a, 70 + l) },
          { name: 'b_enc', shape: [llama.n], fill: tiled(0.1, 100 + l, -3) }, // ≈ 0.1 % of features active
          { name: 'b_dec', shape: [llama.d], fill: tiled(0.02, 130 + l) },
        ]);
    }
    writeCachedRepo(CACHE, llama.repo, files);
  }
  const gs = SETS[1];
  if (!fs.existsSync(path.join(CACHE, 'models--mntss--gemma-scope-transcoders', 'refs', 'main'))) {
    const g = Math.sqrt(3 / gs.d);
    const files: Record<string, (f: string) => void> = {};
    const list: string[] = [];
    for (let l = 0; l < gs.L; l++) {
      const rel = `layer_${l}/width_16k/average_l0_50/params.npz`;
      list.push(`  - hf://google/gemma-scope-2b-pt-transcoders/${rel}`);
      files[rel] = (f) =>
        writeNpz(f, {
          W_enc: { shape: [gs.d, gs.n], data: uniform(gs.d * gs.n, g, 200 + l) },
          W_dec: { shape: [gs.n, gs.d], data: uniform(gs.n * gs.d, 0.3 * g, 300 + l) },
          threshold: { shape: [gs.n], data: new Float32Array(gs.n).fill(2.5) }, // ≈ 0.6 % active
          b_enc: { shape: [gs.n], data: new Float32Array(gs.n) },
          b_dec: { shape: [gs.d], data: new Float32Array(gs.d) },
        });
    }
    writeCachedRepo(CACHE, 'google/gemma-scope-2b-pt-transcoders', files);
    writeCachedRepo(CACHE, gs.repo, {
      'config.yaml': text(`model_name: google/gemma-2-2b\nmodel_kind: transcoder_set\nfeature_input_hook: ln2.hook_normalized\nfeature_output_hook: hook_mlp_out\ntranscoders:\n${list.join('\n')}\n`),
    });
  }
}

