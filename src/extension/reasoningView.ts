// What Compare Stated Reasoning with Trace shows in the editor, built from the engine's summary without touching the
// `vscode` API: per claim a decoration kind, a CodeLens title, a hover (with links to the graph nodes) and, for an
// unsupported claim, a diagnostic; the status bar text. The glue maps these onto vscode objects one to one.
import type { SourceRange } from '../engine/reasoning/markdown';
import type { ReasoningResult } from '../engine/reasoning/resources';

export type ClaimKind = 'supported' | 'weak' | 'unsupported';

export interface ClaimView {
  range: SourceRange;
  kind: ClaimKind;
  /** CodeLens title, e.g. "through “Texas” features, 31% of the answer's influence" */
  lens: string;
  /** hover markdown; node links are `command:selfTracing.showInGraph?…` (the graph panel's Show in Graph) */
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
  /** CodeLens over the `## Reasoning` heading */
  headingLens: string;
}

/** the command the hovers link to; the graph panel (ui branch) registers it */
export const SHOW_IN_GRAPH = 'selfTracing.showInGraph';
const MAX_NODE_LINKS = 6;

export function reasoningView(result: Pick<ReasoningResult, 'summary'>): ReasoningView {
  const s = result.summary;
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
  const claims = s.claims.map((c): ClaimView => {
    const links = c.nodes.slice(0, MAX_NODE_LINKS).map((id) => `[${id}](command:${SHOW_IN_GRAPH}?${encodeURIComponent(JSON.stringify([id]))})`);
    const concepts = c.concepts.map((k) => `- “${k.text}” (${k.kind}): ${pct(k.support)} — ${k.tokens.length} token(s), ${k.features} feature(s)`);
    const hover = [
      `**${c.status}**: ${pct(c.support)} of the answer's influence flows through what this claim names.`,
      '',
      ...concepts,
      '',
      links.length ? `Nodes: ${links.join(' · ')}${c.nodes.length > MAX_NODE_LINKS ? ` (+${c.nodes.length - MAX_NODE_LINKS})` : ''}` : 'No graph node matches this claim.',
    ].join('\n');
    return { range: c.range, kind: c.status, lens: c.summary, hover, nodeIds: c.nodes };
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
    headingLens: `score ${s.score.toFixed(2)} · coverage ${pct(s.coverage)}` + (top ? ` · unstated: ${top.description} ${pct(top.share)}` : ''),
  };
}
