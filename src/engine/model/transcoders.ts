// Transcoders in circuit-tracer's layouts: per-layer (`layer_{i}.safetensors`: W_enc, W_dec, b_enc, b_dec,
// optional activation_function.threshold, W_skip, k) and cross-layer (`W_enc_{i}` / `W_dec_{i}` files), described by
// `config.yaml`. Encoders and biases stay resident; decoder rows are read on demand for active features only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EngineError } from '../errors';
import { SafetensorsFile } from './safetensors';

/** where the transcoder reads, in TransformerLens hook names; each is a linear function of resid_mid once norms are frozen */
export type InputHook = 'mlp.hook_in' | 'hook_resid_mid' | 'ln2.hook_normalized';
export const INPUT_HOOKS: readonly InputHook[] = ['mlp.hook_in', 'hook_resid_mid', 'ln2.hook_normalized'];
/** both names denote the MLP output that is added to the residual stream (for models without a post-MLP norm) */
const OUTPUT_HOOKS = ['mlp.hook_out', 'hook_mlp_out'];

export type Activation = { kind: 'relu' } | { kind: 'jumprelu' } | { kind: 'topk'; k: number };

export interface TranscoderLayer {
  /** [d_transcoder, d_model]: pre = u·W_encᵀ + b_enc */
  W_enc: Float32Array;
  b_enc: Float32Array;
  /** JumpReLU thresholds, one per feature */
  threshold?: Float32Array;
  /** decoder bias of this output layer, [d_model] */
  b_dec: Float32Array;
  /** [d_model, d_model] used as skip(u) = u·W_skipᵀ */
  W_skip?: Float32Array;
}

export interface TranscoderSet {
  kind: 'per-layer' | 'cross-layer';
  nLayers: number;
  dModel: number;
  dTranscoder: number;
  inputHook: InputHook;
  outputHook: string;
  activation: Activation;
  layers: TranscoderLayer[];
  /** metadata.scan: the config's `scan`/`repo_id`, else the folder */
  scan: string;
  /**
   * Decoder rows of features of source layer `layer`, in the order given: [n, d_model] for a per-layer transcoder,
   * [n, n_layers − layer, d_model] for a cross-layer one (slot j writes to layer layer + j).
   */
  decoderRows(layer: number, features: ArrayLike<number>): Float32Array;
  close(): void;
}

interface RawTranscoderConfig {
  model_kind?: string;
  feature_input_hook?: string;
  feature_output_hook?: string;
  activation?: string;
  k?: number;
  transcoders?: unknown[];
  scan?: string;
  repo_id?: string;
}

/** Throws when a transcoder set was trained for another shape of model than `cfg` describes. */
export function checkTranscodersFit(tc: TranscoderSet, cfg: { nLayers: number; dModel: number }, where = 'The transcoders'): void {
  if (tc.nLayers !== cfg.nLayers || tc.dModel !== cfg.dModel) {
    throw new EngineError(
      'badInput',
      `${where} (${tc.nLayers} layers, d_model ${tc.dModel}) do not fit the model (${cfg.nLayers} layers, d_model ${cfg.dModel}).`,
    );
  }
}

