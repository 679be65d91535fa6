// The supported families: adding one is a folder under families/, one line here and its names in architectures.ts.
import { EngineError } from '../errors';
export { isSupportedArchitecture } from './architectures';
import type { ModelConfig, RawConfig } from '../model/config';
import type { TranscoderSet } from '../model/transcoders';
import type { Family, FamilyWeights } from './family';
import { gemma2 } from './gemma2';
import { gemma3 } from './gemma3';
import { gpt2 } from './gpt2';
import { llama } from './llama';
import { qwen3 } from './qwen3';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFamily = Family<any, any>;

export const FAMILIES: readonly AnyFamily[] = [gpt2, llama, qwen3, gemma2, gemma3];

const BY_ARCHITECTURE = new Map<string, AnyFamily>(FAMILIES.flatMap((f) => f.architectures.map((a) => [a, f] as const)));

/** every loadable `architectures[0]`, for messages and the doctor */
export const SUPPORTED_ARCHITECTURES: readonly string[] = [...BY_ARCHITECTURE.keys()];

/** the architecture a config.json declares (old GPT-2 configs have only model_type), or a clear error */
export function architectureOf(raw: RawConfig, file: string): string {
  const archs = raw.architectures;
  const arch = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : raw.model_type === 'gpt2' ? 'GPT2LMHeadModel' : undefined;
  if (!arch || !BY_ARCHITECTURE.has(arch)) {
    throw new EngineError(
      'unsupported',
      `${file}: architecture ${JSON.stringify(arch ?? raw.model_type ?? null)} is not supported; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}.`,
    );
  }
  return arch;
}

/** the family of a parsed config */
export function familyOf(cfg: Pick<ModelConfig, 'architecture'>): Family<ModelConfig, FamilyWeights> {
  const f = BY_ARCHITECTURE.get(cfg.architecture);
  if (!f) throw new EngineError('internal', `no family for architecture ${cfg.architecture}`);
  return f;
}

/** Throws when a transcoder set reads or writes where this family's graphs have no value (naming both). */
export function checkTranscoderHooks(tc: Pick<TranscoderSet, 'inputHook' | 'outputHook'>, cfg: Pick<ModelConfig, 'architecture'>): void {
  const f = familyOf(cfg);
  if (!f.inputHooks.includes(tc.inputHook)) {
    throw new EngineError(
      'unsupported',
      `The transcoders read at "${tc.inputHook}", which ${cfg.architecture} does not provide; its input hooks: ${f.inputHooks.join(', ')}.`,
    );
  }
  if (!f.outputHooks.includes(tc.outputHook)) {
    throw new EngineError(
      'unsupported',
      `The transcoders write at "${tc.outputHook}", which ${cfg.architecture} does not provide; its output hooks: ${f.outputHooks.join(', ')}.`,
    );
  }
}
