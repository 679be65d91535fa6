// Attribution graph JSON in the circuit-tracer / Neuronpedia schema (Neuronpedia's
// apps/webapp/app/api/graph/graph-schema.json), plus our extras under the one namespaced key `selfTracing` that
// other tools ignore. Shared by the engine's writer, the extension host, the CLI and the webview. The node
// vocabulary (kinds, keys, ids) is ./nodes.ts; the two files' forms (circuit-tracer, Neuronpedia) ./graphForms.ts.
import { capGraph, graphRangeProblem } from './graphLimits';
import { featureIdOf, featureKeyOf, cantor, uncantor, type FeatureType } from './nodes';

export { featureIdOf, featureKeyOf, cantor, uncantor, type FeatureType };

export const SCHEMA_VERSION = 1;
/** The one key our extras live under. */
export const EXTRAS_KEY = 'selfTracing';

export interface GraphMetadata {
  slug: string;
  /** Transcoder set (circuit-tracer) or model id (Neuronpedia). */
  scan: string;
  /** Decoded prompt tokens, BOS included, not whitespace-escaped. */
  prompt_tokens: string[];
  prompt: string;
  node_threshold?: number;
  /** 1: `node.feature` is Cantor-paired (layer, index). */
  schema_version?: number;
  transcoder_list?: string[];
  /** Neuronpedia: where feature details come from (`feature_json_base_url`, `neuronpedia_source_set`). */
  feature_details?: { feature_json_base_url?: string; neuronpedia_source_set?: string; [key: string]: unknown };
  /** Neuronpedia: who and what made the graph. */
  info?: {
    description?: string;
    creator_name?: string;
    creator_url?: string;
    source_urls?: string[];
    generator?: { name?: string; version?: string; url?: string; email?: string };
    create_time_ms?: number;
    [key: string]: unknown;
  };
  generation_settings?: { max_n_logits?: number; desired_logit_prob?: number; batch_size?: number; max_feature_nodes?: number; [key: string]: unknown };
  pruning_settings?: { node_threshold?: number; edge_threshold?: number };
}

/** Saved view state. Files from circuit-tracer's local server store some of these as strings; both read. */
export interface GraphQParams {
  pinnedIds?: string[] | string;
  /** Each entry is `[label, node_id, node_id, …]`. */
  supernodes?: string[][] | string;
  linkType?: string;
  clickedId?: string;
  sg_pos?: string;
  pruningThreshold?: number | string;
  /**
   * User labels. Neuronpedia: an array `[[featureId, label], …]`, featureId = `${layer}_${feature}_${ctx_idx}`.
   * circuit-tracer: a JSON string of `[[String(feature), label], …]` (its frontend `JSON.parse`s it).
   */
  clerps?: [string, string][] | string;
  /** Ours: the edge threshold (fraction of the target's input below which a link is hidden). */
  edgeThreshold?: number | string;
  [key: string]: unknown;
}

export interface GraphNode {
  node_id: string;
  feature: number | null;
  layer: string | number;
  ctx_idx: number;
  feature_type: FeatureType | string;
  jsNodeId: string;
  clerp: string;
  /** Cumulative influence score in (0, 1]: small = important (circuit-tracer's `cumulative_scores`). */
  influence?: number | null;
  activation?: number | null;
  token_prob?: number;
  is_target_logit?: boolean;
  run_idx?: number;
  reverse_ctx_idx?: number;
}

export interface GraphLink {
  source: string;
  target: string;
  /** Raw signed direct effect adj[target, source]. */
  weight: number;
}

/** Top activating example of a feature: tokens with their activations, centred on `train_token_ind`. */
export interface FeatureExample {
  tokens: string[];
  tokens_acts_list: number[];
  train_token_ind?: number;
  /** The activation quantile the example comes from (full details only), e.g. "Top activations". */
  quantile?: string;
}

/** What the feature index knows about one transcoder feature, keyed by `${layer}_${index}`. */
export interface FeatureDetail {
  label?: string;
  top_logits?: string[];
  bottom_logits?: string[];
  activation_frequency?: number;
  /** The largest activation seen over the index's corpus (full details only). */
  act_max?: number;
  examples?: FeatureExample[];
}

