// Gemma-2 (`Gemma2ForCausalLM`) and Gemma-3 text (`Gemma3ForCausalLM`) config.json mapping. A missing field takes
// the class default of transformers' Gemma2Config / Gemma3TextConfig, as `from_pretrained` does, except the five
// that size the model, which must be present. Traps, stated once:
//  - the MLP activation is read from `hidden_activation` (Gemma2MLP ignores `hidden_act`);
//  - attention scores are scaled by query_pre_attn_scalar^-½, not head_dim^-½;
//  - head_dim is its own field (256 by default), not hidden_size / num_attention_heads;
//  - layer kinds come from `layer_types`; absent, Gemma-2 slides on even layers and Gemma-3 on every layer whose
//    (i + 1) is not a multiple of `sliding_window_pattern` (6 by default);
//  - Gemma-3 sliding layers rotate with rope_local_base_freq and no scaling; its full layers with rope_theta and
//    rope_scaling. Gemma-3's attention never applies attn_logit_softcapping (Gemma3Attention does not pass it).
// References: transformers models/gemma2/{configuration,modeling}_gemma2.py, models/gemma3/{configuration,modeling}_gemma3.py.
import { EngineError } from '../../errors';
import { configFields, type ModelConfig, type RawConfig } from '../../model/config';
import { parseRopeScaling, type RopeParams } from '../blocks/rope';

export type LayerKind = 'sliding' | 'full';

export interface GemmaConfig extends ModelConfig {
  /** Gemma-3: per-head q/k RMSNorms before RoPE */
  qkNorm: boolean;
  layerKinds: LayerKind[];
  slidingWindow: number;
  /** attention scores · queryPreAttnScalar^-½ */
  queryPreAttnScalar: number;
  attnSoftcap?: number;
  finalSoftcap?: number;
  /** √hidden_size in fp32: the embedding scale */
  embedScale: number;
  ropeFull: RopeParams;
  ropeSliding: RopeParams;
}

const REQUIRED = ['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size'];

/**
 * `Gemma3ForConditionalGeneration` (gemma-3-4b and larger): its language model is Gemma3TextConfig under
 * `text_config`, which lists only what differs from the class defaults (4b: sizes, rope_scaling, sliding_window), so
 * heads and vocabulary take those defaults here; its forward never applies a final soft-cap (Gemma3ForConditionalGeneration
 * computes lm_head(hidden) and returns). Token ids stay at the top level.
 */
export function gemma3MultimodalConfig(raw: RawConfig, file: string, architecture: string): GemmaConfig {
  const text = raw.text_config;
  if (typeof text !== 'object' || text === null || Array.isArray(text)) {
    throw new EngineError('badFile', `${file} has no "text_config", which a Gemma3ForConditionalGeneration checkpoint needs for its language model.`);
  }
  const merged: RawConfig = { num_attention_heads: 8, vocab_size: 262208, ...(text as RawConfig) };
  for (const k of ['bos_token_id', 'eos_token_id', 'pad_token_id', 'tie_word_embeddings']) if (merged[k] === undefined && raw[k] !== undefined) merged[k] = raw[k];
  const eos = merged.eos_token_id;
  if (Array.isArray(eos)) merged.eos_token_id = eos[0];
  return { ...gemmaConfig(merged, `${file} (text_config)`, architecture, true), finalSoftcap: undefined };
}

