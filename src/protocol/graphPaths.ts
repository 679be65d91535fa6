// The strongest paths of an attribution graph, read from its JSON: from the target logit back through features to
// the input tokens, each path weighted as circuit-tracer weighs influence. With every node's incoming |edge|
// weights normalised to sum to 1 (circuit-tracer's `normalize_matrix` on the pruned graph's links), a path
// π = (token → n₁ → … → target) has weight w(π) = Π Â[nᵢ₊₁, nᵢ]; the weights of all paths from the target to its
// sources (tokens and error nodes) sum to 1, so w(π) reads as "the share of the target's attribution that flows
// along π". The sign is the product of the edges' signs (negative: the path pushes the target down).
// The k heaviest paths come from a k-best dynamic programme over the DAG (no enumeration). Pure; imports only types.
import type { GraphJson, GraphNode } from './graph-json';
import { featureIdOf, featureKeyOf, nodeKindOf } from './nodes';
import { spellTokens } from './tokenText';

export type StepKind = 'token' | 'feature' | 'error' | 'logit' | 'other';

export interface PathStep {
  readonly nodeId: string;
  readonly kind: StepKind;
  readonly ctx: number;
  /** `Dallas`, `L3/782`, `error L2`, `Austin`. */
  readonly name: string;
  /** The user's or the file's label of a feature (`" in" → Texas (next)`), when it says more than the name. */
  readonly label?: string;
}

export interface GraphPath {
  /** From the input token to the target logit. */
  readonly steps: readonly PathStep[];
  /** Product of the row-normalised |edge| weights: the share of the target's attribution along this path. */
  readonly weight: number;
  /** +1 when the path raises the target, −1 when it lowers it. */
  readonly sign: 1 | -1;
}

export interface PathOptions {
  /** How many paths (the heaviest first). */
  readonly count?: number;
  /** User labels by circuit-tracer featureId (`layer_feature_ctx`), as qParams.clerps keeps them. */
  readonly clerps?: ReadonlyMap<string, string>;
  /** Also paths that end at the beginning-of-sequence token (off: they carry no meaning of the prompt). */
  readonly includeBos?: boolean;
  /** Only paths that pass through at least one feature (default); `directEffects` has the token → output edges. */
  readonly throughFeatures?: boolean;
  /** Only paths of this sign: +1 those that raise the target, −1 those that lower it (default: both, by weight). */
  readonly sign?: 1 | -1;
}

/** The graph's target logit: the one named in selfTracing, else the marked one, else the most probable logit. */
export function targetNodeOf(graph: GraphJson): GraphNode | undefined {
  const named = graph.selfTracing?.target?.nodeId;
  const logits = graph.nodes.filter((n) => nodeKindOf(n.feature_type) === 'logit');
  return logits.find((n) => n.node_id === named)
    ?? logits.find((n) => n.is_target_logit)
    ?? logits.reduce<GraphNode | undefined>((best, n) => (!best || (n.token_prob ?? 0) > (best.token_prob ?? 0) ? n : best), undefined);
}

const visible = (token: string): string => (token.trim() === '' ? JSON.stringify(token) : token.trim());

/** What each prompt token spells (a character split over tokens shows as `⟨ñ 1/2⟩`, not as "�"). */
const spelled = (graph: GraphJson): string[] =>
  spellTokens(graph.metadata.prompt_tokens, graph.selfTracing?.tokenOffsets, graph.selfTracing?.source?.text).map((t) => t.text);

/** A node as a path step: its kind, short name and label. */
export function pathStep(graph: GraphJson, node: GraphNode, clerps: ReadonlyMap<string, string> = new Map(), tokens = spelled(graph)): PathStep {
  const token = tokens[node.ctx_idx] ?? '';
  const base = { nodeId: node.node_id, ctx: node.ctx_idx };
  switch (nodeKindOf(node.feature_type)) {
    case 'embedding': return { ...base, kind: 'token', name: visible(token) };
    case 'logit': {
      const out = /^Output "(.*)"/.exec(node.clerp ?? '')?.[1];
      const named = node.node_id === graph.selfTracing?.target?.nodeId ? graph.selfTracing?.target?.token : undefined;
      return { ...base, kind: 'logit', name: visible(named ?? out ?? node.clerp ?? node.node_id) };
    }
    case 'error':
      return { ...base, kind: 'error', name: `error L${node.layer}` };
    default: {
      const key = featureKeyOf(node, graph.metadata.schema_version ?? 0);
      if (!key) return { ...base, kind: 'other', name: node.clerp || node.node_id };
      const name = `L${key.replace('_', '/')}`;
      const label = clerps.get(featureIdOf(node)) || node.clerp || '';
      return label && label !== name ? { ...base, kind: 'feature', name, label } : { ...base, kind: 'feature', name };
    }
  }
}

/** A path from a node down to a token, as a linked list (candidates share their tails). */
interface Partial {
  readonly weight: number;
  readonly sign: 1 | -1;
  readonly node: string;
  readonly rest?: Partial;
}

