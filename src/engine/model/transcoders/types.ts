// What the engine knows about a transcoder set, whatever layout it was published in: shapes, hooks, the activation,
// small per-layer vectors (resident), and readers for the big matrices (encoders, skips, decoder rows), which stay on
// disk in their stored precision and are read a layer (or a few rows) at a time.
import { EngineError } from '../../errors';

/** where the transcoder reads, in TransformerLens hook names; each is a linear function of resid_mid once norms are frozen */
export type InputHook = 'mlp.hook_in' | 'hook_resid_mid' | 'ln2.hook_normalized';
export const INPUT_HOOKS: readonly InputHook[] = ['mlp.hook_in', 'hook_resid_mid', 'ln2.hook_normalized'];
/**
 * where the features write: `mlp.hook_out` is the MLP's own output, `hook_mlp_out` what is added to the residual
 * (the same for models without a post-MLP norm; after Gemma's post_feedforward_layernorm)
 */
export const OUTPUT_HOOKS: readonly string[] = ['mlp.hook_out', 'hook_mlp_out'];

export type Activation = { kind: 'relu' } | { kind: 'jumprelu' } | { kind: 'topk'; k: number };

/** The published layouts this engine reads (see formats.ts). */
export type TranscoderFormat =
  | 'circuit-tracer PLT' // layer_{i}.safetensors: W_enc [n, d], W_dec, b_enc, b_dec, threshold?, W_skip?
  | 'GemmaScope npz' // params.npz: W_enc [d, n], W_dec [n, d], b_enc, b_dec, threshold
  | 'GemmaScope-2 PLT' // params*.safetensors: w_enc [d, n], w_dec [n, d], b_enc, b_dec, threshold, affine_skip_connection?
  | 'circuit-tracer CLT'; // W_enc_{i}.safetensors (W_enc_i, b_enc_i, b_dec_i, threshold_i?), W_dec_{i}.safetensors

/** The small per-layer vectors, kept in memory as fp32. */
export interface TranscoderLayer {
  b_enc: Float32Array;
  /** JumpReLU thresholds, one per feature */
  threshold?: Float32Array;
  /** decoder bias of this output layer, [d_model] */
  b_dec: Float32Array;
}

/** An encoder matrix as stored: [d_transcoder, d_model] (pre = u·Wᵀ + b), or [d_model, d_transcoder] when transposed (pre = u·W + b). */
export interface EncoderMatrix {
  data: Float32Array;
  transposed: boolean;
}

export interface TranscoderSet {
  kind: 'per-layer' | 'cross-layer';
  format: TranscoderFormat;
  nLayers: number;
  dModel: number;
  dTranscoder: number;
  inputHook: InputHook;
  outputHook: string;
  activation: Activation;
  layers: TranscoderLayer[];
  /** the transcoders have a linear skip path (PLT W_skip, GemmaScope-2 affine skip) */
  hasSkip: boolean;
  /** metadata.scan: the config's `scan`/`repo_id`, else the folder */
  scan: string;
  /** the config's `model_name`, when it names one */
  modelName?: string;
  /** the folder the set was loaded from */
  dir: string;
  /** encoders are stored [d_model, d_transcoder] (GemmaScope layouts) */
  encoderTransposed: boolean;
  /** all encoders fit the resident budget and are kept in memory once read */
  encoderResident: boolean;
  /** The encoder of layer `l` as stored, fp32; read from disk unless the set is small enough to keep encoders resident. */
  encoderMatrix(l: number): EncoderMatrix;
  /**
   * Where the encoders are BF16 [n, d_model] on disk and not resident: rows f0…f0+count−1 of layer `l`'s encoder as
   * 16-bit patterns read into `buf` (the encoder converts them inside onnxruntime, without a fresh fp32 block).
   * `check: false` skips the scan for NaN/Inf: the caller checks what the rows compute instead (a non-finite weight
   * makes every pre-activation of its feature non-finite) and reads again with the check to name the value.
   */
  encoderBf16Rows?(l: number, f0: number, count: number, buf: Uint16Array, check?: boolean): Uint16Array;
  /** Encoder rows of the given features of layer `l`, [n, d_model], in the order given. */
  encoderRows(l: number, features: ArrayLike<number>): Float32Array;
  /** The skip of layer `l` as skip(u) = u·W_skipᵀ, [d_model, d_model], or undefined without one. */
  skip(l: number): Float32Array | undefined;
  /**
   * Decoder rows of features of source layer `layer`, in the order given: [n, d_model] for a per-layer transcoder,
   * [n, n_layers − layer, d_model] for a cross-layer one (slot j writes to layer layer + j).
   */
  decoderRows(layer: number, features: ArrayLike<number>): Float32Array;
  close(): void;
}

/** Throws when a transcoder set was trained for another shape of model than `cfg` describes; the message names both. */
export function checkTranscodersFit(
  tc: TranscoderSet,
  cfg: { nLayers: number; dModel: number; name?: string },
  where = `The transcoders in ${tc.dir}`,
): void {
  if (tc.nLayers !== cfg.nLayers || tc.dModel !== cfg.dModel) {
    const trained = tc.modelName ? `, made for ${tc.modelName}` : '';
    const model = cfg.name ? `the model ${cfg.name}` : 'the model';
    throw new EngineError(
      'badInput',
      `${where} (${tc.nLayers} layers, d_model ${tc.dModel}${trained}) do not fit ${model} (${cfg.nLayers} layers, d_model ${cfg.dModel}).`,
    );
  }
}

/** The activation function applied to one position's pre-activations, in place (zeroes inactive features). */
export function applyActivation(act: Activation, pre: Float32Array, threshold?: Float32Array): void {
  if (act.kind === 'relu') {
    for (let i = 0; i < pre.length; i++) if (!(pre[i] > 0)) pre[i] = 0;
  } else if (act.kind === 'jumprelu') {
    for (let i = 0; i < pre.length; i++) if (!(pre[i] > threshold![i])) pre[i] = 0;
  } else {
    // keep the k largest values (even negative ones), as torch.topk + scatter does; ties broken by lower index
    const k = Math.min(act.k, pre.length);
    const order = Array.from(pre.keys()).sort((a, b) => pre[b] - pre[a] || a - b);
    const keep = new Uint8Array(pre.length);
    for (let i = 0; i < k; i++) keep[order[i]] = 1;
    for (let i = 0; i < pre.length; i++) if (!keep[i]) pre[i] = 0;
  }
}
