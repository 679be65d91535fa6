// The messages between the extension host and the graph panel webview: one discriminated union per direction,
// each validated on receipt (`parseToWebview` in the webview, `parseFromWebview` in the host).
import {
  isInterventionOp,
  isInterventionRecord,
  parseGraphJson,
  type FeatureDetail,
  type GraphJson,
  type GraphQParams,
  type InterventionModeJson,
  type InterventionOpJson,
  type InterventionRecord,
  type InterventionWhere,
} from './graph-json';
import { parseGraphComparison, type GraphComparison } from './graphCompare';

/** A run of the traced text; until the engine traces, pieces are words, spaces and punctuation. */
export interface TextPiece {
  readonly text: string;
  /** Offset of the piece in the traced text, in UTF-16 code units. */
  readonly offset: number;
}

export type EngineState = 'starting' | 'checking' | 'ready' | 'error';

export interface EngineStatus {
  readonly state: EngineState;
  /** One line for the panel, e.g. "onnxruntime 1.30.0 ready (self-check 4 ms)". */
  readonly message: string;
}

export namespace ToWebview {
  export interface ShowSelection {
    readonly type: 'showSelection';
    readonly traceId: string;
    readonly source: { readonly fileName: string; readonly text: string };
    readonly pieces: readonly TextPiece[];
  }
  export interface ShowEngineStatus {
    readonly type: 'engineStatus';
    readonly status: EngineStatus;
  }
  /** A traced (or opened) graph for the graph view; `fileName` names where it came from. */
  export interface ShowGraph {
    readonly type: 'showGraph';
    readonly traceId: string;
    readonly graph: GraphJson;
    readonly fileName: string;
    /** 'file': the panel is that graph file's editor (its edits go into the file); absent: a live trace. */
    readonly origin?: 'file' | 'trace';
    /** The file's qParams win over the view state the page kept (an undo, or the file changed on disk). */
    readonly viewFromFile?: boolean;
  }
  /** The traced text changed under the trace (or changed back): the panel says the graph may no longer match. */
  export interface TraceStale {
    readonly type: 'traceStale';
    readonly traceId: string;
    readonly stale: boolean;
  }
  /** Editor → graph linking: the prompt position under the cursor, and the positions the selection covers. */
  export interface EditorFocus {
    readonly type: 'editorFocus';
    readonly traceId: string;
    readonly cursor: number | null;
    readonly range: readonly [number, number] | null;
  }
  /** Select a node (from a hover's "Show in graph" or a context-menu action). */
  export interface SelectNode {
    readonly type: 'selectNode';
    readonly traceId: string;
    readonly nodeId: string;
    readonly pin?: boolean;
  }
  /** Asks for a PNG of the graph view; answered with FromWebview.Snapshot. */
  export interface RequestSnapshot {
    readonly type: 'requestSnapshot';
    readonly requestId: string;
    /** absent: the view as drawn now (PNG); `png` / `svg`: the whole graph with prompt, target and legend (PNG at 2×) */
    readonly format?: 'png' | 'svg';
  }
  /** Clear Trace: the page drops its graph and shows its empty state. */
  export interface ClearGraph {
    readonly type: 'clearGraph';
  }
  /** A trace is running (or just ended): the panel shows its progress from its first frame. */
  export interface TraceProgress {
    readonly type: 'traceProgress';
    /** One line, e.g. "Tracing 12 tokens: backward pass 3 of 8"; empty when `done`. */
    readonly message: string;
    /** 0…1, or null when unknown. */
    readonly fraction: number | null;
    readonly done: boolean;
  }
  /** The full details of one feature, answering FromWebview.RequestFeature; null when no feature index has it. */
  export interface FeatureDetails {
    readonly type: 'featureDetail';
    readonly traceId: string;
    /** `${layer}_${index}`, as in `selfTracing.features`. */
    readonly featureKey: string;
    readonly detail: FeatureDetail | null;
  }
  /** An intervention finished (from the panel's form, or "Ablate the top feature here"): show it and mark its changes. */
  export interface InterventionResult {
    readonly type: 'interventionResult';
    readonly traceId: string;
    /** The panel's request this answers; absent when the intervention started in the editor. */
    readonly requestId?: string;
    readonly record: InterventionRecord;
  }
  /** An intervention the panel asked for did not finish: a sentence for the user, or cancelled. */
  export interface InterventionFailed {
    readonly type: 'interventionFailed';
    readonly traceId: string;
    readonly requestId: string;
    readonly message: string;
    readonly cancelled: boolean;
  }
  /** Compare With…: the shown graph (A) against another (B): marks on A's nodes and the comparison view; null clears it. */
  export interface ShowComparison {
    readonly type: 'showComparison';
    readonly traceId: string;
    readonly comparison: GraphComparison | null;
    /** Where B came from (a file name or a trace's name). */
    readonly otherName: string;
  }
  export type Message =
    | ShowSelection | ShowEngineStatus | ShowGraph | TraceStale | EditorFocus | SelectNode | RequestSnapshot | FeatureDetails
    | InterventionResult | InterventionFailed | TraceProgress | ClearGraph | ShowComparison;
}

