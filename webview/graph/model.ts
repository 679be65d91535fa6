// Turns graph JSON into the panel's model: typed nodes with rows and labels, links with their share of the
// target's input (`pctInput`, as circuit-tracer's frontend computes it), and incidence lists. Pure; no DOM.
import type { FeatureDetail, GraphJson, GraphNode, SelfTracingExtras } from '../../src/protocol/graph-json';
import { featureIdOf, featureKeyOf, isFeatureKind, nodeKindOf, type NodeKind } from '../../src/protocol/nodes';
import { spellTokens } from '../../src/protocol/tokenText';
import { displayToken } from './format';

export type { NodeKind };

export interface ModelNode {
  readonly index: number;
  readonly id: string;
  readonly kind: NodeKind;
  /** -1 for embeddings, 0…L-1 for layers, L for logits. */
  readonly row: number;
  readonly ctx: number;
  /** circuit-tracer's featureId (`layer_feature_ctx`): the key for labels. */
  readonly featureId: string;
  /** `${layer}_${index}` of a transcoder feature, the key into the feature details. */
  readonly featureKey: string | null;
  readonly token: string;
  readonly activation: number | null;
  /** Cumulative influence in (0, 1]; small = important. Nodes without one count as 1. */
  readonly influence: number;
  readonly prob: number | null;
  readonly isTarget: boolean;
  /** The label the file carries (clerp, or one derived for embeddings, errors and unlabelled features). */
  readonly fileLabel: string;
  readonly inputAbsSum: number;
  readonly raw: GraphNode;
}

export interface ModelLink {
  readonly index: number;
  readonly source: number;
  readonly target: number;
  readonly weight: number;
  /** weight / Σ|weights into the target|: drives colour and width. */
  readonly pctInput: number;
}

export interface GraphModel {
  readonly nodes: readonly ModelNode[];
  readonly links: readonly ModelLink[];
  readonly byId: ReadonlyMap<string, number>;
  readonly incoming: readonly number[][];
  readonly outgoing: readonly number[][];
  readonly tokens: readonly string[];
  /** Number of transcoder layers; logits sit in row `nLayers`. */
  readonly nLayers: number;
  /** Features active at more than 2/3 of the prompt's positions (circuit-tracer drops them as "very common"). */
  readonly veryCommon: ReadonlySet<number>;
  readonly extras: SelfTracingExtras | undefined;
  readonly graph: GraphJson;
}

const logitToken = (clerp: string): string | null => /^Output "([\s\S]*)" \(p=/.exec(clerp)?.[1] ?? null;

function derivedLabel(kind: NodeKind, n: GraphNode, token: string, featureKey: string | null, details?: FeatureDetail): string {
  if (n.clerp) return n.clerp;
  switch (kind) {
    case 'embedding': return `Emb: "${displayToken(token)}"`;
    case 'error': return `Err: mlp "${displayToken(token)}"`;
    case 'logit': return `Output #${n.feature}`;
    default: return details?.label || (featureKey ? `F#${featureKey.replace('_', '/')}` : n.node_id);
  }
}

export function buildModel(graph: GraphJson): GraphModel {
  const schema = graph.metadata.schema_version ?? 0;
  const extras = graph.selfTracing;
  // characters split over byte-level tokens show as what they spell (`⟨ñ 1/2⟩`), not as "�"
  const tokens = spellTokens(graph.metadata.prompt_tokens, extras?.tokenOffsets, extras?.source?.text).map((t) => t.text);
  // a loop, not Math.max(...): a spread of 10^6 layers overflows the stack
  let maxLayer = -1;
  for (const n of graph.nodes) {
    const kind = nodeKindOf(n.feature_type);
    const layer = Number(n.layer);
    if (kind !== 'logit' && kind !== 'embedding' && Number.isFinite(layer) && layer > maxLayer) maxLayer = layer;
  }
  const nLayers = maxLayer + 1 || 1;
  const byId = new Map<string, number>();
  graph.nodes.forEach((n, i) => byId.set(n.node_id, i));

  const absIn = new Float64Array(graph.nodes.length);
  for (const l of graph.links) absIn[byId.get(l.target)!] += Math.abs(l.weight);

  const nodes: ModelNode[] = graph.nodes.map((n, index) => {
    const kind = nodeKindOf(n.feature_type);
    const row = kind === 'embedding' ? -1 : kind === 'logit' ? nLayers : Number(n.layer) || 0;
    const featureKey = isFeatureKind(kind) ? featureKeyOf(n, schema) : null;
    const token = kind === 'logit' ? logitToken(n.clerp) ?? tokens[n.ctx_idx] ?? '' : tokens[n.ctx_idx] ?? '';
    return {
      index, id: n.node_id, kind, row, ctx: n.ctx_idx, featureId: featureIdOf(n), featureKey, token,
      activation: typeof n.activation === 'number' ? n.activation : null,
      influence: typeof n.influence === 'number' ? n.influence : 1,
      prob: kind === 'logit' ? n.token_prob ?? null : null,
      isTarget: n.is_target_logit === true,
      fileLabel: derivedLabel(kind, n, token, featureKey, featureKey ? extras?.features?.[featureKey] : undefined),
      inputAbsSum: absIn[index], raw: n,
    };
  });

  const incoming: number[][] = nodes.map(() => []);
  const outgoing: number[][] = nodes.map(() => []);
  const links: ModelLink[] = graph.links.map((l, index) => {
    const source = byId.get(l.source)!;
    const target = byId.get(l.target)!;
    incoming[target].push(index);
    outgoing[source].push(index);
    return { index, source, target, weight: l.weight, pctInput: l.weight / Math.max(absIn[target], 1e-10) };
  });
  for (const list of [...incoming, ...outgoing]) list.sort((a, b) => Math.abs(links[b].pctInput) - Math.abs(links[a].pctInput));

  return { nodes, links, byId, incoming, outgoing, tokens, nLayers, veryCommon: veryCommonFeatures(nodes, tokens.length), extras, graph };
}

function veryCommonFeatures(nodes: readonly ModelNode[], nTokens: number): Set<number> {
  const positions = new Map<string, Set<number>>();
  for (const n of nodes) {
    if (n.kind !== 'feature' || !n.featureKey) continue;
    let set = positions.get(n.featureKey);
    if (!set) positions.set(n.featureKey, (set = new Set()));
    set.add(n.ctx);
  }
  const out = new Set<number>();
  for (const n of nodes) {
    if (n.featureKey && (positions.get(n.featureKey)?.size ?? 0) > (nTokens * 2) / 3) out.add(n.index);
  }
  return out;
}

/** Feature details for a node, if the graph carries them. */
export const detailsOf = (model: GraphModel, n: ModelNode): FeatureDetail | undefined =>
  n.featureKey ? model.extras?.features?.[n.featureKey] : undefined;

/** The logit node the per-token scores and the status refer to. */
export function targetNode(model: GraphModel): ModelNode | undefined {
  const id = model.extras?.target?.nodeId;
  const byExtras = id !== undefined ? model.byId.get(id) : undefined;
  if (byExtras !== undefined) return model.nodes[byExtras];
  return model.nodes.find((n) => n.isTarget) ?? model.nodes.filter((n) => n.kind === 'logit').sort((a, b) => (b.prob ?? 0) - (a.prob ?? 0))[0];
}