/** Our extras. Every field but `version` is optional so graphs from other tools (which lack the key) still open. */
export interface SelfTracingExtras {
  version: 1;
  /** The thresholds the file was pruned with (1, 1: every computed edge). */
  pruning?: { node_threshold: number; edge_threshold: number };
  generation?: { max_feature_nodes: number; n_active_features: number; max_n_logits?: number; desired_logit_prob?: number };
  /** The model folder's name. */
  model?: string;
  /** The transcoder set as circuit-tracer names it (`scan`): a Hugging Face repo id, or the folder's name. */
  transcoders?: string;
  timingsMs?: Record<string, number>;
  /** The output the per-token scores explain; `contrast` is set for "A versus B" traces. */
  target?: { token: string; tokenId?: number; prob?: number; nodeId?: string; contrast?: { token: string; tokenId?: number } };
  /** Top next-token candidates for Choose Target. */
  topOutputs?: { token: string; tokenId: number; prob: number }[];
  /** Token ids per prompt position. */
  tokenIds?: number[];
  /** `[start, end)` per prompt position, in UTF-16 code units of the traced text (BOS gets an empty range). */
  tokenOffsets?: [number, number][];
  /** Per prompt position: attribution of that token to `target` (total: through all paths, direct: embedding → logit). */
  tokenScores?: { total: number[]; direct?: number[] };
  /** Graph scores of the unpruned graph. */
  scores?: { replacement: number; completeness: number };
  /** Feature details keyed by `${layer}_${index}`. */
  features?: Record<string, FeatureDetail>;
  /** Source of the traced text, so a graph file can be tied back to its editor. */
  source?: { uri?: string; documentVersion?: number; text?: string };
  /** Interventions run on this graph's prompt, oldest first (the panel's results view). */
  interventions?: InterventionRecord[];
}

/** What an intervention does to each feature's activation (the engine's InterventionOp): 0× ablates. */
export type InterventionOpJson = { kind: 'set'; value: number } | { kind: 'scale'; factor: number } | { kind: 'steer'; strength: number };
/** circuit-tracer's three modes: the real model plus the change, attention patterns frozen, only direct effects. */
export type InterventionModeJson = 'free' | 'frozen' | 'constrained';
/** 'node': each node at its own position; 'all': every position; 'generated': generated tokens only. */
export type InterventionWhere = 'node' | 'all' | 'generated';

export interface InterventionToken {
  id: number;
  token: string;
  prob: number;
}

/** One intervention's outcome as the results view shows it and the graph file keeps it. */
export interface InterventionRecord {
  id: string;
  /** ISO time it ran. */
  at: string;
  /** "Ablate Texas", "Steer 3 features × 4" … */
  title: string;
  /** The graph nodes changed. */
  nodeIds: string[];
  op: InterventionOpJson;
  where: InterventionWhere;
  mode: InterventionModeJson;
  /** Greedy continuation length asked for (0: none). */
  generate: number;
  clean: { top: InterventionToken[]; continuation?: string };
  intervened: { top: InterventionToken[]; continuation?: string };
  /** The graph's output logits: probability before and after (changes at the last prompt position). */
  targets: { id: number; token: string; cleanProb: number; prob: number; logitDelta: number }[];
  /** Downstream features whose activation changed most, largest first; `nodeId` = `${layer}_${feature}_${pos}`. */
  changes: { nodeId: string; clean: number; intervened: number; delta: number }[];
}

export interface GraphJson {
  metadata: GraphMetadata;
  qParams: GraphQParams;
  nodes: GraphNode[];
  links: GraphLink[];
  qk_only_nodes?: unknown;
  selfTracing?: SelfTracingExtras;
}

