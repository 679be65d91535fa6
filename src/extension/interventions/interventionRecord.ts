// An intervention's engine result as the graph file keeps it (selfTracing.interventions) and the panel shows it,
// the sentence a notification gives, and which feature "Ablate the top feature here" picks. Pure; no `vscode`.
import type { InterveneResult } from '../../engine/worker/messages';
import type { GraphJson, GraphNode, InterventionRecord } from '../../protocol/graph-json';
import { featureIdOf, nodeKindOf } from '../../protocol/nodes';
import type { FromWebview } from '../../protocol/messages';
import { ablatableFeatureAt } from '../trace/hoverContent';

/** What to change and how; without a mode the engine's default applies (the record keeps the mode that ran). */
export type InterventionRequest = Omit<FromWebview.Intervene, 'type' | 'traceId' | 'requestId' | 'mode'> & { readonly mode?: FromWebview.Intervene['mode'] };

/** Token ids of the graph's output logits (circuit-tracer's logit nodes carry the vocabulary index as `feature`). */
export function graphTargets(graph: GraphJson): number[] {
  const ids = graph.nodes.filter((n) => nodeKindOf(n.feature_type) === 'logit' && typeof n.feature === 'number' && n.feature >= 0).map((n) => n.feature as number);
  return [...new Set(ids)];
}

export function interventionRecord(id: string, request: InterventionRequest, result: InterveneResult, at = new Date()): InterventionRecord {
  const top = (list: InterveneResult['clean']['top']) => list.map(({ id, token, prob }) => ({ id, token, prob }));
  const text = (c: InterveneResult['clean']['continuation']) => (c ? { continuation: c.text } : {});
  return {
    id,
    at: at.toISOString(),
    title: request.title,
    nodeIds: [...request.nodeIds],
    op: request.op,
    where: request.where,
    mode: result.mode,
    generate: request.generate,
    clean: { top: top(result.clean.top), ...text(result.clean.continuation) },
    intervened: { top: top(result.intervened.top), ...text(result.intervened.continuation) },
    targets: result.targets.map(({ id, token, cleanProb, prob, logitDelta }) => ({ id, token, cleanProb, prob, logitDelta })),
    changes: result.changes.map((c) => ({ nodeId: `${c.layer}_${c.feature}_${c.pos}`, clean: c.clean, intervened: c.intervened, delta: c.delta })),
  };
}

const percent = (p: number) => `${(p * 100).toFixed(1)}%`;

/** 'P(" Austin") 62.0% → 8.1% (−53.9 points)' for the graph's target (else its first output), or the new top token. */
export function targetChangeSentence(record: InterventionRecord, targetTokenId?: number): string {
  const t = record.targets.find((x) => x.id === targetTokenId) ?? record.targets[0];
  if (!t) {
    const [before, after] = [record.clean.top[0], record.intervened.top[0]];
    return before && after ? `top token ${JSON.stringify(before.token)} → ${JSON.stringify(after.token)}` : 'no output to compare';
  }
  const points = (t.prob - t.cleanProb) * 100;
  const sign = points >= 0 ? '+' : '−';
  return `P(${JSON.stringify(t.token)}) ${percent(t.cleanProb)} → ${percent(t.prob)} (${sign}${Math.abs(points).toFixed(1)} points)`;
}

/** The same change in words: how much the output depends on what was changed. */
export function effectInWords(record: InterventionRecord, targetTokenId?: number): string {
  const t = record.targets.find((x) => x.id === targetTokenId) ?? record.targets[0];
  if (!t) return '';
  const points = Math.abs(t.prob - t.cleanProb) * 100;
  const token = JSON.stringify(t.token);
  const topChanged = record.clean.top[0] && record.intervened.top[0] && record.clean.top[0].id !== record.intervened.top[0].id;
  const top = topChanged ? ` The top output is now ${JSON.stringify(record.intervened.top[0].token)}.` : '';
  if (points < 1) return `Almost no effect: the model does not need this alone to say ${token} here (other features carry it).${top}`;
  const direction = t.prob < t.cleanProb ? 'less' : 'more';
  if (points < 5) return `A small effect: ${token} becomes slightly ${direction} likely.${top}`;
  if (points < 25) return `A clear effect: ${token} becomes ${direction} likely, so this contributes to the answer.${top}`;
  return `A large effect: ${token} becomes much ${direction} likely; the answer depends on this.${top}`;
}

/** The feature the hover lists first at a prompt position (most influential) among those that can be ablated. */
export function topFeatureAt(graph: GraphJson, ctx: number, clerps: ReadonlyMap<string, string> = new Map()): GraphNode | undefined {
  return ablatableFeatureAt(graph, ctx, clerps)?.node;
}

/** A node's name for titles: the user's label, the file's label, else its id. */
export function nodeName(node: GraphNode, clerps: ReadonlyMap<string, string> = new Map()): string {
  return clerps.get(featureIdOf(node)) || node.clerp || `feature ${node.node_id}`;
}