export namespace FromWebview {
  /** The page's script is running and can receive messages. */
  export interface Ready {
    readonly type: 'ready';
  }
  /** Sent after every render: what is on screen (the tests and the log read it). */
  export interface Rendered {
    readonly type: 'rendered';
    readonly traceId: string | null;
    readonly pieceCount: number;
    readonly engineState: EngineState | null;
    readonly toolkit: boolean;
    /** Nodes drawn by the graph view (0 until a graph is shown). */
    readonly graphNodes?: number;
  }
  export interface CheckEngine {
    readonly type: 'checkEngine';
  }
  export interface RevealPiece {
    readonly type: 'revealPiece';
    readonly traceId: string;
    readonly index: number;
  }
  /** The graph's durable view state changed (pins, supernodes, labels, thresholds), as qParams for export. */
  export interface GraphState {
    readonly type: 'graphState';
    readonly traceId: string;
    readonly qParams: GraphQParams;
  }
  /** A node was clicked (or "Show in editor" pressed): reveal its prompt position in the traced editor. */
  export interface RevealPosition {
    readonly type: 'revealPosition';
    readonly traceId: string;
    readonly ctx: number;
    /** true: move the focus to the editor; false: only select and reveal. */
    readonly focus: boolean;
  }
  export interface Snapshot {
    readonly type: 'snapshot';
    readonly requestId: string;
    /** `data:image/png;base64,…`, or empty when drawing failed. */
    readonly png: string;
  }
  /** The user opened a feature node: load its full details (more examples, with quantiles). */
  export interface RequestFeature {
    readonly type: 'requestFeature';
    readonly traceId: string;
    readonly featureKey: string;
  }
  /** Change the chosen graph nodes (a selection or a supernode's members) and run the prompt again. */
  export interface Intervene {
    readonly type: 'intervene';
    readonly traceId: string;
    readonly requestId: string;
    readonly nodeIds: readonly string[];
    readonly op: InterventionOpJson;
    readonly where: InterventionWhere;
    readonly mode: InterventionModeJson;
    /** Greedy continuation length (0: none). */
    readonly generate: number;
    /** What the user changed, for the result's title ("Ablate Texas"). */
    readonly title: string;
  }
  export interface CancelIntervention {
    readonly type: 'cancelIntervention';
    readonly traceId: string;
    readonly requestId: string;
  }
  /** Something in the page failed (drawing a graph, a script error): the host shows it to the user and logs it. */
  export interface PanelError {
    readonly type: 'panelError';
    /** One sentence for the user. */
    readonly message: string;
    /** For the log (a stack). */
    readonly detail?: string;
  }
  export type Message = Ready | Rendered | CheckEngine | RevealPiece | GraphState | RevealPosition | Snapshot | RequestFeature | Intervene | CancelIntervention | PanelError;
}

/** The longest continuation the panel asks for. */
export const MAX_CONTINUATION = 64;

type Parsed<T> = { ok: true; message: T } | { ok: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const modes: readonly InterventionModeJson[] = ['free', 'frozen', 'constrained'];
const wheres: readonly InterventionWhere[] = ['node', 'all', 'generated'];
const engineStates: readonly EngineState[] = ['starting', 'checking', 'ready', 'error'];
const isEngineState = (v: unknown): v is EngineState => engineStates.includes(v as EngineState);
const isPiece = (v: unknown): v is TextPiece => isRecord(v) && isString(v.text) && isIndex(v.offset);

const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });
const isFeatureKey = (v: unknown): v is string => isString(v) && /^\d+_\d+$/.test(v);
const isStringList = (v: unknown) => v === undefined || (Array.isArray(v) && v.every(isString));
const isExample = (v: unknown) =>
  isRecord(v) && Array.isArray(v.tokens) && v.tokens.every(isString) && Array.isArray(v.tokens_acts_list) &&
  v.tokens_acts_list.every((a) => typeof a === 'number') && (v.quantile === undefined || isString(v.quantile));
function isFeatureDetail(v: unknown): v is FeatureDetail {
  return isRecord(v) && (v.label === undefined || isString(v.label)) && isStringList(v.top_logits) && isStringList(v.bottom_logits) &&
    (v.activation_frequency === undefined || typeof v.activation_frequency === 'number') &&
    (v.examples === undefined || (Array.isArray(v.examples) && v.examples.every(isExample)));
}