/** Loads the transcoders in `dir` (a folder with config.yaml, or with layer files and no config). */
export function loadTranscoders(dir: string): TranscoderSet {
  if (!fs.existsSync(dir)) throw new EngineError('fileNotFound', `Transcoder folder not found: ${dir}`);
  const cfgFile = path.join(dir, 'config.yaml');
  let cfg: RawTranscoderConfig = {};
  if (fs.existsSync(cfgFile)) {
    try {
      cfg = (parseYaml(fs.readFileSync(cfgFile, 'utf8')) ?? {}) as RawTranscoderConfig;
    } catch (e) {
      throw new EngineError('badFile', `${cfgFile} is not valid YAML: ${(e as Error).message}.`);
    }
  }
  const inputHook = (cfg.feature_input_hook ?? 'mlp.hook_in') as InputHook;
  if (!INPUT_HOOKS.includes(inputHook)) {
    throw new EngineError('unsupported', `${cfgFile}: feature_input_hook "${inputHook}" is not supported; use one of ${INPUT_HOOKS.join(', ')}.`);
  }
  const outputHook = cfg.feature_output_hook ?? 'mlp.hook_out';
  if (!OUTPUT_HOOKS.includes(outputHook)) {
    throw new EngineError('unsupported', `${cfgFile}: feature_output_hook "${outputHook}" is not supported; use one of ${OUTPUT_HOOKS.join(', ')}.`);
  }
  const scan = cfg.scan ?? cfg.repo_id ?? path.basename(path.resolve(dir));
  const clt = cfg.model_kind === 'cross_layer_transcoder' || (!cfg.model_kind && fs.existsSync(path.join(dir, 'W_enc_0.safetensors')));
  if (cfg.model_kind && !clt && cfg.model_kind !== 'transcoder_set') {
    throw new EngineError('unsupported', `${cfgFile}: model_kind "${cfg.model_kind}" is not supported; use transcoder_set or cross_layer_transcoder.`);
  }
  return clt ? loadCrossLayer(dir, inputHook, outputHook, scan) : loadPerLayer(dir, cfg, inputHook, outputHook, scan);
}

function layerFiles(dir: string, cfg: RawTranscoderConfig): string[] {
  if (Array.isArray(cfg.transcoders) && cfg.transcoders.length > 0) {
    return cfg.transcoders.map((entry, i) => {
      const p = typeof entry === 'string' ? entry : (entry as { filepath?: string }).filepath;
      if (typeof p !== 'string') throw new EngineError('badFile', `config.yaml in ${dir}: transcoders[${i}] is not a path.`);
      if (p.startsWith('hf://')) throw new EngineError('unsupported', `config.yaml in ${dir} points at ${p}; download it and list local paths.`);
      return path.resolve(dir, p);
    });
  }
  const files: string[] = [];
  for (let i = 0; fs.existsSync(path.join(dir, `layer_${i}.safetensors`)); i++) files.push(path.join(dir, `layer_${i}.safetensors`));
  if (files.length === 0) throw new EngineError('fileNotFound', `No layer_0.safetensors (nor a transcoders list in config.yaml) in ${dir}.`);
  return files;
}

function loadPerLayer(dir: string, cfg: RawTranscoderConfig, inputHook: InputHook, outputHook: string, scan: string): TranscoderSet {
  const files = layerFiles(dir, cfg).map((f) => SafetensorsFile.open(f));
  const first = files[0];
  const [dTranscoder, dModel] = shapeOf(first, 'W_enc', 2);
  let activation: Activation = first.has('activation_function.threshold') ? { kind: 'jumprelu' } : { kind: 'relu' };
  if (cfg.activation === 'topk' || first.has('k')) {
    const k = cfg.k ?? (first.has('k') ? first.read('k')[0] : undefined);
    if (!k || !Number.isInteger(k) || k <= 0) throw new EngineError('badFile', `TopK transcoders in ${dir} need a positive integer k in config.yaml.`);
    activation = { kind: 'topk', k };
  } else if (cfg.activation === 'relu') activation = { kind: 'relu' };
  const layers = files.map((f, l) => {
    const where = `${f.file} (layer ${l})`;
    expectShape(f, 'W_enc', [dTranscoder, dModel], where);
    expectShape(f, 'W_dec', [dTranscoder, dModel], where);
    expectShape(f, 'b_enc', [dTranscoder], where);
    expectShape(f, 'b_dec', [dModel], where);
    const layer: TranscoderLayer = { W_enc: f.read('W_enc'), b_enc: f.read('b_enc'), b_dec: f.read('b_dec') };
    if (activation.kind === 'jumprelu') {
      expectShape(f, 'activation_function.threshold', [dTranscoder], where);
      layer.threshold = f.read('activation_function.threshold');
    }
    if (f.has('W_skip')) {
      expectShape(f, 'W_skip', [dModel, dModel], where);
      layer.W_skip = f.read('W_skip');
    }
    return layer;
  });
  if (layers.some((l) => !!l.W_skip !== !!layers[0].W_skip)) throw new EngineError('badFile', `Some transcoders in ${dir} have W_skip and some do not.`);
  return {
    kind: 'per-layer',
    nLayers: files.length,
    dModel,
    dTranscoder,
    inputHook,
    outputHook,
    activation,
    layers,
    scan,
    decoderRows: (layer, features) => files[layer].readRows('W_dec', features),
    close: () => files.forEach((f) => f.close()),
  };
}

