// The two forms a graph file takes, and reading and writing the saved view (qParams) in either.
//  - circuit-tracer's local viewer (frontend/assets/attribution_graph/init-cg.js) `JSON.parse`s `qParams.clerps`
//    and keys labels by the node's `feature` number; its server saves pinnedIds comma-joined and supernodes,
//    pruningThreshold and clerps as strings. It looks features up by `metadata.scan`: a scan starting with "./"
//    loads `{scan}/{feature}.json` beside the page, so our folders use `./data/features`.
//  - Neuronpedia (graph-schema.json, components/provider/graph-provider.tsx) spreads qParams into its state:
//    arrays, clerps as `[[featureId, label], …]`; `scan` is a model id; optional info / settings metadata.
// Every variant is read; a file is written back in its own form unless the user picks the other.
import type { GraphJson, GraphNode, GraphQParams } from './graph-json';
import { UNSAFE_KEYS } from './graph-json';
import { circuitTracerClerpKey, featureIdOf, isFeatureKind, nodeKindOf, supernodeId, supernodeIndexOf } from './nodes';

export type GraphForm = 'circuit-tracer' | 'neuronpedia';
export const GRAPH_FORMS: readonly GraphForm[] = ['circuit-tracer', 'neuronpedia'];
/** Where circuit-tracer's viewer finds our feature files in a folder written by `trace --out-dir`. */
export const LOCAL_FEATURES_SCAN = './data/features';

/**
 * The form a file is in: circuit-tracer's string qParams, or Neuronpedia's array clerps; a file with neither (as
 * generated, before any label) is Neuronpedia's when it has Neuronpedia-only metadata, else circuit-tracer's.
 */
export function formOf(graph: Pick<GraphJson, 'metadata' | 'qParams'>): GraphForm {
  const q = graph.qParams ?? {};
  if (typeof q.clerps === 'string' || typeof q.pinnedIds === 'string' || typeof q.supernodes === 'string') return 'circuit-tracer';
  if (Array.isArray(q.clerps)) return 'neuronpedia';
  const m = graph.metadata as unknown as Record<string, unknown>;
  if (m.info !== undefined || m.feature_details !== undefined || m.generation_settings !== undefined) return 'neuronpedia';
  return 'circuit-tracer';
}

/** The view a file saves, with labels keyed by featureId whatever the file's form. */
export interface SavedView {
  pinnedIds: string[];
  supernodes: string[][];
  /** Labels by featureId (`${layer}_${feature}_${ctx_idx}`). A null-prototype record. */
  clerps: Record<string, string>;
  /** A node id, or a supernode as `supernode-N`. */
  clickedId: string | null;
  linkType: string | null;
  pruningThreshold: number | null;
  edgeThreshold: number | null;
}

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

const fraction = (value: unknown): number | null => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
};

