// The attribution graph file shared with circuit-tracer's frontend and Neuronpedia (circuit-tracer.md §3):
// metadata, qParams, nodes and links, schema_version 1 (Cantor-paired `feature`), error ids `{layer}_-1_{pos}`.
// Our extras live under the one key `selfTracing`, which other tools ignore. The types are the protocol's
// (src/protocol/graph-json.ts), shared with the extension and the webview; this module writes and reads files.
import { EngineError } from '../errors';
import { type AttributionGraph, graphLayout } from '../attribution/graph';
import type { PruneResult } from '../attribution/prune';
import {
  cantor,
  EXTRAS_KEY,
  parseGraphJson,
  SCHEMA_VERSION,
  uncantor,
  type GraphJson,
  type GraphLink,
  type GraphNode,
  type SelfTracingExtras,
} from '../../protocol/graph-json';

export { cantor, EXTRAS_KEY, SCHEMA_VERSION };

/** Python's `format(x, '.Nf')`: the exact binary value rounded, ties to even (JS toFixed rounds ties away from 0) */
export function pyFixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return s;
  const exact = Math.abs(x).toFixed(100); // toFixed expands the binary value exactly
  const rest = exact.slice(exact.indexOf('.') + 1 + digits);
  if (!/^50*$/.test(rest)) return s;
  const truncated = (Math.sign(x) < 0 ? '-' : '') + exact.slice(0, exact.indexOf('.') + 1 + digits).replace(/\.$/, '');
  const lastDigit = Number(truncated[truncated.length - 1]);
  return lastDigit % 2 === 0 ? truncated : s;
}

export interface GraphFileOptions {
  slug: string;
  /** metadata.scan; defaults to the graph's transcoder identifier */
  scan?: string;
  nodeThreshold: number;
  edgeThreshold: number;
  extras?: Omit<SelfTracingExtras, 'version'>;
}

/** circuit-tracer's create_graph_files, given a prune result: kept nodes, kept links, then the used nodes */
export function buildGraphFile(g: AttributionGraph, pruned: PruneResult, opts: GraphFileOptions): GraphJson {
  const lay = graphLayout(g);
  const P = lay.nPos;
  const nodes = new Map<number, GraphNode>();
  const base = { token_prob: 0, is_target_logit: false, run_idx: 0, reverse_ctx_idx: 0, clerp: '', activation: null };
  for (let i = 0; i < lay.n; i++) {
    if (!pruned.nodeMask[i]) continue;
    const influence = pruned.cumulativeScores[i];
    let node: GraphNode;
    if (i < lay.errorStart) {
      const a = g.selectedFeatures[i];
      const l = g.activeFeatures.layer[a];
      const f = g.activeFeatures.feature[a];
      const p = g.activeFeatures.pos[a];
      node = { node_id: `${l}_${f}_${p}`, feature: cantor(l, f), layer: String(l), ctx_idx: p, feature_type: 'cross layer transcoder', ...base, jsNodeId: `${l}_${f}-0`, influence, activation: g.activeFeatures.activation[a] };
    } else if (i < lay.tokenStart) {
      const l = Math.floor((i - lay.errorStart) / P);
      const p = (i - lay.errorStart) % P;
      node = { node_id: `${l}_-1_${p}`, feature: -1, layer: String(l), ctx_idx: p, feature_type: 'mlp reconstruction error', ...base, jsNodeId: `${l}_${p}-0`, influence };
    } else if (i < lay.logitStart) {
      const p = i - lay.tokenStart;
      const id = g.inputTokens[p];
      node = { node_id: `E_${id}_${p}`, feature: p, layer: 'E', ctx_idx: p, feature_type: 'embedding', ...base, jsNodeId: `E_${id}-${p}`, influence };
    } else {
      const k = i - lay.logitStart;
      const { token, vocabIdx } = g.logitTargets[k];
      const prob = g.logitProbabilities[k];
      const layer = String(g.nLayers + 1);
      node = {
        node_id: `${layer}_${vocabIdx}_${P - 1}`,
        feature: vocabIdx,
        layer,
        ctx_idx: P - 1,
        feature_type: 'logit',
        ...base,
        token_prob: prob,
        is_target_logit: k === 0,
        jsNodeId: `L_${vocabIdx}-${P - 1}`,
        clerp: `Output "${token}" (p=${pyFixed(prob, 3)})`,
        influence: null,
      };
    }
    // field order as circuit-tracer's pydantic Node emits it
    nodes.set(i, orderNode(node));
  }

  const a = g.adjacency;
  const links: GraphLink[] = [];
  const connected = new Set<string>();
  for (let t = 0; t < a.n; t++) {
    const dst = nodes.get(t);
    if (!dst) continue;
    for (let e = a.rowPtr[t]; e < a.rowPtr[t + 1]; e++) {
      if (!pruned.edgeMask[e]) continue;
      const src = nodes.get(a.cols[e]);
      if (!src) continue;
      links.push({ source: src.node_id, target: dst.node_id, weight: a.vals[e] });
      connected.add(src.node_id).add(dst.node_id);
    }
  }
  const used = [...nodes.values()].filter((n) => connected.has(n.node_id) || n.feature_type === 'embedding' || n.feature_type === 'logit');

  const file: GraphJson = {
    metadata: {
      slug: opts.slug,
      scan: opts.scan ?? g.scan,
      transcoder_list: [],
      prompt_tokens: g.promptTokens,
      prompt: g.inputString,
      node_threshold: opts.nodeThreshold,
      schema_version: SCHEMA_VERSION,
    },
    qParams: { pinnedIds: [], supernodes: [], linkType: 'both', clickedId: '', sg_pos: '' },
    nodes: used,
    links,
  };
  file[EXTRAS_KEY] = {
    version: 1,
    pruning: { node_threshold: opts.nodeThreshold, edge_threshold: opts.edgeThreshold },
    generation: { max_feature_nodes: lay.nFeatures, n_active_features: g.activeFeatures.layer.length },
    ...opts.extras,
  };
  return file;
}

