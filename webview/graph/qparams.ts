// Reads a graph file's qParams into view state and writes view state back, in either form the file may take
// (circuit-tracer's strings keyed by `feature`, Neuronpedia's arrays keyed by featureId): src/protocol/graphForms.ts.
import type { GraphJson, GraphQParams } from '../../src/protocol/graph-json';
import { formOf, readSavedView, writeSavedView, type GraphForm } from '../../src/protocol/graphForms';
import { supernodeId, supernodeIndexOf } from '../../src/protocol/nodes';
import { defaultViewState, type LinkType, type PersistedState, type ViewState } from './store';

const LINK_TYPES: readonly LinkType[] = ['either', 'input', 'output', 'both'];

/** Initial view state for a graph: defaults, then the file's qParams; ids the graph lacks are dropped. */
export function stateFromGraph(graph: GraphJson): ViewState {
  const base = defaultViewState(graph.metadata.node_threshold ?? graph.metadata.pruning_settings?.node_threshold ?? 0.8);
  const saved = readSavedView(graph);
  const pinned = new Set([...saved.pinnedIds, ...saved.supernodes.flatMap((g) => g.slice(1))]);
  const sn = saved.clickedId === null ? null : supernodeIndexOf(saved.clickedId);
  return {
    ...base,
    pinnedIds: [...pinned],
    supernodes: saved.supernodes,
    clickedId: sn !== null ? `sn:${sn}` : saved.clickedId,
    clerps: { ...saved.clerps },
    nodeThreshold: saved.pruningThreshold ?? base.nodeThreshold,
    edgeThreshold: saved.edgeThreshold ?? base.edgeThreshold,
    linkType: LINK_TYPES.find((t) => t === saved.linkType) ?? base.linkType,
  };
}

/** qParams for the graph file, in `form` (default: the form the file came in). */
export function qParamsFromState(state: PersistedState, graph: Pick<GraphJson, 'qParams' | 'nodes' | 'metadata'>, form: GraphForm = formOf(graph)): GraphQParams {
  const clicked = state.clickedId?.startsWith('sn:') ? supernodeId(Number(state.clickedId.slice(3))) : state.clickedId;
  const clerps: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(state.clerps)) if (k !== '__proto__') clerps[k] = v;
  return writeSavedView({
    pinnedIds: state.pinnedIds,
    supernodes: state.supernodes,
    clerps,
    clickedId: clicked ?? null,
    linkType: state.linkType,
    pruningThreshold: state.nodeThreshold,
    edgeThreshold: state.edgeThreshold,
  }, form, graph.nodes, graph.qParams ?? {}).qParams;
}

/** The graph with the view state folded into qParams (node clerps are left as the file has them). */
export function graphWithState(graph: GraphJson, state: PersistedState): GraphJson {
  return { ...graph, qParams: qParamsFromState(state, graph) };
}