export function parseToWebview(data: unknown): Parsed<ToWebview.Message> {
  if (!isRecord(data)) return fail('not an object');
  switch (data.type) {
    case 'showSelection': {
      const { traceId, source, pieces } = data;
      if (!isString(traceId)) return fail('showSelection: traceId must be a string');
      if (!isRecord(source) || !isString(source.fileName) || !isString(source.text)) return fail('showSelection: bad source');
      if (!Array.isArray(pieces) || !pieces.every(isPiece)) return fail('showSelection: bad pieces');
      return { ok: true, message: { type: 'showSelection', traceId, source: { fileName: source.fileName, text: source.text }, pieces } };
    }
    case 'engineStatus': {
      const { status } = data;
      if (!isRecord(status) || !isEngineState(status.state) || !isString(status.message)) return fail('engineStatus: bad status');
      return { ok: true, message: { type: 'engineStatus', status: { state: status.state, message: status.message } } };
    }
    case 'showGraph': {
      const { traceId, graph, fileName, origin, viewFromFile } = data;
      if (!isString(traceId) || !isString(fileName)) return fail('showGraph: traceId and fileName must be strings');
      if (!(origin === undefined || origin === 'file' || origin === 'trace') || !(viewFromFile === undefined || typeof viewFromFile === 'boolean')) return fail('showGraph: bad origin');
      const parsed = parseGraphJson(graph);
      if (!parsed.ok) return fail(`showGraph: ${parsed.reason}`);
      return { ok: true, message: { type: 'showGraph', traceId, graph: parsed.graph, fileName, ...(origin ? { origin } : {}), ...(viewFromFile ? { viewFromFile } : {}) } };
    }
    case 'traceStale': {
      const { traceId, stale } = data;
      if (!isString(traceId) || typeof stale !== 'boolean') return fail('traceStale: bad fields');
      return { ok: true, message: { type: 'traceStale', traceId, stale } };
    }
    case 'editorFocus': {
      const { traceId, cursor, range } = data;
      if (!isString(traceId) || !(cursor === null || isIndex(cursor))) return fail('editorFocus: bad traceId or cursor');
      if (!(range === null || (Array.isArray(range) && range.length === 2 && range.every(isIndex)))) return fail('editorFocus: bad range');
      return { ok: true, message: { type: 'editorFocus', traceId, cursor, range: range === null ? null : [range[0], range[1]] } };
    }
    case 'selectNode': {
      const { traceId, nodeId, pin } = data;
      if (!isString(traceId) || !isString(nodeId) || !(pin === undefined || typeof pin === 'boolean')) return fail('selectNode: bad fields');
      return { ok: true, message: { type: 'selectNode', traceId, nodeId, ...(pin === undefined ? {} : { pin }) } };
    }
    case 'requestSnapshot': {
      const { requestId, format } = data;
      if (!isString(requestId)) return fail('requestSnapshot: requestId must be a string');
      if (!(format === undefined || format === 'png' || format === 'svg')) return fail('requestSnapshot: format must be png or svg');
      return { ok: true, message: { type: 'requestSnapshot', requestId, ...(format === undefined ? {} : { format }) } };
    }
    case 'clearGraph':
      return { ok: true, message: { type: 'clearGraph' } };
    case 'traceProgress': {
      const { message, fraction, done } = data;
      if (!isString(message) || typeof done !== 'boolean' || !(fraction === null || (typeof fraction === 'number' && fraction >= 0 && fraction <= 1))) {
        return fail('traceProgress: bad fields');
      }
      return { ok: true, message: { type: 'traceProgress', message, fraction, done } };
    }
    case 'featureDetail': {
      const { traceId, featureKey, detail } = data;
      if (!isString(traceId) || !isFeatureKey(featureKey)) return fail('featureDetail: bad traceId or featureKey');
      if (!(detail === null || isFeatureDetail(detail))) return fail('featureDetail: bad detail');
      return { ok: true, message: { type: 'featureDetail', traceId, featureKey, detail } };
    }
    case 'interventionResult': {
      const { traceId, requestId, record } = data;
      if (!isString(traceId) || !(requestId === undefined || isString(requestId))) return fail('interventionResult: bad traceId or requestId');
      if (!isInterventionRecord(record)) return fail('interventionResult: bad record');
      return { ok: true, message: { type: 'interventionResult', traceId, ...(requestId === undefined ? {} : { requestId }), record } };
    }
    case 'interventionFailed': {
      const { traceId, requestId, message, cancelled } = data;
      if (!isString(traceId) || !isString(requestId) || !isString(message) || typeof cancelled !== 'boolean') return fail('interventionFailed: bad fields');
      return { ok: true, message: { type: 'interventionFailed', traceId, requestId, message, cancelled } };
    }
    case 'showComparison': {
      const { traceId, comparison, otherName } = data;
      if (!isString(traceId) || !isString(otherName)) return fail('showComparison: traceId and otherName must be strings');
      if (comparison === null) return { ok: true, message: { type: 'showComparison', traceId, comparison: null, otherName } };
      const parsed = parseGraphComparison(comparison);
      if (!parsed.ok) return fail(`showComparison: ${parsed.reason}`);
      return { ok: true, message: { type: 'showComparison', traceId, comparison: parsed.comparison, otherName } };
    }
    default:
      return fail(`unknown type ${JSON.stringify(data.type)}`);
  }
}

