// What the local Hugging Face cache holds for Self-Tracing: checkpoints (config.json + safetensors + tokenizer.json)
// with whether their architecture is supported, and transcoder sets with the model they are for (config.yaml's
// model_name, circuit-tracer's published pairs, else a matching shape). Read-only, headers and small vectors only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';
import { isSupportedArchitecture } from '../families/architectures';
import { cachedRepos, hubCacheDir, resolveLocation } from './hfCache';
import { loadTranscoders } from './transcoders';

export interface CachedModel {
  repoId: string;
  dir: string;
  architecture?: string;
  supported: boolean;
  nLayers?: number;
  dModel?: number;
  /** why it cannot be loaded as it is (unsupported architecture, shards missing …) */
  problem?: string;
}

export interface CachedTranscoders {
  /** what --transcoders takes: org/name or org/name/sub/folder */
  ref: string;
  dir: string;
  modelName?: string;
  format?: string;
  nLayers?: number;
  dModel?: number;
  dTranscoder?: number;
  problem?: string;
}

/** circuit-tracer's published sets, by the model they were trained on (circuit-tracer's README and circuit_tracer/utils/hf_utils.py) */
export const PUBLISHED_SETS: Readonly<Record<string, readonly string[]>> = {
  'google/gemma-2-2b': ['mntss/gemma-scope-transcoders', 'mwhanna/gemma-scope-transcoders', 'mntss/clt-gemma-2-2b-426k', 'mntss/clt-gemma-2-2b-2.5M'],
  'meta-llama/Llama-3.2-1B': ['mntss/transcoder-Llama-3.2-1B', 'mntss/clt-llama-3.2-1b-524k'],
  'Qwen/Qwen3-0.6B': ['mwhanna/qwen3-0.6b-transcoders-lowl0'],
  'Qwen/Qwen3-1.7B': ['mwhanna/qwen3-1.7b-transcoders-lowl0'],
  'Qwen/Qwen3-4B': ['mwhanna/qwen3-4b-transcoders'],
  'Qwen/Qwen3-8B': ['mwhanna/qwen3-8b-transcoders'],
  'Qwen/Qwen3-14B': ['mwhanna/qwen3-14b-transcoders-lowl0'],
  'meta-llama/Llama-3.1-8B-Instruct': ['facebook/crv-8b-instruct-transcoders'],
  ...Object.fromEntries(
    ['270m', '1b', '4b', '12b', '27b'].flatMap((s) => ['pt', 'it'].map((v) => [`google/gemma-3-${s}-${v}`, [`mwhanna/gemma-scope-2-${s}-${v}`]])),
  ),
};

const lower = (s: string) => s.toLowerCase();
const repoOf = (ref: string) => ref.split('/').slice(0, 2).join('/');

/** Whether a cached transcoder set is for this model: named for it, published for it, or (weakest) of its shape. */
export function transcodersFit(model: CachedModel, tc: CachedTranscoders): 'named' | 'published' | 'shape' | undefined {
  if (tc.problem || tc.nLayers === undefined) return undefined;
  const shapeOk = tc.nLayers === model.nLayers && tc.dModel === model.dModel;
  if (!shapeOk) return undefined;
  if (tc.modelName && lower(tc.modelName) === lower(model.repoId)) return 'named';
  if ((PUBLISHED_SETS[model.repoId] ?? []).some((r) => lower(r) === lower(repoOf(tc.ref)))) return 'published';
  return tc.modelName ? undefined : 'shape';
}

function readModel(repoId: string, dir: string): CachedModel | undefined {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return { repoId, dir, supported: false, problem: 'config.json is not valid JSON' };
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const archs = raw.architectures;
  const architecture = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : undefined;
  const text = (raw.text_config ?? raw) as Record<string, unknown>;
  const int = (...keys: string[]) => keys.map((k) => text[k]).find((v): v is number => typeof v === 'number');
  const m: CachedModel = {
    repoId,
    dir,
    architecture,
    supported: !!architecture && isSupportedArchitecture(architecture),
    nLayers: int('num_hidden_layers', 'n_layer'),
    dModel: int('hidden_size', 'n_embd'),
  };
  if (!m.supported) m.problem = `architecture ${architecture ?? 'unknown'} is not supported`;
  else m.problem = missingWeights(dir);
  return m;
}

/** what a checkpoint folder lacks to load (weights, shards, tokenizer), or undefined */
export function missingWeights(dir: string): string | undefined {
  const index = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(index)) {
    try {
      const shards = new Set(Object.values((JSON.parse(fs.readFileSync(index, 'utf8')) as { weight_map: Record<string, string> }).weight_map));
      const missing = [...shards].filter((s) => !fs.existsSync(path.join(dir, s)));
      if (missing.length) return `${missing.length} of ${shards.size} weight shards missing (${missing[0]}…)`;
    } catch {
      return 'model.safetensors.index.json is unreadable';
    }
  } else if (!fs.existsSync(path.join(dir, 'model.safetensors'))) return 'no model.safetensors';
  if (!fs.existsSync(path.join(dir, 'tokenizer.json'))) return 'no tokenizer.json';
  return undefined;
}

