// The markdown of a heat-mapped token's hover: token and id, total and direct attribution, the top features
// active at that position with their labels, promoted/suppressed tokens, frequency and one activation-shaded
// example, and command links back into the graph. Pure; no `vscode` import.
import type { FeatureDetail, FeatureExample, GraphJson, GraphNode } from '../../protocol/graph-json';
import { featureIdOf, featureKeyOf, isFeatureKind, nodeKindOf } from '../../protocol/nodes';
import { spellTokens } from '../../protocol/tokenText';

const MAX_FEATURES = 5;

export interface HoverLink {
  readonly title: string;
  readonly command: string;
  readonly args: readonly unknown[];
}

/**
 * Markdown-safe text: escapes every character markdown, HTML or a theme icon would interpret, and folds line breaks
 * (a label from a graph file or a feature index is untrusted: it must never become a link, an HTML tag or a block).
 */
export const escapeMarkdown = (s: string): string => String(s).replace(/[\r\n]+/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>~$&:"'=]/g, (c) => `\\${c}`);

const visibleToken = (t: string): string => JSON.stringify(String(t)).slice(1, -1);

/**
 * A token as an inline code span that its own text cannot close: the fence is one backtick longer than the longest
 * run of backticks inside (CommonMark), padded with a space each side when the text would otherwise lose or merge an edge.
 * Nothing inside a code span is markdown or HTML, so a hostile token cannot inject a link or a tag.
 */
export function codeSpan(t: string): string {
  const v = visibleToken(t);
  if (v === '') return '\\"\\"';
  const longest = Math.max(0, ...(v.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // CommonMark strips one space from each end only when both ends have one (and the text is not all spaces)
  const pad = /^`|`$/.test(v) || (v.startsWith(' ') && v.endsWith(' ') && v.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${v}${pad}${fence}`;
}

/** a number from a graph file, or undefined when the file put something else there */
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A logit attribution with its sign, as the inlay hints write it: "+18.451", "-0.142". */
const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;

export function commandUri(link: HoverLink): string {
  return `command:${link.command}?${encodeURIComponent(JSON.stringify(link.args))}`;
}

/** Features at a position, most influential first (small cumulative influence = important). */
export function featuresAt(graph: GraphJson, ctx: number, clerps: ReadonlyMap<string, string> = new Map()): { node: GraphNode; label: string }[] {
  return graph.nodes
    .filter((n) => n.ctx_idx === ctx && isFeatureKind(nodeKindOf(n.feature_type)))
    .sort((a, b) => (a.influence ?? 1) - (b.influence ?? 1))
    .slice(0, MAX_FEATURES)
    .map((node) => ({ node, label: clerps.get(featureIdOf(node)) || node.clerp || `feature ${node.node_id}` }));
}

/** The feature "Ablate the top feature here" changes: the first one the hover lists that can be intervened on. */
export function ablatableFeatureAt(graph: GraphJson, ctx: number, clerps: ReadonlyMap<string, string> = new Map()): { node: GraphNode; label: string } | undefined {
  const schema = graph.metadata.schema_version ?? 0;
  return featuresAt(graph, ctx, clerps).find(({ node }) => finite(node.activation) !== undefined && featureKeyOf(node, schema) !== null);
}

export function hoverMarkdown(graph: GraphJson, traceId: string, ctx: number, stale: boolean, clerps: ReadonlyMap<string, string> = new Map()): string {
  const extras = graph.selfTracing;
  // a character split over byte-level tokens shows as what it spells (⟨ñ 1/2⟩), not as "�"
  const token = spellTokens(graph.metadata.prompt_tokens, extras?.tokenOffsets, extras?.source?.text)[ctx]?.text ?? '';
  const id = extras?.tokenIds?.[ctx];
  const total = extras?.tokenScores?.total?.[ctx];
  const direct = extras?.tokenScores?.direct?.[ctx];
  const target = extras?.target;
  const lines: string[] = [];
  if (stale) lines.push('$(warning) *The text changed since this trace; these numbers describe the old text.*', '');
  lines.push(`**${codeSpan(token)}**${finite(id) !== undefined ? ` · token ${id}` : ''} · position ${ctx}`, '');
  if (target) {
    const what = `${escapeMarkdown(`"${target.token}"`)}${target.contrast ? ` versus ${escapeMarkdown(`"${target.contrast.token}"`)}` : ''}`;
    lines.push(`Attribution to the logit of ${what}, in logits (+ pushes towards it, − away):`, '');
  }
  if (finite(total) !== undefined) {
    const all = (extras?.tokenScores?.total ?? []).map((v) => Math.abs(finite(v) ?? 0)).reduce((a, b) => a + b, 0);
    const share = all > 0 ? ` (${Math.round((100 * Math.abs(total!)) / all)}% of the prompt's)` : '';
    lines.push(`| through every path | directly (embedding → logit) |`, `|---:|---:|`, `| ${signed(total!)}${share} | ${finite(direct) !== undefined ? signed(direct!) : '—'} |`, '');
  }
  const features = featuresAt(graph, ctx, clerps);
  if (features.length) {
    lines.push('Top features here (most influential first; activation in the transcoder\'s units):', '');
    const schema = graph.metadata.schema_version ?? 0;
    let exampleShown = false;
    for (const { node, label } of features) {
      const show = commandUri({ title: 'Show', command: 'selfTracing.showInGraph', args: [{ traceId, nodeId: node.node_id }] });
      const key = featureKeyOf(node, schema);
      const detail = key ? extras?.features?.[key] : undefined;
      lines.push(`- [${escapeMarkdown(label)}](${show}) · L${escapeMarkdown(String(node.layer))}${finite(node.activation) !== undefined ? ` · activation ${node.activation!.toFixed(2)}` : ''}${detail ? featureFacts(detail) : ''}`);
      const example = detail?.examples?.[0];
      if (example && !exampleShown) {
        lines.push(`  ${shadedExample(example)}`);
        exampleShown = true; // one example keeps the hover short; the panel has the rest
      }
    }
    lines.push('');
  }
  const embedding = graph.nodes.find((n) => nodeKindOf(n.feature_type) === 'embedding' && n.ctx_idx === ctx);
  const links: HoverLink[] = [
    { title: '$(type-hierarchy) Show in graph', command: 'selfTracing.showInGraph', args: [{ traceId, nodeId: features[0]?.node.node_id ?? embedding?.node_id ?? '', ctx }] },
    { title: '$(debug-restart) Trace from here', command: 'selfTracing.traceFromHere', args: [{ traceId, ctx }] },
  ];
  const ablatable = ablatableFeatureAt(graph, ctx, clerps);
  if (ablatable) {
    const name = ablatable.label.length > 32 ? `${ablatable.label.slice(0, 31)}…` : ablatable.label;
    links.push({ title: `$(circle-slash) Ablate ${escapeMarkdown(`"${name}"`)}`, command: 'selfTracing.ablateTopFeature', args: [{ traceId, ctx }] });
  }
  lines.push(links.map((l) => `[${l.title}](${commandUri(l)})`).join(' · '));
  return lines.join('\n');
}

/** " · → ' Austin', ' Texas' · ⊣ ' Paris' · 0.21% of tokens": what a feature promotes, suppresses and how often it fires. */
function featureFacts(d: FeatureDetail): string {
  const tokens = (list: readonly string[] | undefined) => (Array.isArray(list) ? list : []).slice(0, 3).map((t) => codeSpan(t)).join(' ');
  const parts: string[] = [];
  if (Array.isArray(d.top_logits) && d.top_logits.length) parts.push(`promotes ${tokens(d.top_logits)}`);
  if (Array.isArray(d.bottom_logits) && d.bottom_logits.length) parts.push(`suppresses ${tokens(d.bottom_logits)}`);
  const freq = finite(d.activation_frequency);
  if (freq !== undefined) parts.push(`fires on ${(freq * 100).toPrecision(2)}% of tokens`);
  return parts.length ? ` · ${parts.join(' · ')}` : '';
}

/** Every character as an HTML entity, so neither markdown nor HTML reads anything into token text. */
const htmlText = (t: string): string => [...t.replace(/\n/g, '⏎')].map((c) => (c === ' ' ? '&nbsp;' : `&#${c.codePointAt(0)};`)).join('');

/** Levels of the activation shading: alpha of the heat colour (the hover sanitizer allows only hex colours). */
const SHADES = ['00', '33', '55', '88', 'bb', 'ee'];

/** A top activating example with each token's background by its activation (needs MarkdownString.supportHtml). */
export function shadedExample(e: FeatureExample): string {
  const max = Math.max(1e-9, ...e.tokens_acts_list);
  const spans = e.tokens.map((t, i) => {
    const level = Math.round((Math.max(0, e.tokens_acts_list[i] ?? 0) / max) * (SHADES.length - 1));
    return level === 0 ? `<span>${htmlText(t)}</span>` : `<span style="background-color:#3c9955${SHADES[level]};">${htmlText(t)}</span>`;
  });
  return `<span>${spans.join('')}</span>`;
}

/** Commands the hover's links may run (MarkdownString.isTrusted.enabledCommands). */
export const HOVER_COMMANDS = ['selfTracing.showInGraph', 'selfTracing.traceFromHere', 'selfTracing.ablateTopFeature'];