/** Label pairs from either form; circuit-tracer's `feature` keys apply to every node of that feature. */
function clerpsOf(value: unknown, nodes: readonly GraphNode[]): Record<string, string> {
  const parsed = parseJsonish(value);
  const pairs: [string, string][] = [];
  if (Array.isArray(parsed)) {
    for (const p of parsed) if (Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string') pairs.push([p[0], p[1]]);
  } else if (parsed && typeof parsed === 'object') {
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') pairs.push([k, v]);
  }
  const out: Record<string, string> = Object.create(null);
  if (pairs.length === 0) return out;
  let byFeature: Map<string, string[]> | undefined;
  for (const [key, label] of pairs) {
    if (UNSAFE_KEYS.has(key)) continue;
    if (key.includes('_')) { out[key] = label; continue; }
    if (!byFeature) {
      byFeature = new Map();
      for (const n of nodes) {
        if (!isFeatureKind(nodeKindOf(n.feature_type))) continue;
        const k = circuitTracerClerpKey(n);
        const list = byFeature.get(k) ?? [];
        list.push(featureIdOf(n));
        byFeature.set(k, list);
      }
    }
    for (const id of byFeature.get(key) ?? []) if (!(id in out)) out[id] = label;
  }
  return out;
}

/** The saved view of a file in any form; ids the graph lacks are dropped. */
export function readSavedView(graph: { qParams?: GraphQParams; nodes: readonly GraphNode[] }): SavedView {
  const q: GraphQParams = graph.qParams ?? {};
  const ids = new Set(graph.nodes.map((n) => n.node_id));
  const parsedSupernodes = parseJsonish(q.supernodes);
  const supernodes = (Array.isArray(parsedSupernodes) ? parsedSupernodes : [])
    .filter((g): g is unknown[] => Array.isArray(g) && typeof g[0] === 'string')
    .map((g) => [g[0] as string, ...g.slice(1).filter((id): id is string => typeof id === 'string' && ids.has(id))])
    .filter((g) => g.length > 1);
  const clicked = typeof q.clickedId === 'string' ? q.clickedId : '';
  const sn = supernodeIndexOf(clicked) ?? (/^sn:(\d+)$/.exec(clicked) ? Number(clicked.slice(3)) : null);
  return {
    pinnedIds: [...new Set(stringList(q.pinnedIds).filter((id) => ids.has(id)))],
    supernodes,
    clerps: clerpsOf(q.clerps, graph.nodes),
    clickedId: sn !== null ? (sn < supernodes.length ? supernodeId(sn) : null) : ids.has(clicked) ? clicked : null,
    linkType: typeof q.linkType === 'string' ? q.linkType : null,
    pruningThreshold: fraction(q.pruningThreshold),
    edgeThreshold: fraction(q.edgeThreshold),
  };
}

/** Labels in circuit-tracer's key (`feature`): one per feature; `conflicts` counts features labelled two ways. */
export function circuitTracerClerps(clerps: Readonly<Record<string, string>>, nodes: readonly GraphNode[]): { pairs: [string, string][]; conflicts: number } {
  const byFeature = new Map<string, string>();
  let conflicts = 0;
  for (const n of nodes) {
    const label = Object.prototype.hasOwnProperty.call(clerps, featureIdOf(n)) ? clerps[featureIdOf(n)] : undefined;
    if (label === undefined || !isFeatureKind(nodeKindOf(n.feature_type))) continue;
    const key = circuitTracerClerpKey(n);
    const had = byFeature.get(key);
    if (had === undefined) byFeature.set(key, label);
    else if (had !== label) conflicts++;
  }
  return { pairs: [...byFeature.entries()], conflicts };
}

/**
 * qParams for `view` in `form`. Keys the view does not own (sg_pos, gridsnap, …) are kept. In circuit-tracer form
 * a field keeps the shape the file had (its server's strings, or the arrays create_graph_files writes).
 */
export function writeSavedView(view: SavedView, form: GraphForm, nodes: readonly GraphNode[], previous: GraphQParams = {}): { qParams: GraphQParams; warnings: string[] } {
  const warnings: string[] = [];
  const q: GraphQParams = { ...previous };
  for (const k of UNSAFE_KEYS) delete (q as Record<string, unknown>)[k];
  const asString = (key: keyof GraphQParams) => form === 'circuit-tracer' && typeof previous[key] === 'string';
  q.pinnedIds = asString('pinnedIds') ? view.pinnedIds.join(',') : [...view.pinnedIds];
  q.supernodes = asString('supernodes') ? JSON.stringify(view.supernodes) : view.supernodes.map((g) => [...g]);
  q.linkType = view.linkType ?? (typeof previous.linkType === 'string' ? previous.linkType : 'both');
  q.clickedId = view.clickedId ?? '';
  if (typeof q.sg_pos !== 'string') q.sg_pos = '';
  if (view.pruningThreshold !== null) q.pruningThreshold = asString('pruningThreshold') ? String(view.pruningThreshold) : view.pruningThreshold;
  // ours, not a viewer's: written once it is set (0, every link, is what a file without it means)
  if (view.edgeThreshold !== null && (view.edgeThreshold !== 0 || previous.edgeThreshold !== undefined)) q.edgeThreshold = view.edgeThreshold;
  // always written, so the form stays legible: circuit-tracer JSON.parses a string, Neuronpedia reads an array
  if (form === 'circuit-tracer') {
    const { pairs, conflicts } = circuitTracerClerps(view.clerps, nodes);
    if (conflicts > 0) warnings.push(`${conflicts} label(s) differ between positions of the same feature; circuit-tracer keeps one label per feature, the first is written`);
    q.clerps = JSON.stringify(pairs);
  } else {
    const known = new Set(nodes.map(featureIdOf));
    q.clerps = Object.entries(view.clerps).filter(([id]) => known.has(id));
  }
  return { qParams: q, warnings };
}

/** A Hugging Face repo id (`org/name`, optionally `//subfolder` and `@revision`): circuit-tracer finds features there. */
export const isHubRepo = (scan: string): boolean => /^[\w-][\w.-]*\/[\w.-]+(\/\/[^@]+)?(@.+)?$/.test(scan);

/**
 * The graph in `form`: qParams rewritten, and for our own graphs (they carry `selfTracing.model`) the scan the
 * destination reads. circuit-tracer: the transcoders' Hugging Face repo (its viewer loads their published features)
 * or else our features beside the file (`./data/features`), never a bare folder name it would look up online;
 * Neuronpedia: the model id. Everything else is kept as it is.
 */
export function convertGraph(graph: GraphJson, form: GraphForm): { graph: GraphJson; warnings: string[] } {
  const { qParams, warnings } = writeSavedView(readSavedView(graph), form, graph.nodes, graph.qParams);
  const metadata = { ...graph.metadata };
  const model = graph.selfTracing?.model;
  const set = graph.selfTracing?.transcoders;
  if (model !== undefined) metadata.scan = form === 'neuronpedia' ? model : set !== undefined && isHubRepo(set) ? set : LOCAL_FEATURES_SCAN;
  return { graph: { ...graph, metadata, qParams }, warnings };
}
