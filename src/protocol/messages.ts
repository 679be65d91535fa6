// The messages between the extension host and the graph panel webview: one discriminated union per direction,
// each validated on receipt (`parseToWebview` in the webview, `parseFromWebview` in the host).

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
  export type Message = ShowSelection | ShowEngineStatus;
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
  }
  export interface CheckEngine {
    readonly type: 'checkEngine';
  }
  export interface RevealPiece {
    readonly type: 'revealPiece';
    readonly traceId: string;
    readonly index: number;
  }
  export type Message = Ready | Rendered | CheckEngine | RevealPiece;
}

type Parsed<T> = { ok: true; message: T } | { ok: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const engineStates: readonly EngineState[] = ['starting', 'checking', 'ready', 'error'];
const isEngineState = (v: unknown): v is EngineState => engineStates.includes(v as EngineState);
const isPiece = (v: unknown): v is TextPiece => isRecord(v) && isString(v.text) && isIndex(v.offset);

const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

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
      const { traceId, pieceCount, engineState, toolkit } = data;
      if (!(traceId === null || isString(traceId)) || !isIndex(pieceCount) || typeof toolkit !== 'boolean') return fail('rendered: bad fields');
      if (!(engineState === null || isEngineState(engineState))) return fail('rendered: bad engineState');
      return { ok: true, message: { type: 'rendered', traceId, pieceCount, engineState, toolkit } };
    }
    case 'revealPiece': {
      const { traceId, index } = data;
      if (!isString(traceId) || !isIndex(index)) return fail('revealPiece: bad fields');
      return { ok: true, message: { type: 'revealPiece', traceId, index } };
    }
    default:
      return fail(`unknown type ${JSON.stringify(data.type)}`);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}
