// The graph panel's view state, kept in the webview's one store (../store.ts): subscribers hear which keys changed.
// The graph itself is not state: it comes in whole and is never persisted here.

import type { InterventionModeJson, InterventionWhere } from '../../src/protocol/graph-json';
import { createStore, type Listener as GenericListener, type Store as GenericStore } from '../store';

export type ViewMode = 'graph' | 'subgraph';
export type InterventionKind = 'ablate' | 'amplify' | 'set' | 'steer';

/** The intervention form's choices, kept while the user clicks around the graph. */
export interface InterventionForm {
  kind: InterventionKind;
  /** The factor, value or strength as typed (checked when the form is sent). */
  amount: string;
  where: InterventionWhere;
  mode: InterventionModeJson;
  /** Continuation length as typed. */
  generate: string;
  /** Change the clicked feature, or every pinned feature. */
  subject: 'node' | 'pinned';
}
export type LinkType = 'either' | 'input' | 'output' | 'both';

export interface ViewState {
  clickedId: string | null;
  hoveredId: string | null;
  /** The node the keyboard is on; drawn with a focus ring. */
  focusId: string | null;
  pinnedIds: string[];
  /** `[label, node_id, …]` per supernode, as qParams store them. */
  supernodes: string[][];
  /** User labels keyed by featureId (`layer_feature_ctx`). */
  clerps: Record<string, string>;
  /** Show nodes whose cumulative influence is at most this (0…1). */
  nodeThreshold: number;
  /** Hide links carrying less than this share of their target's input (0…1). */
  edgeThreshold: number;
  hideErrors: boolean;
  hideCommon: boolean;
  view: ViewMode;
  linkType: LinkType;
  /** Members of the group being built, or null when not grouping. */
  grouping: string[] | null;
  search: string;
  /** Prompt positions the editor selection covers; null shows all. */
  positionFilter: [number, number] | null;
  /** Prompt position under the editor's cursor; its nodes are highlighted. */
  cursorPosition: number | null;
  interventionForm: InterventionForm;
  /** The intervention sent and not yet answered. */
  intervening: { requestId: string; title: string } | null;
  /** Why the last intervention was not sent or did not finish. */
  interventionError: string | null;
  /** The result the results view shows (and whose changes the graph marks); null: none shown. */
  interventionId: string | null;
  /** Mark the shown result's most changed nodes in the graph. */
  markChanges: boolean;
}

export type Listener = GenericListener<ViewState>;
export type Store = GenericStore<ViewState>;
export { createStore };

export const defaultViewState = (nodeThreshold = 0.8): ViewState => ({
  clickedId: null, hoveredId: null, focusId: null, pinnedIds: [], supernodes: [], clerps: {},
  nodeThreshold, edgeThreshold: 0, hideErrors: false, hideCommon: false, view: 'graph', linkType: 'either',
  grouping: null, search: '', positionFilter: null, cursorPosition: null,
  interventionForm: { kind: 'ablate', amount: '', where: 'node', mode: 'free', generate: '0', subject: 'node' },
  intervening: null, interventionError: null, interventionId: null, markChanges: true,
});

/** Keys that survive a reload (webview setState) and go into qParams; hover and search are momentary. */
export const PERSISTED_KEYS = [
  'clickedId', 'pinnedIds', 'supernodes', 'clerps', 'nodeThreshold', 'edgeThreshold', 'hideErrors', 'hideCommon', 'view', 'linkType',
] as const satisfies readonly (keyof ViewState)[];

export type PersistedState = Pick<ViewState, (typeof PERSISTED_KEYS)[number]>;

export function persisted(state: ViewState): PersistedState {
  const out: Partial<ViewState> = {};
  for (const key of PERSISTED_KEYS) (out as Record<string, unknown>)[key] = state[key];
  return out as PersistedState;
}

/** Toggles membership of `id` in a list, returning a new list. */
export const toggled = (list: readonly string[], id: string): string[] =>
  list.includes(id) ? list.filter((x) => x !== id) : [...list, id];
