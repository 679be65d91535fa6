// A checkpoint's config.json, read into one architecture-neutral shape. Field names follow circuit-tracer /
// TransformerLens (n_layers, d_model, d_head …) in camelCase; each architecture maps its Hugging Face names here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';
import { checkRegularFile } from '../files';

/** a Hugging Face `architectures[0]` that a family in src/engine/families/ loads */
export type ArchitectureName = string;

/** The fields every family fills; a family's own config type extends it (rope, soft-caps, …). */
/** the positions whose features and errors are zeroed when a config says nothing: BOS (circuit-tracer's zero_positions = slice(0, 1)) */
export const ZERO_POSITIONS = 1;

export interface ModelConfig {
  architecture: ArchitectureName;
  nLayers: number;
  /** query heads */
  nHeads: number;
  /** key/value heads (GQA); = nHeads without grouping */
  nKvHeads: number;
  dModel: number;
  /** per head; not always dModel / nHeads (Qwen3, Gemma) */
  dHead: number;
  dMlp: number;
  /** context length: the longest prompt the model takes, in tokens */
  nCtx: number;
  dVocab: number;
  normEps: number;
  /** the MLP's activation as config.json names it (gelu_new, silu, gelu_pytorch_tanh) */
  activation: string;
  /** the unembedding is the token embedding (a tied `lm_head`, not stored in the checkpoint) */
  tiedEmbeddings: boolean;
  bosTokenId?: number;
  eosTokenId?: number;
  /** every end-of-sequence id when config.json lists several (Llama 3 Instruct: end_of_text, eom, eot) */
  eosTokenIds?: number[];
  padTokenId?: number;
  /** circuit-tracer's zero_positions: features and errors before this position are zeroed (absent: 1, the BOS) */
  zeroPositions?: number;
  /** token ids every prompt must start with, and how to write them (gemma-3 -it: the chat prefix circuit-tracer requires) */
  promptPrefix?: { ids: number[]; text: string };
}

export type RawConfig = Record<string, unknown>;

/** Reads and parses `config.json`; the architecture is dispatched by the caller (see architectures.ts). */
export function readRawConfig(dir: string): { raw: RawConfig; file: string } {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(dir)) throw new EngineError('fileNotFound', `Model folder not found: ${dir}`);
  if (!fs.existsSync(file)) throw new EngineError('fileNotFound', `No config.json in the model folder ${dir}.`);
  checkRegularFile(file, 'model config'); // a FIFO would block the read for ever
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new EngineError('badFile', `${file} is not valid JSON: ${(e as Error).message}.`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new EngineError('badFile', `${file} is not a JSON object.`);
  return { raw: raw as RawConfig, file };
}

/** A reader of typed fields with errors that name the file and the field. */
export function configFields(raw: RawConfig, file: string) {
  const int = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (v === undefined) throw new EngineError('badFile', `${file} has no "${key}".`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new EngineError('badFile', `${file}: "${key}" must be a positive integer, got ${JSON.stringify(v)}.`);
    }
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new EngineError('badFile', `${file}: "${key}" must be a number, got ${JSON.stringify(v)}.`);
    return v;
  };
  /** a non-negative integer, or the first of a list of them (config.json lists several eos ids for chat models) */
  const optInt = (key: string): number | undefined => optInts(key)[0];
  const optInts = (key: string): number[] => {
    const v = raw[key];
    const isId = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
    return Array.isArray(v) ? v.filter(isId) : isId(v) ? [v] : [];
  };
  const str = (key: string, fallback: string): string => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'string') throw new EngineError('badFile', `${file}: "${key}" must be a string, got ${JSON.stringify(v)}.`);
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'boolean') throw new EngineError('badFile', `${file}: "${key}" must be true or false, got ${JSON.stringify(v)}.`);
    return v;
  };
  return { int, num, optInt, optInts, str, bool };
}
