// config.json → ModelConfig for Llama (`LlamaForCausalLM`, Llama 3.x) and Qwen3 (`Qwen3ForCausalLM`), with the
// class defaults of transformers' LlamaConfig / Qwen3Config where a field is optional; the shape fields are required.
// References: transformers/models/llama/configuration_llama.py, models/qwen3/configuration_qwen3.py.
import { EngineError } from '../../errors';
import { configFields, type ModelConfig, type RawConfig } from '../../model/config';
import { GATED_ACTIVATIONS, type GatedActivation } from '../blocks/mlp';
import { parseRopeScaling, type RopeParams } from '../blocks/rope';

export interface LlamaConfig extends ModelConfig {
  gatedActivation: GatedActivation;
  rope: RopeParams;
  /** Qwen3: RMSNorm over each head's q and k before RoPE */
  qkNorm: boolean;
}

export interface LlamaVariant {
  qkNorm: boolean;
  /** head_dim when config.json has none (Llama: hidden/heads; Qwen3Config: 128) */
  defaultHeadDim?: number;
}

export function llamaConfig(raw: RawConfig, file: string, architecture: string, v: LlamaVariant): LlamaConfig {
  const f = configFields(raw, file);
  const dModel = f.int('hidden_size');
  const nHeads = f.int('num_attention_heads');
  const nKvHeads = raw.num_key_value_heads === null ? nHeads : f.int('num_key_value_heads', nHeads);
  if (nHeads % nKvHeads !== 0) {
    throw new EngineError('badFile', `${file}: num_attention_heads (${nHeads}) is not a multiple of num_key_value_heads (${nKvHeads}).`);
  }
  const defaultHeadDim = v.defaultHeadDim ?? dModel / nHeads;
  const dHead = raw.head_dim === null ? defaultHeadDim : f.int('head_dim', defaultHeadDim);
  if (!Number.isInteger(dHead) || dHead % 2 !== 0) {
    throw new EngineError('badFile', `${file}: the head dimension ${dHead} (head_dim, or hidden_size / num_attention_heads) must be an even integer.`);
  }
  const act = f.str('hidden_act', 'silu');
  const gated = GATED_ACTIVATIONS[act];
  if (!gated) throw new EngineError('unsupported', `${file}: hidden_act "${act}" is not supported; supported: ${Object.keys(GATED_ACTIVATIONS).join(', ')}.`);
  for (const key of ['attention_bias', 'mlp_bias']) {
    if (f.bool(key, false)) throw new EngineError('unsupported', `${file}: "${key}": true is not supported (Llama 3 and Qwen3 checkpoints have no biases).`);
  }
  if (f.bool('use_sliding_window', false)) throw new EngineError('unsupported', `${file}: "use_sliding_window": true is not supported for ${architecture}.`);
  const layerTypes = raw.layer_types;
  if (Array.isArray(layerTypes) && layerTypes.some((t) => t !== 'full_attention')) {
    throw new EngineError('unsupported', `${file}: "layer_types" other than full_attention are not supported for ${architecture}.`);
  }
  return {
    architecture,
    nLayers: f.int('num_hidden_layers'),
    nHeads,
    nKvHeads,
    dModel,
    dHead,
    dMlp: f.int('intermediate_size'),
    nCtx: f.int('max_position_embeddings', 2048),
    dVocab: f.int('vocab_size'),
    normEps: f.num('rms_norm_eps', 1e-6),
    activation: act,
    gatedActivation: gated,
    tiedEmbeddings: f.bool('tie_word_embeddings', false),
    bosTokenId: f.optInt('bos_token_id'),
    eosTokenId: f.optInt('eos_token_id'),
    eosTokenIds: f.optInts('eos_token_id'),
    padTokenId: f.optInt('pad_token_id'),
    rope: { theta: f.num('rope_theta', 10000), dim: dHead, scaling: parseRopeScaling(raw.rope_scaling, file) },
    qkNorm: v.qkNorm,
  };
}
