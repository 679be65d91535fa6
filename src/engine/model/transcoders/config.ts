// A transcoder folder's description, as circuit-tracer reads it (utils/hf_utils.py, load_transcoders): config.yaml
// with model_kind, feature_input_hook / feature_output_hook, an optional `transcoders` file list (local paths or
// hf:// URIs, list index = layer), optional activation / k and model_name; without a list, layer_{i}.safetensors
// (per-layer) or W_enc_{i}.safetensors (cross-layer) in the folder itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EngineError } from '../../errors';
import { resolveHfUri } from '../hfCache';
import { INPUT_HOOKS, OUTPUT_HOOKS, type Activation, type InputHook } from './types';

export interface TranscoderConfig {
  dir: string;
  kind: 'per-layer' | 'cross-layer';
  inputHook: InputHook;
  outputHook: string;
  /** the activation the config asks for; undefined: JumpReLU when the files hold thresholds, else ReLU */
  activation?: Activation;
  /** per layer, the local file (per-layer sets) */
  files: string[];
  scan: string;
  modelName?: string;
  /** the repo the folder came from, when it is a Hugging Face cache snapshot (or the config says repo_id) */
  repoId?: string;
}

interface RawConfig {
  model_name?: unknown;
  model_kind?: unknown;
  feature_input_hook?: unknown;
  feature_output_hook?: unknown;
  activation?: unknown;
  k?: unknown;
  transcoders?: unknown;
  scan?: unknown;
  repo_id?: unknown;
}

/** "…/models--org--name/snapshots/<rev>/sub/folder" → org/name and sub/folder */
export function repoOfCachePath(dir: string): { repoId: string; subfolder?: string } | undefined {
  const parts = path.resolve(dir).split(path.sep);
  const i = parts.findIndex((p, j) => p.startsWith('models--') && parts[j + 1] === 'snapshots' && parts[j + 2] !== undefined);
  if (i < 0) return undefined;
  const [org, ...rest] = parts[i].slice('models--'.length).split('--');
  const sub = parts.slice(i + 3).join('/');
  return { repoId: `${org}/${rest.join('--')}`, subfolder: sub || undefined };
}

/** a TransformerLens hook name, with any "blocks.{layer}." prefix a templated config carries */
const hookName = (v: unknown): string | undefined => (typeof v === 'string' ? v.replace(/^blocks\.\{+layer\}+\./, '') : undefined);

