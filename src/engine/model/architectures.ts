// Architectures as data: each entry maps its config.json, imports its weights and builds its forward graph.
// A new family (Llama, Qwen3, Gemma-2) is one more entry, its own weights file and its own forward graph.
import type { ForwardSpec } from '../onnx/forward';
import { gpt2ForwardGraph } from '../onnx/gpt2Forward';
import type { ArchitectureName, ModelConfig, RawConfig } from './config';
import { gpt2Config, loadGpt2Weights, type Gpt2Weights } from './gpt2';
import type { TensorSource } from './safetensors';

/** The weights of any supported architecture; narrow on `config.architecture`. */
export type ModelWeights = Gpt2Weights;

export interface Architecture {
  parseConfig(raw: RawConfig, file: string): ModelConfig;
  loadWeights(src: TensorSource, cfg: ModelConfig, where: string, signal?: AbortSignal): ModelWeights;
  forwardGraph(cfg: ModelConfig, weights: ModelWeights, spec?: ForwardSpec): Uint8Array;
}

export const ARCHITECTURES: Readonly<Record<ArchitectureName, Architecture>> = Object.freeze({
  GPT2LMHeadModel: { parseConfig: gpt2Config, loadWeights: loadGpt2Weights, forwardGraph: gpt2ForwardGraph },
});

export function isSupportedArchitecture(name: string): name is ArchitectureName {
  return Object.prototype.hasOwnProperty.call(ARCHITECTURES, name);
}