function orderNode(n: GraphNode): GraphNode {
  const { node_id, feature, layer, ctx_idx, feature_type, token_prob, is_target_logit, run_idx, reverse_ctx_idx, jsNodeId, clerp, influence, activation } = n;
  return { node_id, feature, layer, ctx_idx, feature_type, token_prob, is_target_logit, run_idx, reverse_ctx_idx, jsNodeId, clerp, influence, activation };
}

export function writeGraphJson(file: GraphJson): string {
  return JSON.stringify(file, null, 2);
}

/** Parses a graph file written by circuit-tracer (schema 0 or 1, either error-id format), Neuronpedia or us. */
export function readGraphJson(text: string): GraphJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EngineError('badFile', `The graph file is not valid JSON: ${(e as Error).message}.`);
  }
  const parsed = parseGraphJson(raw);
  if (!parsed.ok) throw new EngineError('badFile', `The graph file is not an attribution graph: ${parsed.reason}.`);
  return parsed.graph;
}

export type NodeKind = 'feature' | 'error' | 'embedding' | 'logit' | 'other';

/** What a node is, told by feature_type (never by parsing node_id, whose error format changed) */
export function nodeKind(n: GraphNode): NodeKind {
  switch (n.feature_type) {
    case 'cross layer transcoder':
    case 'lorsa':
    case 'unexplored node':
      return 'feature';
    case 'mlp reconstruction error':
    case 'lorsa error':
      return 'error';
    case 'embedding':
      return 'embedding';
    case 'logit':
      return 'logit';
    default:
      return 'other';
  }
}

/** (layer, feature index) of a transcoder node, for either schema version */
export function featureOf(file: GraphJson, n: GraphNode): { layer: number; feature: number } | undefined {
  if (nodeKind(n) !== 'feature' || n.feature === null) return undefined;
  if ((file.metadata.schema_version ?? 0) >= 1) {
    const { layer, index } = uncantor(n.feature);
    return { layer, feature: index };
  }
  // schema 0: feature = f + 10^k·layer; the node id `{layer}_{f}_{pos}` says f directly
  const parts = n.node_id.split('_');
  const f = Number(parts[1]);
  return { layer: Number(n.layer), feature: Number.isInteger(f) ? f : n.feature };
}