export function readTranscoderConfig(dir: string, env: NodeJS.ProcessEnv = process.env): TranscoderConfig {
  if (!fs.existsSync(dir)) throw new EngineError('fileNotFound', `Transcoder folder not found: ${dir}`);
  if (!fs.statSync(dir).isDirectory()) throw new EngineError('badInput', `${dir} is a file; give the transcoder folder (the one with config.yaml).`);
  const cfgFile = path.join(dir, 'config.yaml');
  let raw: RawConfig = {};
  if (fs.existsSync(cfgFile)) {
    try {
      raw = (parseYaml(fs.readFileSync(cfgFile, 'utf8')) ?? {}) as RawConfig;
    } catch (e) {
      throw new EngineError('badFile', `${cfgFile} is not valid YAML: ${(e as Error).message}.`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new EngineError('badFile', `${cfgFile} is not a YAML mapping.`);
  }
  const inputHook = (hookName(raw.feature_input_hook) ?? 'mlp.hook_in') as InputHook;
  if (!INPUT_HOOKS.includes(inputHook)) {
    throw new EngineError('unsupported', `${cfgFile}: feature_input_hook "${inputHook}" is not supported; use one of ${INPUT_HOOKS.join(', ')}.`);
  }
  const outputHook = hookName(raw.feature_output_hook) ?? 'mlp.hook_out';
  if (!OUTPUT_HOOKS.includes(outputHook)) {
    throw new EngineError('unsupported', `${cfgFile}: feature_output_hook "${outputHook}" is not supported; use one of ${OUTPUT_HOOKS.join(', ')}.`);
  }
  const fromCache = repoOfCachePath(dir);
  const repoId = fromCache?.repoId ?? (typeof raw.repo_id === 'string' ? raw.repo_id : undefined);
  const scan =
    typeof raw.scan === 'string' ? raw.scan : fromCache ? fromCache.repoId + (fromCache.subfolder ? `//${fromCache.subfolder}` : '') : (repoId ?? path.basename(path.resolve(dir)));
  const modelName = typeof raw.model_name === 'string' ? raw.model_name : undefined;
  const list = Array.isArray(raw.transcoders) && raw.transcoders.length > 0 ? raw.transcoders : undefined;

  const mk = raw.model_kind;
  if (mk !== undefined && mk !== 'transcoder_set' && mk !== 'cross_layer_transcoder') {
    throw new EngineError('unsupported', `${cfgFile}: model_kind ${JSON.stringify(mk)} is not supported; use transcoder_set or cross_layer_transcoder.`);
  }
  const clt = mk === 'cross_layer_transcoder' || (mk === undefined && !list && fs.existsSync(path.join(dir, 'W_enc_0.safetensors')));
  if (clt) {
    if (list) {
      throw new EngineError(
        'unsupported',
        `${cfgFile}: a cross-layer transcoder given as a file list (GemmaScope-2 CLT) is not supported yet; per-layer GemmaScope-2 transcoders and circuit-tracer CLTs (W_enc_{i}/W_dec_{i}.safetensors) are.`,
      );
    }
    return { dir, kind: 'cross-layer', inputHook, outputHook, files: [], scan, modelName, repoId };
  }

  let activation: Activation | undefined;
  if (raw.activation === 'topk') {
    // circuit-tracer hard-codes k = 128 for this set (single_layer_transcoder.py, load_transcoder_set)
    const k = scan === 'facebook/crv-8b-instruct-transcoders' ? 128 : raw.k;
    if (typeof k !== 'number' || !Number.isInteger(k) || k <= 0) throw new EngineError('badFile', `${cfgFile}: activation "topk" needs a positive integer k.`);
    activation = { kind: 'topk', k };
  } else if (raw.activation === 'relu') activation = { kind: 'relu' };

  const files = list ? list.map((entry, i) => listedFile(entry, i, dir, cfgFile, repoId, env)) : layerFiles(dir);
  return { dir, kind: 'per-layer', inputHook, outputHook, activation, files, scan, modelName, repoId };
}

/** one entry of config.yaml's `transcoders`: a local path (relative to the folder), an hf:// URI, or {filepath} */
function listedFile(entry: unknown, i: number, dir: string, cfgFile: string, repoId: string | undefined, env: NodeJS.ProcessEnv): string {
  const p = typeof entry === 'string' ? entry : (entry as { filepath?: unknown } | null)?.filepath;
  if (typeof p !== 'string') throw new EngineError('badFile', `${cfgFile}: transcoders[${i}] is not a path.`);
  if (p.startsWith('hf://')) return resolveHfUri(p, env);
  const local = path.resolve(dir, p);
  if (fs.existsSync(local)) return local;
  // circuit-tracer reads a bare relative .npz path of a GemmaScope set from google/gemma-scope-2b-pt-transcoders
  if (p.endsWith('.npz') && repoId?.includes('gemma-scope')) return resolveHfUri(`hf://google/gemma-scope-2b-pt-transcoders/${p}`, env);
  throw new EngineError('fileNotFound', `${cfgFile}: transcoders[${i}] names ${local}, which does not exist.`);
}

function layerFiles(dir: string): string[] {
  const count = fs.readdirSync(dir).filter((f) => /^layer_\d+\.safetensors$/.test(f)).length;
  const files = Array.from({ length: count }, (_, i) => path.join(dir, `layer_${i}.safetensors`));
  const missing = files.find((f) => !fs.existsSync(f));
  if (missing) throw new EngineError('fileNotFound', `${dir} has ${count} layer_*.safetensors files but no ${path.basename(missing)}: layers must run 0…${count - 1}.`);
  if (files.length === 0) throw new EngineError('fileNotFound', `No layer_0.safetensors (nor a transcoders list in config.yaml) in ${dir}.`);
  return files;
}