/** `gemma3`: Gemma3TextConfig defaults and Gemma-3 semantics; else Gemma2Config's */
export function gemmaConfig(raw: RawConfig, file: string, architecture: string, gemma3: boolean): GemmaConfig {
  const family = gemma3 ? 'Gemma-3' : 'Gemma-2';
  if (Array.isArray(raw.eos_token_id)) raw = { ...raw, eos_token_id: raw.eos_token_id[0] };
  for (const key of REQUIRED) {
    if (raw[key] === undefined || raw[key] === null) throw new EngineError('badFile', `${file} has no "${key}", which a ${family} model needs.`);
  }
  const f = configFields(raw, file);
  const optNum = (key: string, fallback: number | undefined): number | undefined => {
    const v = key in raw ? raw[key] : fallback;
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new EngineError('badFile', `${file}: "${key}" must be a positive number or null, got ${JSON.stringify(v)}.`);
    return v;
  };
  const nLayers = f.int('num_hidden_layers');
  const nHeads = f.int('num_attention_heads');
  const nKvHeads = f.int('num_key_value_heads', 4);
  if (nHeads % nKvHeads !== 0) {
    throw new EngineError('badFile', `${file}: num_attention_heads (${nHeads}) is not a multiple of num_key_value_heads (${nKvHeads}).`);
  }
  const dHead = f.int('head_dim', 256);
  if (dHead % 2 !== 0) throw new EngineError('badFile', `${file}: "head_dim" must be even for rotary embeddings, got ${dHead}.`);
  const activation = f.str('hidden_activation', 'gelu_pytorch_tanh');
  if (activation !== 'gelu_pytorch_tanh' && activation !== 'gelu_tanh') {
    throw new EngineError('unsupported', `${file}: hidden_activation "${activation}" is not supported for ${family}; only "gelu_pytorch_tanh" is.`);
  }
  if (raw.attention_bias === true) throw new EngineError('unsupported', `${file}: "attention_bias": true is not supported for ${family}.`);
  if (raw.use_bidirectional_attention === true) {
    throw new EngineError('unsupported', `${file}: "use_bidirectional_attention" (EmbeddingGemma) is not a causal language model.`);
  }
  const layerKinds = parseLayerKinds(raw, file, nLayers, gemma3);
  const dModel = f.int('hidden_size');
  // transformers v5 writes rope_parameters: per layer kind for Gemma-3 ({full_attention, sliding_attention}), flat for Gemma-2
  const rp = objectOrUndefined(raw.rope_parameters, file, 'rope_parameters');
  const rpFull = objectOrUndefined(rp?.full_attention, file, 'rope_parameters.full_attention') ?? (rp && 'rope_theta' in rp ? rp : undefined);
  const rpSliding = objectOrUndefined(rp?.sliding_attention, file, 'rope_parameters.sliding_attention');
  const scaling = parseRopeScaling(rpFull ?? raw.rope_scaling, file);
  const theta = rpFull?.rope_theta !== undefined ? configFields(rpFull, `${file} (rope_parameters)`).num('rope_theta', 0) : f.num('rope_theta', gemma3 ? 1_000_000 : 10_000);
  const thetaLocal = rpSliding?.rope_theta !== undefined ? configFields(rpSliding, `${file} (rope_parameters)`).num('rope_theta', 0) : f.num('rope_local_base_freq', 10_000);
  return {
    architecture,
    nLayers,
    nHeads,
    nKvHeads,
    dModel,
    dHead,
    dMlp: f.int('intermediate_size'),
    nCtx: f.int('max_position_embeddings', gemma3 ? 131072 : 8192),
    dVocab: f.int('vocab_size'),
    normEps: f.num('rms_norm_eps', 1e-6),
    activation: 'gelu_pytorch_tanh',
    tiedEmbeddings: f.bool('tie_word_embeddings', true),
    bosTokenId: f.optInt('bos_token_id') ?? 2,
    eosTokenId: f.optInt('eos_token_id') ?? 1,
    padTokenId: f.optInt('pad_token_id') ?? 0,
    qkNorm: gemma3,
    layerKinds,
    slidingWindow: f.int('sliding_window', 4096),
    queryPreAttnScalar: f.num('query_pre_attn_scalar', 256),
    attnSoftcap: gemma3 ? undefined : optNum('attn_logit_softcapping', 50),
    finalSoftcap: optNum('final_logit_softcapping', gemma3 ? undefined : 30),
    embedScale: Math.fround(Math.sqrt(dModel)),
    // Gemma2RotaryEmbedding honours rope_scaling on every layer; Gemma-3 on full layers only
    ropeFull: { theta, dim: dHead, scaling },
    ropeSliding: gemma3 ? { theta: thetaLocal, dim: dHead } : { theta, dim: dHead, scaling },
  };
}

function parseLayerKinds(raw: RawConfig, file: string, nLayers: number, gemma3: boolean): LayerKind[] {
  const types = raw.layer_types;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length !== nLayers) {
      throw new EngineError('badFile', `${file}: "layer_types" must list ${nLayers} entries (one per layer), got ${JSON.stringify(types)}.`);
    }
    return types.map((t, i) => {
      if (t === 'sliding_attention') return 'sliding';
      if (t === 'full_attention') return 'full';
      throw new EngineError('badFile', `${file}: layer_types[${i}] is ${JSON.stringify(t)}; expected "sliding_attention" or "full_attention".`);
    });
  }
  let period = 2;
  if (gemma3) {
    const p = raw.sliding_window_pattern ?? 6;
    if (typeof p !== 'number' || !Number.isInteger(p) || p <= 0) throw new EngineError('badFile', `${file}: "sliding_window_pattern" must be a positive integer, got ${JSON.stringify(p)}.`);
    period = p;
  }
  return Array.from({ length: nLayers }, (_, i) => ((i + 1) % period !== 0 ? 'sliding' : 'full'));
}

function objectOrUndefined(v: unknown, file: string, key: string): RawConfig | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new EngineError('badFile', `${file}: "${key}" must be an object, got ${JSON.stringify(v)}.`);
  return v as RawConfig;
}
