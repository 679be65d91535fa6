// The webview's one store: a state object, replaced (never mutated) by `set`, and subscribers told which keys
// changed. The panel's page state (main.ts) and the graph's view state (graph/store.ts) are each one of these.

export type Listener<S> = (state: Readonly<S>, changed: ReadonlySet<keyof S>) => void;

export interface Store<S> {
  get(): Readonly<S>;
  /** merges the patch; listeners hear of it only when some value changed (compared with ===) */
  set(patch: Partial<S>): void;
  /** returns the unsubscribe function */
  subscribe(listener: Listener<S>): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state: S = initial;
  const listeners = new Set<Listener<S>>();
  return {
    get: () => state,
    set(patch) {
      const changed = new Set<keyof S>();
      for (const key of Object.keys(patch) as (keyof S)[]) {
        if (patch[key] !== state[key]) changed.add(key);
      }
      if (changed.size === 0) return;
      state = { ...state, ...patch };
      for (const listener of listeners) listener(state, changed);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
