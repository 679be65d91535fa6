// The one assembly of attribution graph files, as circuit-tracer's create_graph_files writes them (its
// utils/create_graph_files.py and frontend/graph_models.py): metadata, qParams, nodes and links, schema_version 1
// (Cantor-paired `feature`), node ids from src/protocol/nodes.ts, plus Neuronpedia's optional metadata (info,
// generation_settings, pruning_settings). Our extras live under the one key `selfTracing`, which other tools
// ignore. The types are the protocol's, shared with the extension and the webview.
import { EngineError } from '../errors';
import { type AttributionGraph, graphLayout } from '../attribution/graph';
import type { PruneResult } from '../attribution/prune';
import { EXTRAS_KEY, SCHEMA_VERSION, type GraphJson, type GraphLink, type GraphNode, type SelfTracingExtras } from '../../protocol/graph-json';
import { convertGraph, type GraphForm } from '../../protocol/graphForms';
import { parseGraphText, writeGraphText } from '../../protocol/graphText';
import {
  cantor,
  embeddingJsNodeId,
  embeddingNodeId,
  errorJsNodeId,
  errorNodeId,
  featureIndexOf,
  featureJsNodeId,
  featureNodeId,
  logitJsNodeId,
  logitNodeId,
  nodeKindOf,
  type NodeKind,
} from '../../protocol/nodes';

export { cantor, EXTRAS_KEY, SCHEMA_VERSION };

/** What wrote the file, for Neuronpedia's `metadata.info.generator`. */
export const GENERATOR = { name: 'self-tracing', version: '0.1.0' };

