// GPT-2 (`GPT2LMHeadModel`): config.json mapping and weight import. Traps, stated once:
// HF stores Conv1D weights as [in, out] (transposed from nn.Linear), so x·W needs no transpose; `lm_head` is tied
// to `wte` and usually absent; names carry a `transformer.` prefix in HF checkpoints and none in some older ones.
// Reference: https://github.com/huggingface/transformers/blob/main/src/transformers/models/gpt2/modeling_gpt2.py
import { EngineError, throwIfAborted } from '../../errors';
import { configFields, type ModelConfig, type RawConfig } from '../../model/config';
import type { TensorSource } from '../../model/safetensors';
import type { Tensor } from '../../tensor';
import { numel } from '../../tensor';
import type { FamilyWeights } from '../family';

export interface LayerNormWeights {
  w: Tensor; // [d_model]
  b: Tensor; // [d_model]
}

/** One transformer block, named as in the paper/HF; matrices are laid out for x·W (rows = inputs). */
export interface Gpt2Layer {
  ln_1: LayerNormWeights;
  W_QKV: Tensor; // [d_model, 3·d_model]: q | k | v, heads contiguous inside each
  b_QKV: Tensor; // [3·d_model]
  W_O: Tensor; // [d_model, d_model]: rows are head-major (head h owns rows h·d_head … (h+1)·d_head)
  b_O: Tensor; // [d_model]
  ln_2: LayerNormWeights;
  W_in: Tensor; // [d_model, d_mlp]
  b_in: Tensor; // [d_mlp]
  W_out: Tensor; // [d_mlp, d_model]
  b_out: Tensor; // [d_model]
}

export interface Gpt2Weights extends FamilyWeights {
  wte: Tensor; // [d_vocab, d_model]
  wpe: Tensor; // [n_ctx, d_model]
  layers: Gpt2Layer[];
  ln_f: LayerNormWeights;
  /** [d_vocab, d_model]; the same object as `wte` when tied. logits = ln_f(x) · lm_headᵀ */
  lm_head: Tensor;
}

export function gpt2Config(raw: RawConfig, file: string): ModelConfig {
  const f = configFields(raw, file);
  const dModel = f.int('n_embd');
  const nHeads = f.int('n_head');
  if (dModel % nHeads !== 0) throw new EngineError('badFile', `${file}: n_embd (${dModel}) is not divisible by n_head (${nHeads}).`);
  const activation = f.str('activation_function', 'gelu_new');
  if (activation !== 'gelu_new') {
    throw new EngineError('unsupported', `${file}: activation_function "${activation}" is not supported for GPT-2; only "gelu_new" is.`);
  }
  const nInner = raw.n_inner === null || raw.n_inner === undefined ? 4 * dModel : f.int('n_inner');
  return {
    architecture: 'GPT2LMHeadModel',
    nKvHeads: nHeads,
    nLayers: f.int('n_layer'),
    nHeads,
    dModel,
    dHead: dModel / nHeads,
    dMlp: nInner,
    nCtx: f.int('n_positions', typeof raw.n_ctx === 'number' ? raw.n_ctx : undefined),
    dVocab: f.int('vocab_size'),
    normEps: f.num('layer_norm_epsilon', 1e-5),
    activation: 'gelu_new',
    tiedEmbeddings: f.bool('tie_word_embeddings', true),
    bosTokenId: f.optInt('bos_token_id'),
    eosTokenId: f.optInt('eos_token_id'),
    padTokenId: f.optInt('pad_token_id'),
  };
}

/** Reads every GPT-2 weight, checking each shape against the config. */
export function loadGpt2Weights(src: TensorSource, cfg: ModelConfig, where: string, signal?: AbortSignal): Gpt2Weights {
  const prefix = src.has('transformer.wte.weight') ? 'transformer.' : '';
  const { dModel: d, dMlp, dVocab, nCtx } = cfg;
  const read = (name: string, dims: number[], full = prefix + name): Tensor => {
    if (!src.has(full)) throw new EngineError('missingTensor', `Tensor "${full}" is missing from the checkpoint in ${where}.`);
    const shape = src.info(full).shape;
    if (shape.length !== dims.length || shape.some((s, i) => s !== dims[i])) {
      throw new EngineError(
        'badShape',
        `Tensor "${full}" in ${where} has shape ${JSON.stringify(shape)}; config.json implies ${JSON.stringify(dims)}.`,
      );
    }
    const data = src.read(full);
    if (data.length !== numel(dims)) throw new EngineError('internal', `Tensor "${full}" read ${data.length} values.`);
    return { data, dims };
  };
  const ln = (name: string): LayerNormWeights => ({ w: read(`${name}.weight`, [d]), b: read(`${name}.bias`, [d]) });

  const wte = read('wte.weight', [dVocab, d]);
  const wpe = read('wpe.weight', [nCtx, d]);
  const layers: Gpt2Layer[] = [];
  for (let l = 0; l < cfg.nLayers; l++) {
    throwIfAborted(signal);
    const h = `h.${l}`;
    layers.push({
      ln_1: ln(`${h}.ln_1`),
      W_QKV: read(`${h}.attn.c_attn.weight`, [d, 3 * d]),
      b_QKV: read(`${h}.attn.c_attn.bias`, [3 * d]),
      W_O: read(`${h}.attn.c_proj.weight`, [d, d]),
      b_O: read(`${h}.attn.c_proj.bias`, [d]),
      ln_2: ln(`${h}.ln_2`),
      W_in: read(`${h}.mlp.c_fc.weight`, [d, dMlp]),
      b_in: read(`${h}.mlp.c_fc.bias`, [dMlp]),
      W_out: read(`${h}.mlp.c_proj.weight`, [dMlp, d]),
      b_out: read(`${h}.mlp.c_proj.bias`, [d]),
    });
  }
  const ln_f = ln('ln_f');
  const lm_head = cfg.tiedEmbeddings ? wte : read('lm_head.weight', [dVocab, d], 'lm_head.weight');
  return { wte, wpe, layers, ln_f, lm_head, embed: wte.data, unembed: lm_head.data };
}