export type GraphParse = { ok: true; graph: GraphJson; warnings: string[] } | { ok: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** Keys that would reach an object's prototype if a reader ever copied them with `obj[key] = …`. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const verb = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** Drops `__proto__`-like own keys (JSON.parse makes them plain data; later copies might not); returns how many. */
function dropUnsafeKeys(o: Record<string, unknown>): number {
  let n = 0;
  for (const k of UNSAFE_KEYS) if (Object.prototype.hasOwnProperty.call(o, k)) { delete o[k]; n++; }
  return n;
}

/**
 * Checks what the panel relies on: Neuronpedia's required fields, node ids, links between known nodes. What a
 * viewer can live with becomes a warning with a count, not a failure: duplicate ids (the first copy is shown),
 * links to missing nodes or with a non-finite weight (skipped), `__proto__` keys (dropped), markup in labels
 * (shown as text). Out-of-range layers or positions refuse the file; a graph larger than the panel draws is cut to
 * its most influential part with a warning, unless `cap: false` (readers that write the graph back). The input is
 * modified in place (missing `clerp`/`jsNodeId` filled); the caller owns it.
 */
export function parseGraphJson(data: unknown, options: { cap?: boolean } = {}): GraphParse {
  if (!isRecord(data)) return { ok: false, reason: 'the file is not a JSON object' };
  let unsafe = dropUnsafeKeys(data);
  const { metadata, nodes, links } = data;
  if (!isRecord(metadata)) return { ok: false, reason: 'missing "metadata" object' };
  unsafe += dropUnsafeKeys(metadata);
  for (const key of ['slug', 'scan', 'prompt'] as const) {
    if (!isString(metadata[key])) return { ok: false, reason: `metadata.${key} must be a string` };
  }
  if (!Array.isArray(metadata.prompt_tokens) || !metadata.prompt_tokens.every(isString)) {
    return { ok: false, reason: 'metadata.prompt_tokens must be an array of strings' };
  }
  if (!Array.isArray(nodes)) return { ok: false, reason: 'missing "nodes" array' };
  if (!Array.isArray(links)) return { ok: false, reason: 'missing "links" array' };
  const warnings: string[] = [];
  const ids = new Set<string>();
  const kept: GraphNode[] = [];
  let duplicates = 0;
  let firstDuplicate = '';
  let markup = 0;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as unknown;
    if (!isRecord(n)) return { ok: false, reason: `nodes[${i}] is not an object` };
    if (!isString(n.node_id)) return { ok: false, reason: `nodes[${i}].node_id must be a string` };
    if (!isString(n.feature_type)) return { ok: false, reason: `node ${n.node_id}: feature_type must be a string` };
    if (!Number.isInteger(n.ctx_idx)) return { ok: false, reason: `node ${n.node_id}: ctx_idx must be an integer` };
    if (!(isString(n.layer) || Number.isInteger(n.layer))) return { ok: false, reason: `node ${n.node_id}: layer must be a string or integer` };
    unsafe += dropUnsafeKeys(n);
    if (ids.has(n.node_id)) {
      if (duplicates++ === 0) firstDuplicate = n.node_id;
      continue;
    }
    ids.add(n.node_id);
    if (!isString(n.clerp)) n.clerp = '';
    else if (/<[a-z!/?]/i.test(n.clerp)) markup++;
    if (!isString(n.jsNodeId)) n.jsNodeId = n.node_id;
    if (n.feature !== null && !Number.isInteger(n.feature)) n.feature = null;
    kept.push(n as unknown as GraphNode);
  }
  if (duplicates > 0) warnings.push(`${plural(duplicates, 'node')} ${verb(duplicates, 'repeats', 'repeat')} an id already used (first: ${firstDuplicate}); only the first of each is shown`);
  let dangling = 0;
  let badWeight = 0;
  const keptLinks: GraphLink[] = [];
  for (let i = 0; i < links.length; i++) {
    const l = links[i] as unknown;
    if (!isRecord(l) || !isString(l.source) || !isString(l.target)) return { ok: false, reason: `links[${i}] needs string source and target` };
    if (!isFiniteNumber(l.weight)) badWeight++;
    else if (ids.has(l.source) && ids.has(l.target)) keptLinks.push(l as unknown as GraphLink);
    else dangling++;
  }
  if (dangling > 0) warnings.push(`${plural(dangling, 'link')} ${verb(dangling, 'names', 'name')} nodes that are not in the file; ${verb(dangling, 'it was', 'they were')} skipped`);
  if (badWeight > 0) warnings.push(`${plural(badWeight, 'link')} ${verb(badWeight, 'has', 'have')} no finite weight (NaN, Infinity or missing); ${verb(badWeight, 'it was', 'they were')} skipped`);
  if (markup > 0) warnings.push(`${plural(markup, 'label')} ${verb(markup, 'contains', 'contain')} HTML-like markup; it is shown as text, never run`);
  const qParams = isRecord(data.qParams) ? data.qParams : {};
  if (!isRecord(data.qParams)) warnings.push('no qParams; starting with an empty view state');
  else unsafe += dropUnsafeKeys(qParams);
  if (unsafe > 0) warnings.push(`${plural(unsafe, 'key')} named __proto__, constructor or prototype ${verb(unsafe, 'was', 'were')} dropped`);
  // ranges the panel cannot draw refuse the file; sizes above what it draws are cut (unless the caller writes it back)
  const range = graphRangeProblem(metadata.prompt_tokens, kept);
  if (range) return { ok: false, reason: range };
  const capped = options.cap === false ? { nodes: kept, links: keptLinks, warnings: [] } : capGraph(kept, keptLinks);
  warnings.push(...capped.warnings);
  const graph = { ...data, metadata, qParams, nodes: capped.nodes, links: capped.links } as unknown as GraphJson;
  if (data.selfTracing !== undefined && !isRecord(data.selfTracing)) {
    warnings.push('selfTracing is not an object; ignored');
    delete graph.selfTracing;
  } else if (graph.selfTracing?.interventions !== undefined) {
    const list = graph.selfTracing.interventions as unknown;
    const valid = Array.isArray(list) ? list.filter(isInterventionRecord) : [];
    const dropped = Array.isArray(list) ? list.length - valid.length : 1;
    if (dropped > 0) warnings.push(`${dropped} intervention result(s) in selfTracing.interventions are malformed; they were skipped`);
    graph.selfTracing = { ...graph.selfTracing, interventions: valid };
  }
  return { ok: true, graph, warnings };
}

