// Runtime checks of the host ↔ worker messages (their types: messages.ts). The worker checks every request's
// method and params in full; the host checks each reply's envelope (kind, id, error data, progress) — a `result`
// is typed by the method table (messages.ts), not validated.
import type { EngineErrorData, EngineErrorCode } from '../errors';
import type { Progress } from '../progress';
import type { TraceOptions } from '../trace';
import { checkTraceOptions } from '../options';
import { INTERVENTION_MODES, isInterventionList, type InterventionMode } from '../interventions/spec';
import type { CompareReasoningParams, ExplainParams, FeatureDetailParams, FromWorker, InterveneParams, MethodName, ParamsOf, PingParams, RunParams, ToWorker, TraceParams } from './messages';

type Guard<T> = (value: unknown) => value is T;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const optional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isPositiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/** Parameter validators, one per method; the mapped type makes a missing one a compile error. */
const paramGuards: { [M in MethodName]: Guard<ParamsOf<M>> } = {
  ping: (p): p is PingParams => isRecord(p) && typeof p.selfCheck === 'boolean',
  run: (p): p is RunParams =>
    isRecord(p) && typeof p.modelDir === 'string' && typeof p.prompt === 'string' && Number.isInteger(p.topK) && (p.topK as number) > 0,
  compareReasoning: (p): p is CompareReasoningParams =>
    isRecord(p) && isString(p.modelDir) && isString(p.markdown) && optional(p.transcodersDir, isString) && optional(p.featureDir, isString) &&
    optional(p.file, isString) && checkTraceOptions({ maxFeatureNodes: p.maxFeatureNodes }) === undefined && p.maxFeatureNodes !== null && optional(p.graph, isPruning),
  explain: (p): p is ExplainParams =>
    isRecord(p) && isString(p.modelDir) && isString(p.prompt) && optional(p.maxNewTokens, isPositiveInt) && optional(p.template, isString),
  trace: (p): p is TraceParams =>
    isRecord(p) &&
    typeof p.modelDir === 'string' &&
    (p.transcodersDir === undefined || typeof p.transcodersDir === 'string') &&
    optional(p.featureDir, isString) &&
    typeof p.prompt === 'string' &&
    isTraceOptions(p.options),
  featureDetail: (p): p is FeatureDetailParams =>
    isRecord(p) && isString(p.modelDir) && optional(p.featureDir, isString) && isId(p.layer) && isId(p.feature),
  intervene: (p): p is InterveneParams =>
    isRecord(p) &&
    typeof p.modelDir === 'string' &&
    (p.transcodersDir === undefined || typeof p.transcodersDir === 'string') &&
    typeof p.prompt === 'string' &&
    isInterventionList(p.interventions) &&
    (p.mode === undefined || INTERVENTION_MODES.includes(p.mode as InterventionMode)) &&
    optional(p.generate, (v) => Number.isInteger(v) && (v as number) >= 0) &&
    optional(p.topK, (v) => Number.isInteger(v) && (v as number) > 0) &&
    optional(p.targets, (v) => Array.isArray(v) && v.every((x) => Number.isInteger(x))) &&
    optional(p.maxChanges, (v) => Number.isInteger(v) && (v as number) >= 0) &&
    optional(p.preActivations, (v) => typeof v === 'boolean'),
};

const isShare = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
const isPruning = (v: unknown) => isRecord(v) && optional(v.nodeThreshold, isShare) && optional(v.edgeThreshold, isShare);

function isTraceOptions(o: unknown): o is TraceOptions {
  return (
    isRecord(o) &&
    (o.targets === undefined || (Array.isArray(o.targets) && o.targets.every((t) => typeof t === 'string'))) &&
    (o.targetIds === undefined || (Array.isArray(o.targetIds) && o.targetIds.every((t) => isId(t)))) &&
    (o.contrast === undefined || typeof o.contrast === 'string') &&
    checkTraceOptions(o) === undefined &&
    (o.noPrune === undefined || typeof o.noPrune === 'boolean') &&
    (o.slug === undefined || typeof o.slug === 'string')
  );
}

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(paramGuards, value);
}

/** Returns the message, or a sentence saying why it was rejected. */
export function parseToWorker(data: unknown): ToWorker | string {
  if (!isRecord(data) || !isId(data.id)) return 'message is not an object with a numeric id';
  if (data.kind === 'cancel') return { kind: 'cancel', id: data.id };
  if (data.kind !== 'request') return `unknown message kind ${JSON.stringify(data.kind)}`;
  if (!isMethodName(data.method)) return `unknown method ${JSON.stringify(data.method)}`;
  if (!paramGuards[data.method](data.params)) {
    const options = isRecord(data.params) ? (data.method === 'trace' ? data.params.options : data.params) : undefined;
    const problem = isRecord(options) ? checkTraceOptions(options) : undefined;
    return `invalid params for ${data.method}${problem ? `: ${problem}` : ''}`;
  }
  return data as ToWorker;
}

const errorCodes: Record<EngineErrorCode, true> = {
  cancelled: true,
  onnxRuntimeUnavailable: true,
  workerCrashed: true,
  workerDisposed: true,
  badRequest: true,
  internal: true,
  fileNotFound: true,
  badFile: true,
  missingTensor: true,
  badShape: true,
  unsupported: true,
  badInput: true,
};

function isErrorData(v: unknown): v is EngineErrorData {
  return isRecord(v) && typeof v.code === 'string' && v.code in errorCodes && typeof v.message === 'string' &&
    (v.detail === undefined || typeof v.detail === 'string');
}

function isProgress(v: unknown): v is Progress {
  return isRecord(v) && typeof v.message === 'string' && (v.fraction === undefined || typeof v.fraction === 'number');
}

/** Returns the message, or a sentence saying why it was rejected. Results are checked by the caller that knows the method. */
export function parseFromWorker(data: unknown): FromWorker | string {
  if (!isRecord(data) || !isId(data.id)) return 'message is not an object with a numeric id';
  switch (data.kind) {
    case 'result':
      return { kind: 'result', id: data.id, result: data.result };
    case 'error':
      return isErrorData(data.error) ? { kind: 'error', id: data.id, error: data.error } : 'malformed error';
    case 'progress':
      return isProgress(data.progress) ? { kind: 'progress', id: data.id, progress: data.progress } : 'malformed progress';
    default:
      return `unknown message kind ${JSON.stringify(data.kind)}`;
  }
}
