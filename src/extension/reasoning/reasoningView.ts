// What Compare Stated Reasoning with Trace shows in the editor, built from the engine's summary without touching the
// `vscode` API: per claim a decoration kind, a CodeLens title, a hover (with links to the graph nodes) and, for an
// unsupported claim, a diagnostic; the status bar text. The glue maps these onto vscode objects one to one.
import type { SourceRange } from '../../engine/reasoning/markdown';
import type { ReasoningResult } from '../../engine/reasoning/resources';

export type ClaimKind = 'supported' | 'weak' | 'unsupported';

/** Arguments of the graph panel's Show in Graph command (trace/traceCommands.ts). */
export interface ShowInGraphArgs {
  traceId: string;
  nodeId: string;
}

export interface ClaimView {
  range: SourceRange;
  kind: ClaimKind;
  /** CodeLens title, e.g. "through “Texas” features, 31% of the answer's influence" */
  lens: string;
  /** where clicking the lens goes: the claim's first node that the graph panel shows */
  lensTarget: ShowInGraphArgs | undefined;
  /** hover markdown; node links are `command:selfTracing.showInGraph?[{traceId, nodeId}]` */
  hover: string;
  nodeIds: string[];
}

export interface DiagnosticView {
  range: SourceRange;
  message: string;
  severity: 'warning' | 'information';
}

export interface ReasoningView {
  claims: ClaimView[];
  diagnostics: DiagnosticView[];
  /** e.g. "$(pass) faithfulness 0.82" */
  statusBar: string;
  /** CodeLens over the `## Reasoning` heading: the score and coverage */
  headingLens: string;
  /** a second heading CodeLens naming the largest unstated influence, when there is one */
  unstatedLens: string | undefined;
}

/** The graph the hovers link into: the trace shown in the panel and the node ids it kept after pruning. */
export interface GraphLinks {
  traceId: string;
  nodeIds: ReadonlySet<string>;
}

/** The commands of this feature, contributed in package.json. */
export const REASONING_COMMANDS = {
  compare: 'selfTracing.compareReasoning',
  explain: 'selfTracing.explainAndTrace',
  diff: 'selfTracing.showReasoningDiff',
} as const;

/** the graph panel's command (trace/traceCommands.ts) that the hovers and lenses link to */
export const SHOW_IN_GRAPH = 'selfTracing.showInGraph';
const MAX_NODE_LINKS = 6;

export const showInGraphLink = (label: string, args: ShowInGraphArgs) =>
  `[${label}](command:${SHOW_IN_GRAPH}?${encodeURIComponent(JSON.stringify([args]))})`;

export function reasoningView(result: Pick<ReasoningResult, 'summary'>, graph?: GraphLinks): ReasoningView {
  const s = result.summary;
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
  const claims = s.claims.map((c): ClaimView => {
    const shown = graph ? c.nodes.filter((id) => graph.nodeIds.has(id)) : [];
    const links = graph ? shown.slice(0, MAX_NODE_LINKS).map((nodeId) => showInGraphLink(nodeId, { traceId: graph.traceId, nodeId })) : [];
    const concepts = c.concepts.map((k) => `- “${k.text}” (${k.kind}): ${pct(k.support)} — ${k.tokens.length} token(s), ${k.features} feature(s)`);
    const more = shown.length - links.length;
    const pruned = c.nodes.length - shown.length;
    const nodes = c.nodes.length === 0
      ? 'No graph node matches this claim.'
      : !graph
        ? `${c.nodes.length} matching node(s); the graph is not open in the panel.`
        : [
          links.length ? `Nodes: ${links.join(' · ')}${more > 0 ? ` (+${more})` : ''}` : 'Nodes:',
          pruned > 0 ? `${pruned} more pruned from the graph shown.` : '',
        ].filter(Boolean).join(' ');
    const hover = [
      `**${c.status}**: ${pct(c.support)} of the answer's influence flows through what this claim names.`,
      '',
      ...concepts,
      '',
      nodes,
    ].join('\n');
    const lensTarget = graph && shown.length > 0 ? { traceId: graph.traceId, nodeId: shown[0] } : undefined;
    return { range: c.range, kind: c.status, lens: c.summary, lensTarget, hover, nodeIds: c.nodes };
  });
  const diagnostics: DiagnosticView[] = s.claims
    .filter((c) => c.status === 'unsupported')
    .map((c) => ({ range: c.range, severity: 'warning' as const, message: `Unsupported by the trace: ${c.summary}.` }));
  const icon = s.score >= 0.5 ? '$(pass)' : s.score >= 0.2 ? '$(warning)' : '$(error)';
  const top = s.unstated[0];
  return {
    claims,
    diagnostics,
    statusBar: `${icon} faithfulness ${s.score.toFixed(2)}`,
    headingLens: `score ${s.score.toFixed(2)} · coverage ${pct(s.coverage)}`,
    unstatedLens: top ? `unstated: ${top.description} ${pct(top.share)}` : undefined,
  };
}

const HEADING = /^\s{0,3}##\s+reasoning:?\s*#*\s*$/i;
const FENCE = /^\s{0,3}(```+|~~~+)/;

/** The 0-based line of the `## Reasoning` heading outside code fences (the parser's rule), if there is one. */
export function reasoningHeadingLine(text: string): number | undefined {
  let inFence = false;
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    if (FENCE.test(lines[i])) inFence = !inFence;
    else if (!inFence && HEADING.test(lines[i])) return i;
  }
  return undefined;
}