/** A file slug from the traced text: lower-case words joined by '-', at most 40 characters. */
export function slugOf(text: string, prefix = ''): string {
  const s = `${prefix}${text}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return s || 'graph';
}

const idCache = new WeakMap<AttributionGraph, string[]>();

/**
 * The node id of every node of the graph, in node order (features, errors, tokens, logits). An error id that
 * would collide with one of the graph's layer-0 feature ids keeps the `{layer}_-1_{pos}` form (nodes.ts).
 */
export function graphNodeIds(g: AttributionGraph): readonly string[] {
  const cached = idCache.get(g);
  if (cached) return cached;
  const lay = graphLayout(g);
  const P = lay.nPos;
  const ids: string[] = [];
  for (let i = 0; i < lay.errorStart; i++) {
    const a = g.selectedFeatures[i];
    ids.push(featureNodeId(g.activeFeatures.layer[a], g.activeFeatures.feature[a], g.activeFeatures.pos[a]));
  }
  const features = new Set(ids);
  for (let i = lay.errorStart; i < lay.tokenStart; i++) ids.push(errorNodeId(Math.floor((i - lay.errorStart) / P), (i - lay.errorStart) % P, (id) => features.has(id)));
  for (let i = lay.tokenStart; i < lay.logitStart; i++) ids.push(embeddingNodeId(g.inputTokens[i - lay.tokenStart], i - lay.tokenStart));
  for (let i = lay.logitStart; i < lay.n; i++) ids.push(logitNodeId(g.nLayers, g.logitTargets[i - lay.logitStart].vocabIdx, P - 1));
  idCache.set(g, ids);
  return ids;
}

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
  /** Write qParams and scan as this destination reads them (default: circuit-tracer). */
  form?: GraphForm;
  nodeThreshold: number;
  edgeThreshold: number;
  extras?: Omit<SelfTracingExtras, 'version'>;
}

/** circuit-tracer's create_graph_files, given a prune result: kept nodes, kept links, then the used nodes */
export function buildGraphFile(g: AttributionGraph, pruned: PruneResult, opts: GraphFileOptions): GraphJson {
  const lay = graphLayout(g);
  const P = lay.nPos;
  const ids = graphNodeIds(g);
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
      node = { node_id: ids[i], feature: cantor(l, f), layer: String(l), ctx_idx: p, feature_type: 'cross layer transcoder', ...base, jsNodeId: featureJsNodeId(l, f), influence, activation: g.activeFeatures.activation[a] };
    } else if (i < lay.tokenStart) {
      const l = Math.floor((i - lay.errorStart) / P);
      const p = (i - lay.errorStart) % P;
      node = { node_id: ids[i], feature: -1, layer: String(l), ctx_idx: p, feature_type: 'mlp reconstruction error', ...base, jsNodeId: errorJsNodeId(l, p), influence };
    } else if (i < lay.logitStart) {
      const p = i - lay.tokenStart;
      const id = g.inputTokens[p];
      node = { node_id: ids[i], feature: p, layer: 'E', ctx_idx: p, feature_type: 'embedding', ...base, jsNodeId: embeddingJsNodeId(id, p), influence };
    } else {
      const k = i - lay.logitStart;
      const { token, vocabIdx } = g.logitTargets[k];
      const prob = g.logitProbabilities[k];
      const layer = String(g.nLayers + 1);
      node = {
        node_id: ids[i],
        feature: vocabIdx,
        layer,
        ctx_idx: P - 1,
        feature_type: 'logit',
        ...base,
        token_prob: prob,
        is_target_logit: k === 0,
        jsNodeId: logitJsNodeId(vocabIdx, P - 1),
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

  const extras: SelfTracingExtras = {
    version: 1,
    pruning: { node_threshold: opts.nodeThreshold, edge_threshold: opts.edgeThreshold },
    generation: { max_feature_nodes: lay.nFeatures, n_active_features: g.activeFeatures.layer.length },
    transcoders: opts.scan ?? g.scan,
    ...opts.extras,
  };
  const gen = extras.generation!;
  const file: GraphJson = {
    metadata: {
      slug: opts.slug,
      scan: opts.scan ?? g.scan,
      transcoder_list: [],
      prompt_tokens: g.promptTokens,
      prompt: g.inputString,
      node_threshold: opts.nodeThreshold,
      schema_version: SCHEMA_VERSION,
      info: { generator: { ...GENERATOR }, create_time_ms: Date.now(), ...(extras.model ? { description: `Traced locally by Self-Tracing on the model "${extras.model}".` } : {}) },
      generation_settings: {
        max_feature_nodes: gen.max_feature_nodes,
        ...(gen.max_n_logits !== undefined ? { max_n_logits: gen.max_n_logits } : {}),
        ...(gen.desired_logit_prob !== undefined ? { desired_logit_prob: gen.desired_logit_prob } : {}),
      },
      pruning_settings: { ...extras.pruning! },
    },
    qParams: { pinnedIds: [], supernodes: [], linkType: 'both', clickedId: '', sg_pos: '' },
    nodes: used,
    links,
  };
  file[EXTRAS_KEY] = extras;
  // our own graphs name the scan each destination reads (local features for circuit-tracer, a model id for Neuronpedia)
  return opts.scan !== undefined || extras.model === undefined ? file : convertGraph(file, opts.form ?? 'circuit-tracer').graph;
}

function orderNode(n: GraphNode): GraphNode {
  const { node_id, feature, layer, ctx_idx, feature_type, token_prob, is_target_logit, run_idx, reverse_ctx_idx, jsNodeId, clerp, influence, activation } = n;
  return { node_id, feature, layer, ctx_idx, feature_type, token_prob, is_target_logit, run_idx, reverse_ctx_idx, jsNodeId, clerp, influence, activation };
}

/** The file's text, in the diff-friendly layout both viewers read (src/protocol/graphText.ts). */
export function writeGraphJson(file: GraphJson): string {
  return writeGraphText(file);
}

/** Parses a graph file written by circuit-tracer (schema 0 or 1, either error-id format), Neuronpedia or us. */
export function readGraphJson(text: string, warnings: string[] = []): GraphJson {
  const parsed = parseGraphText(text, { cap: false });
  if (!parsed.ok) throw new EngineError('badFile', `The graph file is not an attribution graph: ${parsed.reason}.`);
  warnings.push(...parsed.warnings);
  return parsed.graph;
}

export type { NodeKind };

/** What a node is, told by feature_type (never by parsing node_id, whose error format changed). */
export const nodeKind = (n: Pick<GraphNode, 'feature_type'>): NodeKind => nodeKindOf(n.feature_type);

/** (layer, feature index) of a feature node, for either schema version. */
export function featureOf(file: GraphJson, n: GraphNode): { layer: number; feature: number } | undefined {
  const f = featureIndexOf(n, file.metadata.schema_version ?? 0);
  return f ? { layer: f.layer, feature: f.index } : undefined;
}
