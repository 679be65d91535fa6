// Reads a graph file's qParams into view state and writes view state back, accepting both the array form
// (Neuronpedia's schema) and the string form circuit-tracer's local server writes.
import type { GraphJson, GraphQParams } from '../../src/protocol/graph-json';
import { defaultViewState, type LinkType, type PersistedState, type ViewState } from './store';

const LINK_TYPES: readonly LinkType[] = ['either', 'input', 'output', 'both'];

function parseJsonish(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined; // a malformed string in a hand-edited file: treat as absent rather than refuse the graph
  }
}

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' && value ? value.split(',') : [];

function supernodesOf(value: unknown, known: (id: string) => boolean): string[][] {
  const parsed = parseJsonish(value);
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((g): g is unknown[] => Array.isArray(g) && typeof g[0] === 'string')
    .map((g) => [g[0] as string, ...g.slice(1).filter((id): id is string => typeof id === 'string' && known(id))])
    .filter((g) => g.length > 1);
}

function clerpsOf(value: unknown): Record<string, string> {
  const parsed = parseJsonish(value);
  const out: Record<string, string> = {};
  if (Array.isArray(parsed)) {
    for (const pair of parsed) if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') out[pair[0]] = pair[1];
  } else if (parsed && typeof parsed === 'object') {
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

const fraction = (value: unknown): number | undefined => {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
};

/** Initial view state for a graph: defaults, then the file's qParams; ids the graph lacks are dropped. */
export function stateFromGraph(graph: GraphJson): ViewState {
  const ids = new Set(graph.nodes.map((n) => n.node_id));
  const known = (id: string) => ids.has(id);
  const q: GraphQParams = graph.qParams ?? {};
  const base = defaultViewState(graph.metadata.node_threshold ?? graph.metadata.pruning_settings?.node_threshold ?? 0.8);
  const supernodes = supernodesOf(q.supernodes, known);
  const pinned = new Set([...stringList(q.pinnedIds).filter(known), ...supernodes.flatMap((g) => g.slice(1))]);
  const linkType = LINK_TYPES.find((t) => t === q.linkType) ?? base.linkType;
  return {
    ...base,
    pinnedIds: [...pinned],
    supernodes,
    clickedId: typeof q.clickedId === 'string' && known(q.clickedId) ? q.clickedId : null,
    clerps: clerpsOf(q.clerps),
    nodeThreshold: fraction(q.pruningThreshold) ?? base.nodeThreshold,
    edgeThreshold: fraction(q.edgeThreshold) ?? base.edgeThreshold,
    linkType,
  };
}

/** qParams for an exported file, in the array form Neuronpedia's schema declares. */
export function qParamsFromState(state: PersistedState, previous: GraphQParams = {}): GraphQParams {
  return {
    ...previous,
    pinnedIds: [...state.pinnedIds],
    supernodes: state.supernodes.map((g) => [...g]),
    linkType: state.linkType,
    clickedId: state.clickedId ?? '',
    sg_pos: typeof previous.sg_pos === 'string' ? previous.sg_pos : '',
    pruningThreshold: state.nodeThreshold,
    edgeThreshold: state.edgeThreshold,
    clerps: Object.entries(state.clerps),
  };
}

/** The graph with the view state folded into qParams and user labels into each node's clerp. */
export function graphWithState(graph: GraphJson, state: PersistedState, featureIdOf: (i: number) => string): GraphJson {
  return {
    ...graph,
    qParams: qParamsFromState(state, graph.qParams),
    nodes: graph.nodes.map((n, i) => {
      const label = state.clerps[featureIdOf(i)];
      return label !== undefined ? { ...n, clerp: label } : n;
    }),
  };
}
