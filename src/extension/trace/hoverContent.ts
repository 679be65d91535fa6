// The markdown of a heat-mapped token's hover: token and id, total and direct attribution, the top features
// active at that position, and command links back into the graph. Pure; no `vscode` import.
import { featureIdOf, type GraphJson, type GraphNode } from '../../protocol/graph-json';

const MAX_FEATURES = 5;

export interface HoverLink {
  readonly title: string;
  readonly command: string;
  readonly args: readonly unknown[];
}

/** Markdown-safe text: escapes the characters markdown would interpret. */
export const escapeMarkdown = (s: string): string => s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);

const visibleToken = (t: string): string => JSON.stringify(t).slice(1, -1);

export function commandUri(link: HoverLink): string {
  return `command:${link.command}?${encodeURIComponent(JSON.stringify(link.args))}`;
}

/** Features at a position, most influential first (small cumulative influence = important). */
export function featuresAt(graph: GraphJson, ctx: number, clerps: ReadonlyMap<string, string> = new Map()): { node: GraphNode; label: string }[] {
  return graph.nodes
    .filter((n) => n.ctx_idx === ctx && n.feature_type !== 'embedding' && n.feature_type !== 'logit' && n.feature_type !== 'mlp reconstruction error')
    .sort((a, b) => (a.influence ?? 1) - (b.influence ?? 1))
    .slice(0, MAX_FEATURES)
    .map((node) => ({ node, label: clerps.get(featureIdOf(node)) || node.clerp || `feature ${node.node_id}` }));
}

export function hoverMarkdown(graph: GraphJson, traceId: string, ctx: number, stale: boolean, clerps: ReadonlyMap<string, string> = new Map()): string {
  const extras = graph.selfTracing;
  const token = graph.metadata.prompt_tokens[ctx] ?? '';
  const id = extras?.tokenIds?.[ctx];
  const total = extras?.tokenScores?.total?.[ctx];
  const direct = extras?.tokenScores?.direct?.[ctx];
  const target = extras?.target;
  const lines: string[] = [];
  if (stale) lines.push('$(warning) *The text changed since this trace; these numbers describe the old text.*', '');
  lines.push(`**\`${visibleToken(token)}\`**${id !== undefined ? ` · token ${id}` : ''} · position ${ctx}`, '');
  if (target) lines.push(`Attribution to ${escapeMarkdown(`"${target.token}"`)}${target.contrast ? ` versus ${escapeMarkdown(`"${target.contrast.token}"`)}` : ''}:`, '');
  if (total !== undefined) lines.push(`| total | direct |`, `|---:|---:|`, `| ${total.toFixed(3)} | ${direct !== undefined ? direct.toFixed(3) : '—'} |`, '');
  const features = featuresAt(graph, ctx, clerps);
  if (features.length) {
    lines.push('Top features here:', '');
    for (const { node, label } of features) {
      const show = commandUri({ title: 'Show', command: 'selfTracing.showInGraph', args: [{ traceId, nodeId: node.node_id }] });
      lines.push(`- [${escapeMarkdown(label)}](${show}) · L${node.layer}${typeof node.activation === 'number' ? ` · act ${node.activation.toFixed(2)}` : ''}`);
    }
    lines.push('');
  }
  const embedding = graph.nodes.find((n) => n.feature_type === 'embedding' && n.ctx_idx === ctx);
  const links: HoverLink[] = [
    { title: '$(type-hierarchy) Show in graph', command: 'selfTracing.showInGraph', args: [{ traceId, nodeId: features[0]?.node.node_id ?? embedding?.node_id ?? '', ctx }] },
    { title: '$(debug-restart) Trace from here', command: 'selfTracing.traceFromHere', args: [{ traceId, ctx }] },
  ];
  lines.push(links.map((l) => `[${l.title}](${commandUri(l)})`).join(' · '));
  return lines.join('\n');
}

/** Commands the hover's links may run (MarkdownString.isTrusted.enabledCommands). */
export const HOVER_COMMANDS = ['selfTracing.showInGraph', 'selfTracing.traceFromHere'];