function loadCrossLayer(dir: string, inputHook: InputHook, outputHook: string, scan: string): TranscoderSet {
  const enc: SafetensorsFile[] = [];
  const dec: SafetensorsFile[] = [];
  for (let i = 0; fs.existsSync(path.join(dir, `W_enc_${i}.safetensors`)); i++) {
    enc.push(SafetensorsFile.open(path.join(dir, `W_enc_${i}.safetensors`)));
    const decFile = path.join(dir, `W_dec_${i}.safetensors`);
    if (!fs.existsSync(decFile)) throw new EngineError('fileNotFound', `W_dec_${i}.safetensors is missing from ${dir}.`);
    dec.push(SafetensorsFile.open(decFile));
  }
  if (enc.length === 0) throw new EngineError('fileNotFound', `No W_enc_0.safetensors in ${dir}.`);
  const L = enc.length;
  const [dTranscoder, dModel] = shapeOf(enc[0], 'W_enc_0', 2);
  const jump = enc[0].has('threshold_0');
  const layers = enc.map((f, i) => {
    const where = `${f.file} (layer ${i})`;
    expectShape(f, `W_enc_${i}`, [dTranscoder, dModel], where);
    expectShape(f, `b_enc_${i}`, [dTranscoder], where);
    expectShape(f, `b_dec_${i}`, [dModel], where);
    expectShape(dec[i], `W_dec_${i}`, [dTranscoder, L - i, dModel], `${dec[i].file} (layer ${i})`);
    const layer: TranscoderLayer = { W_enc: f.read(`W_enc_${i}`), b_enc: f.read(`b_enc_${i}`), b_dec: f.read(`b_dec_${i}`) };
    if (jump) layer.threshold = f.read(`threshold_${i}`);
    return layer;
  });
  return {
    kind: 'cross-layer',
    nLayers: L,
    dModel,
    dTranscoder,
    inputHook,
    outputHook,
    activation: jump ? { kind: 'jumprelu' } : { kind: 'relu' },
    layers,
    scan,
    decoderRows: (layer, features) => dec[layer].readRows(`W_dec_${layer}`, features),
    close: () => [...enc, ...dec].forEach((f) => f.close()),
  };
}

function shapeOf(f: SafetensorsFile, name: string, rank: number): number[] {
  if (!f.has(name)) throw new EngineError('missingTensor', `Tensor "${name}" is missing from ${f.file}.`);
  const s = f.info(name).shape;
  if (s.length !== rank) throw new EngineError('badShape', `Tensor "${name}" in ${f.file} has shape ${JSON.stringify(s)}; expected rank ${rank}.`);
  return s;
}

function expectShape(f: SafetensorsFile, name: string, dims: number[], where: string): void {
  if (!f.has(name)) throw new EngineError('missingTensor', `Tensor "${name}" is missing from ${where}.`);
  const s = f.info(name).shape;
  if (s.length !== dims.length || s.some((x, i) => x !== dims[i])) {
    throw new EngineError('badShape', `Tensor "${name}" in ${where} has shape ${JSON.stringify(s)}; expected ${JSON.stringify(dims)}.`);
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