/** transcoder set folders inside a snapshot: any folder (depth ≤ 3) with config.yaml, or with layer_0 / W_enc_0 files */
function transcoderDirs(root: string, depth = 0): string[] {
  const names = fs.readdirSync(root);
  if (names.includes('config.yaml') || names.includes('layer_0.safetensors') || names.includes('W_enc_0.safetensors')) return [root];
  if (depth >= 3) return [];
  return names.flatMap((n) => {
    const p = path.join(root, n);
    return fs.statSync(p).isDirectory() ? transcoderDirs(p, depth + 1) : [];
  });
}

function readTranscoders(ref: string, dir: string, env: NodeJS.ProcessEnv): CachedTranscoders {
  try {
    const tc = loadTranscoders(dir, { env, residentEncoderBytes: 0 });
    tc.close();
    return { ref, dir, modelName: tc.modelName, format: tc.format, nLayers: tc.nLayers, dModel: tc.dModel, dTranscoder: tc.dTranscoder };
  } catch (e) {
    return { ref, dir, problem: EngineError.from(e).message };
  }
}

export interface CacheCatalog {
  cacheDir: string;
  models: CachedModel[];
  transcoders: CachedTranscoders[];
}

/** Everything in the cache that looks like a checkpoint or a transcoder set. */
export function scanHubCache(env: NodeJS.ProcessEnv = process.env): CacheCatalog {
  const models: CachedModel[] = [];
  const transcoders: CachedTranscoders[] = [];
  for (const { repoId, dir } of cachedRepos(env)) {
    const m = readModel(repoId, dir);
    if (m) {
      models.push(m);
      continue;
    }
    for (const sub of transcoderDirs(dir)) {
      const rel = path.relative(dir, sub).split(path.sep).join('/');
      transcoders.push(readTranscoders(rel ? `${repoId}/${rel}` : repoId, sub, env));
    }
  }
  return { cacheDir: hubCacheDir(env), models, transcoders };
}

/** Each cached checkpoint with the transcoder sets that fit it, and the sets that fit none. */
export interface HubListing {
  cacheDir: string;
  models: (CachedModel & { transcoders: { ref: string; fit: string }[] })[];
  unmatched: CachedTranscoders[];
}

export function pairUp(catalog: CacheCatalog): HubListing {
  const used = new Set<string>();
  const models = catalog.models.map((m) => {
    const transcoders = catalog.transcoders.flatMap((t) => {
      const fit = transcodersFit(m, t);
      if (!fit) return [];
      used.add(t.ref);
      return [{ ref: t.ref, fit }];
    });
    return { ...m, transcoders };
  });
  return { cacheDir: catalog.cacheDir, models, unmatched: catalog.transcoders.filter((t) => !used.has(t.ref)) };
}

/**
 * The transcoders to trace a model with when none are named: the model folder's own transcoders/, else the one
 * cached set made for it; an error that lists the candidates (or says which sets to fetch) otherwise.
 */
export function defaultTranscoders(modelRef: string, env: NodeJS.ProcessEnv = process.env): string {
  const modelDir = resolveLocation(modelRef, 'Model', env);
  const own = path.join(modelDir, 'transcoders');
  if (fs.existsSync(own)) return own;
  const repo = cachedRepos(env).find((r) => path.resolve(r.dir) === path.resolve(modelDir));
  if (!repo) {
    throw new EngineError('fileNotFound', `The model at ${modelDir} has no transcoders/ folder; name its transcoders (a folder or a Hugging Face repo id).`);
  }
  const model = readModel(repo.repoId, repo.dir)!;
  const catalog = scanHubCache(env);
  const fits = catalog.transcoders.filter((t) => transcodersFit(model, t) === 'named' || transcodersFit(model, t) === 'published');
  if (fits.length === 1) return fits[0].dir;
  if (fits.length > 1) {
    throw new EngineError('badInput', `Several cached transcoder sets fit ${repo.repoId}: ${fits.map((t) => t.ref).join(', ')}; choose one (--transcoders, or selfTracing.transcoderPath).`);
  }
  const known = PUBLISHED_SETS[repo.repoId];
  throw new EngineError(
    'fileNotFound',
    `No transcoders for ${repo.repoId} in the local Hugging Face cache` +
      (known ? `; circuit-tracer's sets for it are ${known.join(', ')} (fetch one with huggingface-cli download, Self-Tracing never downloads).` : '; name a transcoder folder or repo id.'),
  );
}