const isToken = (v: unknown) => isRecord(v) && Number.isInteger(v.id) && isString(v.token) && isFiniteNumber(v.prob);
const isRun = (v: unknown) => isRecord(v) && Array.isArray(v.top) && v.top.every(isToken) && (v.continuation === undefined || isString(v.continuation));

/** The numbers the results view draws are there and finite (a hand-edited file may lack some). */
export function isInterventionRecord(v: unknown): v is InterventionRecord {
  if (!isRecord(v) || !isString(v.id) || !isString(v.at) || !isString(v.title) || !Array.isArray(v.nodeIds) || !v.nodeIds.every(isString)) return false;
  if (!isInterventionOp(v.op) || !['node', 'all', 'generated'].includes(v.where as string) || !['free', 'frozen', 'constrained'].includes(v.mode as string)) return false;
  if (!Number.isInteger(v.generate) || !isRun(v.clean) || !isRun(v.intervened)) return false;
  const target = (t: unknown) => isRecord(t) && Number.isInteger(t.id) && isString(t.token) && isFiniteNumber(t.cleanProb) && isFiniteNumber(t.prob) && isFiniteNumber(t.logitDelta);
  const change = (c: unknown) => isRecord(c) && isString(c.nodeId) && isFiniteNumber(c.clean) && isFiniteNumber(c.intervened) && isFiniteNumber(c.delta);
  return Array.isArray(v.targets) && v.targets.every(target) && Array.isArray(v.changes) && v.changes.every(change);
}

export function isInterventionOp(v: unknown): v is InterventionOpJson {
  if (!isRecord(v)) return false;
  switch (v.kind) {
    case 'set': return isFiniteNumber(v.value);
    case 'scale': return isFiniteNumber(v.factor);
    case 'steer': return isFiniteNumber(v.strength);
    default: return false;
  }
}
