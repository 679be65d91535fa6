// The host ↔ engine-worker message types: types only, so the host (extension, CLI) can name them without bundling
// any engine code. The runtime checks of these messages live in protocol.ts.
import type { EngineErrorData } from '../errors';
import type { Progress } from '../progress';
import type { SelfCheckResult } from '../selfCheck';
import type { RunResult } from '../run';
import type { Explanation } from '../reasoning/explain';
import type { ReasoningResult } from '../reasoning/resources';
import type { TraceOptions, TraceResult } from '../trace';
import type { InterventionResult } from '../interventions/intervene';
import type { Intervention, InterventionMode } from '../interventions/spec';
import type { PromptToken } from '../model/tokenizer';
import type { FeatureDetail } from '../../protocol/graph-json';

export interface PingParams {
  /** Also run the onnxruntime self-check graph (a few ms once the runtime is loaded). */
  readonly selfCheck: boolean;
}

export interface PingResult {
  /** 0 in a child process (the engine's own main thread); a worker thread's id otherwise */
  readonly threadId: number;
  /** the engine's process id: another process than the host's */
  readonly pid?: number;
  readonly uptimeMs: number;
  readonly selfCheck?: SelfCheckResult;
}

export interface RunParams {
  /** Hugging Face checkpoint folder */
  readonly modelDir: string;
  readonly prompt: string;
  /** how many next-token candidates to return */
  readonly topK: number;
}

export interface CompareReasoningParams {
  readonly modelDir: string;
  /** default: `<model>/transcoders` */
  readonly transcodersDir?: string;
  /** default: `<model>/features` when it exists */
  readonly featureDir?: string;
  /** the stated-reasoning markdown (src/engine/reasoning/markdown.ts) */
  readonly markdown: string;
  /** the file's name, for messages that point at a line */
  readonly file?: string;
  readonly maxFeatureNodes?: number;
  /** also return the traced graph file, pruned with these thresholds (default: circuit-tracer's) */
  readonly graph?: { readonly nodeThreshold?: number; readonly edgeThreshold?: number };
}

export interface ExplainParams {
  readonly modelDir: string;
  readonly prompt: string;
  readonly maxNewTokens?: number;
  readonly template?: string;
}

export interface TraceParams {
  readonly modelDir: string;
  /** transcoder folder; default: `transcoders/` inside the model folder */
  readonly transcodersDir?: string;
  /** feature index folder; default: `features/` inside the model folder when it exists (else no feature details) */
  readonly featureDir?: string;
  readonly prompt: string;
  readonly options: TraceOptions;
}

export interface FeatureDetailParams {
  readonly modelDir: string;
  /** default: `features/` inside the model folder */
  readonly featureDir?: string;
  readonly layer: number;
  readonly feature: number;
}

/** A feature's full details (more examples, with their quantiles), or null when the model has no feature index. */
export type FeatureDetailResult = FeatureDetail | null;

export interface InterveneParams {
  readonly modelDir: string;
  /** transcoder folder; default: `transcoders/` inside the model folder */
  readonly transcodersDir?: string;
  readonly prompt: string;
  readonly interventions: Intervention[];
  readonly mode?: InterventionMode;
  /** greedy continuation length (default 0) */
  readonly generate?: number;
  readonly topK?: number;
  /** token ids whose logit changes are reported (default: the clean top-k) */
  readonly targets?: number[];
  /** how many changed downstream features to list */
  readonly maxChanges?: number;
  readonly preActivations?: boolean;
}

export interface InterveneResult extends InterventionResult {
  /** the prompt's tokens with offsets, BOS included: positions index into this list */
  tokens: PromptToken[];
}

/** Every engine method the worker answers: later issues add `trace`, `prune`, … here. */
export interface EngineMethods {
  ping: { params: PingParams; result: PingResult };
  run: { params: RunParams; result: RunResult };
  compareReasoning: { params: CompareReasoningParams; result: ReasoningResult };
  explain: { params: ExplainParams; result: Explanation };
  trace: { params: TraceParams; result: TraceResult };
  featureDetail: { params: FeatureDetailParams; result: FeatureDetailResult };
  intervene: { params: InterveneParams; result: InterveneResult };
}

export type MethodName = keyof EngineMethods;
export type ParamsOf<M extends MethodName> = EngineMethods[M]['params'];
export type ResultOf<M extends MethodName> = EngineMethods[M]['result'];

export type RequestFor<M extends MethodName> = { readonly kind: 'request'; readonly id: number; readonly method: M; readonly params: ParamsOf<M> };

/** Host → worker. */
export type ToWorker = { [M in MethodName]: RequestFor<M> }[MethodName] | { readonly kind: 'cancel'; readonly id: number };

/** Worker → host. */
export type FromWorker =
  | { readonly kind: 'result'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: EngineErrorData }
  | { readonly kind: 'progress'; readonly id: number; readonly progress: Progress };
