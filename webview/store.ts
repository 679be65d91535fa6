// The panel's single view state and a tiny subscribe/notify registry; renderers subscribe, handlers update.
import type { EngineStatus, ToWebview } from '../src/protocol/messages';

export interface ViewState {
  readonly selection: ToWebview.ShowSelection | null;
  readonly engine: EngineStatus | null;
  /** Index of the piece the user clicked last, if any. */
  readonly activePiece: number | null;
}

export interface Store {
  get(): ViewState;
  update(patch: Partial<ViewState>): void;
  subscribe(listener: (state: ViewState) => void): void;
}

export function createStore(initial: ViewState): Store {
  let state = initial;
  const listeners: Array<(state: ViewState) => void> = [];
  return {
    get: () => state,
    update(patch) {
      state = { ...state, ...patch };
      for (const listener of listeners) listener(state);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
  };
}
