// The page's only channel to the host: typed posting and the persisted view state. acquireVsCodeApi may be
// called once per page, so this module calls it once and keeps it private.
import type { FromWebview, ToWebview } from '../src/protocol/messages';

/** What survives hiding the panel or reloading the window. */
export interface PersistedState {
  readonly selection: ToWebview.ShowSelection | null;
  readonly activePiece: number | null;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(message: FromWebview.Message): void {
  api.postMessage(message);
}

export function loadState(): PersistedState | undefined {
  const state = api.getState() as PersistedState | undefined;
  return state && typeof state === 'object' && 'selection' in state ? state : undefined;
}

export function saveState(state: PersistedState): void {
  api.setState(state);
}
