// Gemma-2 / Gemma-3 text weight import, HF tensor names (`model.layers.{i}.…`, shapes [out, in] as nn.Linear stores
// them). Every RMSNorm weight w is stored as an offset: the gain is 1 + w (Gemma2RMSNorm), folded in here in fp32.
// `post_attention_layernorm` is Gemma's norm of the attention output (not Llama's pre-MLP norm); the pre-MLP norm is
// `pre_feedforward_layernorm`. The head is tied to `model.embed_tokens.weight` unless config says otherwise.
import { EngineError, throwIfAborted } from '../../errors';
import type { TensorSource } from '../../model/safetensors';
import type { Weight } from '../../model/weight';
import { numel } from '../../tensor';
import type { FamilyWeights } from '../family';
import { onePlus } from '../blocks/norms';
import type { GemmaConfig } from './config';

export interface GemmaLayer {
  /** gains (1 + w) of input_layernorm, post_attention_layernorm, pre_feedforward_layernorm, post_feedforward_layernorm */
  ln1: Float32Array;
  ln1Post: Float32Array;
  ln2: Float32Array;
  ln2Post: Float32Array;
  W_q: Weight; // [H·dh, d]
  W_k: Weight; // [H_kv·dh, d]
  W_v: Weight; // [H_kv·dh, d]
  W_o: Weight; // [d, H·dh]
  /** Gemma-3: gains (1 + w) of q_norm / k_norm, [dh] */
  qNorm?: Float32Array;
  kNorm?: Float32Array;
  gate: Weight; // [F, d]
  up: Weight; // [F, d]
  down: Weight; // [d, F]
}

export interface GemmaWeights extends FamilyWeights {
  layers: GemmaLayer[];
  /** gain (1 + w) of model.norm */
  norm: Float32Array;
}

export function loadGemmaWeights(src: TensorSource, cfg: GemmaConfig, where: string, signal?: AbortSignal): GemmaWeights {
  const { dModel: d, dMlp: F, dVocab: V, nHeads: H, nKvHeads: Hkv, dHead: dh } = cfg;
  // Gemma3ForConditionalGeneration stores its language model under language_model.model. (as Google published it)
  // or model.language_model. (as transformers ≥ 4.52 saves it); text-only checkpoints under model.
  const prefix = ['model.', 'language_model.model.', 'model.language_model.'].find((p) => src.has(`${p}embed_tokens.weight`)) ?? 'model.';
  const check = (full: string, dims: number[]) => {
    if (!src.has(full)) throw new EngineError('missingTensor', `Tensor "${full}" is missing from the checkpoint in ${where}.`);
    const shape = src.info(full).shape;
    if (shape.length !== dims.length || shape.some((s, i) => s !== dims[i])) {
      throw new EngineError('badShape', `Tensor "${full}" in ${where} has shape ${JSON.stringify(shape)}; config.json implies ${JSON.stringify(dims)}.`);
    }
  };
  const read = (full: string, dims: number[]): Float32Array => {
    check(full, dims);
    const data = src.read(full);
    if (data.length !== numel(dims)) throw new EngineError('internal', `Tensor "${full}" read ${data.length} values.`);
    return data;
  };
  /** matrices in their stored precision (BF16/F16 stay 16-bit: model/weight.ts) */
  const stored = (full: string, dims: number[]): Weight => {
    check(full, dims);
    const data = src.readStored ? src.readStored(full) : src.read(full);
    if (data.length !== numel(dims)) throw new EngineError('internal', `Tensor "${full}" read ${data.length} values.`);
    return data;
  };
  const gain = (name: string, n = d) => onePlus(read(name, [n]));

  const embed = stored(`${prefix}embed_tokens.weight`, [V, d]);
  const layers: GemmaLayer[] = [];
  for (let l = 0; l < cfg.nLayers; l++) {
    throwIfAborted(signal);
    const p = `${prefix}layers.${l}.`;
    layers.push({
      ln1: gain(`${p}input_layernorm.weight`),
      ln1Post: gain(`${p}post_attention_layernorm.weight`),
      ln2: gain(`${p}pre_feedforward_layernorm.weight`),
      ln2Post: gain(`${p}post_feedforward_layernorm.weight`),
      W_q: stored(`${p}self_attn.q_proj.weight`, [H * dh, d]),
      W_k: stored(`${p}self_attn.k_proj.weight`, [Hkv * dh, d]),
      W_v: stored(`${p}self_attn.v_proj.weight`, [Hkv * dh, d]),
      W_o: stored(`${p}self_attn.o_proj.weight`, [d, H * dh]),
      qNorm: cfg.qkNorm ? gain(`${p}self_attn.q_norm.weight`, dh) : undefined,
      kNorm: cfg.qkNorm ? gain(`${p}self_attn.k_norm.weight`, dh) : undefined,
      gate: stored(`${p}mlp.gate_proj.weight`, [F, d]),
      up: stored(`${p}mlp.up_proj.weight`, [F, d]),
      down: stored(`${p}mlp.down_proj.weight`, [d, F]),
    });
  }
  const norm = gain(`${prefix}norm.weight`);
  const headName = ['lm_head.weight', 'language_model.lm_head.weight'].find((n) => src.has(n)) ?? 'lm_head.weight';
  const unembed = cfg.tiedEmbeddings ? embed : stored(headName, [V, d]);
  return { embed, unembed, layers, norm };
}