const nodesOf = (p: Partial): string[] => {
  const out: string[] = [];
  for (let at: Partial | undefined = p; at; at = at.rest) out.push(at.node);
  return out;
};

/**
 * The `count` heaviest paths from the input tokens into the target, heaviest first, by default only those through
 * at least one feature. Empty when the graph has no target.
 */
export function topPaths(graph: GraphJson, options: PathOptions = {}): GraphPath[] {
  const count = Math.max(0, options.count ?? 3);
  const target = targetNodeOf(graph);
  if (!target || count === 0) return [];
  const byId = new Map(graph.nodes.map((n) => [n.node_id, n]));
  const incoming = new Map<string, { source: string; weight: number }[]>();
  for (const l of graph.links) {
    if (!byId.has(l.source) || !byId.has(l.target) || !Number.isFinite(l.weight) || l.weight === 0) continue;
    const list = incoming.get(l.target) ?? [];
    list.push({ source: l.source, weight: l.weight });
    incoming.set(l.target, list);
  }
  const offsets = graph.selfTracing?.tokenOffsets;
  const isBos = (n: GraphNode) => (offsets ? !(offsets[n.ctx_idx]?.[1] > offsets[n.ctx_idx]?.[0]) : n.ctx_idx === 0 && /^<\|.*\|>$/.test(graph.metadata.prompt_tokens[0] ?? ''));
  const schema = graph.metadata.schema_version ?? 0;
  const memo = new Map<string, Partial[]>();
  /**
   * The heaviest paths from a node down to a token; `through`: only those that meet a feature on the way; `sign`: only
   * those whose edges' signs multiply to it (0: either sign). A k-best list per sign, so that the heaviest raising
   * paths are found even where lowering ones outweigh them.
   */
  const best = (id: string, through: boolean, sign: -1 | 0 | 1): Partial[] => {
    const key = `${through ? 'f' : 'a'}${sign}${id}`;
    const known = memo.get(key);
    if (known) return known;
    memo.set(key, []); // a cycle (malformed file) contributes nothing
    const node = byId.get(id) as GraphNode;
    let out: Partial[] = [];
    if (nodeKindOf(node.feature_type) === 'embedding') {
      out = !through && sign !== -1 && (options.includeBos || !isBos(node)) ? [{ weight: 1, sign: 1, node: id }] : [];
    } else {
      const below = through && featureKeyOf(node, schema) === null; // a feature here satisfies `through`
      const edges = incoming.get(id) ?? [];
      const total = edges.reduce((s, e) => s + Math.abs(e.weight), 0);
      const candidates: Partial[] = [];
      for (const e of edges) {
        const share = Math.abs(e.weight) / total;
        for (const p of best(e.source, below, (e.weight < 0 ? -sign : sign) as -1 | 0 | 1)) {
          candidates.push({ weight: share * p.weight, sign: (e.weight < 0 ? -p.sign : p.sign) as 1 | -1, node: id, rest: p });
        }
      }
      out = candidates.sort((a, b) => b.weight - a.weight).slice(0, count);
    }
    memo.set(key, out);
    return out;
  };
  const clerps = options.clerps ?? new Map();
  const tokens = spelled(graph);
  return best(target.node_id, options.throughFeatures ?? true, options.sign ?? 0).filter((p) => p.weight > 0).map((p) => ({
    weight: p.weight,
    sign: p.sign,
    steps: nodesOf(p).reverse().map((id) => pathStep(graph, byId.get(id) as GraphNode, clerps, tokens)),
  }));
}

/** `31%`, `4.2%`, `0.31%`: two significant figures at most. */
export function shareText(weight: number): string {
  const pct = weight * 100;
  return `${pct >= 10 ? pct.toFixed(0) : pct >= 1 ? pct.toFixed(1) : pct.toPrecision(2)}%`;
}

/** A step as plain text: `Dallas`, `L3/782 ‹" in" → Texas (next)›`. */
export const stepText = (s: PathStep): string => (s.label ? `${s.name} ‹${s.label}›` : s.name);

/** `Dallas → L3/782 ‹" in" → Texas (next)› → Austin · 31%` (a minus sign marks a path that lowers the target). */
export function chainText(path: GraphPath): string {
  return `${path.steps.map(stepText).join(' → ')} · ${path.sign < 0 ? '−' : ''}${shareText(path.weight)}`;
}

/** The direct token → output edges of the target, as paths of two steps, heaviest first (BOS left out). */
export function directEffects(graph: GraphJson, options: Pick<PathOptions, 'count' | 'includeBos'> = {}): GraphPath[] {
  const target = targetNodeOf(graph);
  if (!target) return [];
  const tokens = topPaths(graph, { ...options, count: graph.nodes.length, throughFeatures: false });
  return tokens.filter((p) => p.steps.length === 2).slice(0, options.count ?? 3);
}
