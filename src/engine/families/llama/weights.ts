// Llama / Qwen3 weight import: HF tensor names, [out, in] as nn.Linear stores them, shapes checked against the
// config, sharded checkpoints through the store's index. Matrices stay in their stored precision (BF16/F16 as 16-bit
// patterns, model/weight.ts: half the memory of fp32), norm gains are read as fp32.
import { EngineError, throwIfAborted } from '../../errors';
import type { TensorSource } from '../../model/safetensors';
import type { Weight } from '../../model/weight';
import type { FamilyWeights } from '../family';
import type { LlamaConfig } from './config';

export interface LlamaLayer {
  input_layernorm: Float32Array; // [d]
  q_proj: Weight; // [H·dh, d]
  k_proj: Weight; // [H_kv·dh, d]
  v_proj: Weight; // [H_kv·dh, d]
  o_proj: Weight; // [d, H·dh]
  q_norm?: Float32Array; // [dh] (Qwen3)
  k_norm?: Float32Array; // [dh] (Qwen3)
  post_attention_layernorm: Float32Array; // [d]: the pre-MLP norm
  gate_proj: Weight; // [F, d]
  up_proj: Weight; // [F, d]
  down_proj: Weight; // [d, F]
}

export interface LlamaWeights extends FamilyWeights {
  layers: LlamaLayer[];
  norm: Float32Array; // [d]
}

/** reads a tensor with the exact shape given, or throws naming the tensor, the folder and both shapes */
export function tensorReader(src: TensorSource, where: string) {
  return (name: string, dims: number[]): Float32Array => {
    checkTensor(src, where, name, dims);
    return src.read(name);
  };
}

/** as tensorReader, in the stored precision (16-bit stays 16-bit) */
export function storedReader(src: TensorSource, where: string) {
  return (name: string, dims: number[]): Weight => {
    checkTensor(src, where, name, dims);
    return src.readStored ? src.readStored(name) : src.read(name);
  };
}

function checkTensor(src: TensorSource, where: string, name: string, dims: number[]): void {
  if (!src.has(name)) throw new EngineError('missingTensor', `Tensor "${name}" is missing from the checkpoint in ${where}.`);
  const shape = src.info(name).shape;
  if (shape.length !== dims.length || shape.some((s, i) => s !== dims[i])) {
    throw new EngineError('badShape', `Tensor "${name}" in ${where} has shape ${JSON.stringify(shape)}; config.json implies ${JSON.stringify(dims)}.`);
  }
}

export function loadLlamaWeights(src: TensorSource, cfg: LlamaConfig, where: string, signal?: AbortSignal): LlamaWeights {
  const read = tensorReader(src, where);
  const stored = storedReader(src, where);
  const { dModel: d, dHead: dh, nHeads: H, nKvHeads: Hkv, dMlp: F, dVocab: V } = cfg;
  const embed = stored('model.embed_tokens.weight', [V, d]);
  const layers: LlamaLayer[] = [];
  for (let l = 0; l < cfg.nLayers; l++) {
    throwIfAborted(signal);
    const p = `model.layers.${l}.`;
    layers.push({
      input_layernorm: read(`${p}input_layernorm.weight`, [d]),
      q_proj: stored(`${p}self_attn.q_proj.weight`, [H * dh, d]),
      k_proj: stored(`${p}self_attn.k_proj.weight`, [Hkv * dh, d]),
      v_proj: stored(`${p}self_attn.v_proj.weight`, [Hkv * dh, d]),
      o_proj: stored(`${p}self_attn.o_proj.weight`, [d, H * dh]),
      ...(cfg.qkNorm ? { q_norm: read(`${p}self_attn.q_norm.weight`, [dh]), k_norm: read(`${p}self_attn.k_norm.weight`, [dh]) } : {}),
      post_attention_layernorm: read(`${p}post_attention_layernorm.weight`, [d]),
      gate_proj: stored(`${p}mlp.gate_proj.weight`, [F, d]),
      up_proj: stored(`${p}mlp.up_proj.weight`, [F, d]),
      down_proj: stored(`${p}mlp.down_proj.weight`, [d, F]),
    });
  }
  const norm = read('model.norm.weight', [d]);
  if (!cfg.tiedEmbeddings && !src.has('lm_head.weight')) {
    throw new EngineError('missingTensor', `Tensor "lm_head.weight" is missing from the checkpoint in ${where}, and config.json says "tie_word_embeddings": false.`);
  }
  const unembed = cfg.tiedEmbeddings ? embed : stored('lm_head.weight', [V, d]);
  return { embed, unembed, layers, norm };
}