export function parseFromWebview(data: unknown): Parsed<FromWebview.Message> {
  if (!isRecord(data)) return fail('not an object');
  switch (data.type) {
    case 'ready':
    case 'checkEngine':
      return { ok: true, message: { type: data.type } };
    case 'rendered': {
      const { traceId, pieceCount, engineState, toolkit, graphNodes } = data;
      if (!(traceId === null || isString(traceId)) || !isIndex(pieceCount) || typeof toolkit !== 'boolean') return fail('rendered: bad fields');
      if (!(engineState === null || isEngineState(engineState))) return fail('rendered: bad engineState');
      if (!(graphNodes === undefined || isIndex(graphNodes))) return fail('rendered: bad graphNodes');
      return { ok: true, message: { type: 'rendered', traceId, pieceCount, engineState, toolkit, ...(graphNodes === undefined ? {} : { graphNodes }) } };
    }
    case 'requestFeature': {
      const { traceId, featureKey } = data;
      if (!isString(traceId) || !isFeatureKey(featureKey)) return fail('requestFeature: bad fields');
      return { ok: true, message: { type: 'requestFeature', traceId, featureKey } };
    }
    case 'revealPiece': {
      const { traceId, index } = data;
      if (!isString(traceId) || !isIndex(index)) return fail('revealPiece: bad fields');
      return { ok: true, message: { type: 'revealPiece', traceId, index } };
    }
    case 'graphState': {
      const { traceId, qParams } = data;
      if (!isString(traceId) || !isRecord(qParams)) return fail('graphState: bad fields');
      return { ok: true, message: { type: 'graphState', traceId, qParams: qParams as GraphQParams } };
    }
    case 'revealPosition': {
      const { traceId, ctx, focus } = data;
      if (!isString(traceId) || !isIndex(ctx) || typeof focus !== 'boolean') return fail('revealPosition: bad fields');
      return { ok: true, message: { type: 'revealPosition', traceId, ctx, focus } };
    }
    case 'snapshot': {
      const { requestId, png } = data;
      if (!isString(requestId) || !isString(png) || !(png === '' || png.startsWith('data:image/png;base64,'))) return fail('snapshot: bad fields');
      return { ok: true, message: { type: 'snapshot', requestId, png } };
    }
    case 'intervene': {
      const { traceId, requestId, nodeIds, op, where, mode, generate, title } = data;
      if (!isString(traceId) || !isString(requestId) || !isString(title)) return fail('intervene: bad traceId, requestId or title');
      if (!Array.isArray(nodeIds) || !nodeIds.every(isString)) return fail('intervene: nodeIds must be a list of node ids');
      if (!isInterventionOp(op)) return fail('intervene: op must be set, scale or steer with a finite number');
      if (!wheres.includes(where as InterventionWhere) || !modes.includes(mode as InterventionModeJson)) return fail('intervene: bad where or mode');
      if (!isIndex(generate) || generate > MAX_CONTINUATION) return fail(`intervene: generate must be 0…${MAX_CONTINUATION}`);
      return { ok: true, message: { type: 'intervene', traceId, requestId, nodeIds, op, where: where as InterventionWhere, mode: mode as InterventionModeJson, generate, title } };
    }
    case 'cancelIntervention': {
      const { traceId, requestId } = data;
      if (!isString(traceId) || !isString(requestId)) return fail('cancelIntervention: bad fields');
      return { ok: true, message: { type: 'cancelIntervention', traceId, requestId } };
    }
    case 'panelError': {
      const { message, detail } = data;
      if (!isString(message) || !(detail === undefined || isString(detail))) return fail('panelError: bad fields');
      // bounded: the page may be broken, the host's notification must stay one readable line
      return { ok: true, message: { type: 'panelError', message: message.slice(0, 500), ...(detail === undefined ? {} : { detail: detail.slice(0, 20_000) }) } };
    }
    default:
      return fail(`unknown type ${JSON.stringify(data.type)}`);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}
