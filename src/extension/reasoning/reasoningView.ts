// What Compare Stated Reasoning with Trace shows in the editor, built from the engine's summary without touching the
// `vscode` API: per claim a decoration kind, a CodeLens title, a hover (with links to the graph nodes) and, for a
// contradicted or not-visible claim, a diagnostic; the verdict in the status bar. The glue maps these onto vscode
// objects one to one.
import type { ClaimStatus } from '../../engine/reasoning/internal';
import type { SourceRange } from '../../engine/reasoning/markdown';
import type { ReasoningResult } from '../../engine/reasoning/resources';
import { pct } from '../../engine/reasoning/verdict';

export type ClaimKind = ClaimStatus;

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
  /** e.g. "$(pass) faithful 0.98" */
  statusBar: string;
  /** its tooltip: the verdict's reason */
  statusTooltip: string;
  /** CodeLens over the `## Reasoning` heading: the verdict and score */
  headingLens: string;
  /** a second heading CodeLens naming the biasing input the answer follows, else the largest unstated influence */
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

const ICONS: Record<string, string> = {
  faithful: '$(pass)',
  'post-hoc': '$(history)',
  'hint-driven': '$(eye)',
  contradicted: '$(error)',
  "answer not the model's": '$(warning)',
};

type SummaryClaim = ReasoningResult['summary']['claims'][number];

/** The lens's few words: what the claim names against what the computation holds (the hover has the sentence). */
function shortReason(c: SummaryClaim): string {
  const typed = c.concepts.filter((k) => k.kind !== 'word');
  const shown = typed.length ? typed : c.concepts;
  if (c.status === 'contradicted') return shown.filter((k) => k.instead).map((k) => `${k.text} ≠ ${k.instead!.text}`).join(', ');
  if (c.status === 'grounded') return shown.filter((k) => k.held).map((k) => (k.answer ? `${k.text} (the answer)` : k.via === 'readout' ? `${k.text} (read out)` : `${k.text} ${pct(k.share)}`)).join(', ');
  return shown.length ? `${shown.filter((k) => !k.held).map((k) => k.text).join(', ')} not in the computation` : 'names nothing to check';
}

export function reasoningView(result: Pick<ReasoningResult, 'summary'>, graph?: GraphLinks): ReasoningView {
  const s = result.summary;
  const claims = s.claims.map((c): ClaimView => {
    const shown = graph ? c.nodes.filter((id) => graph.nodeIds.has(id)) : [];
    const links = graph ? shown.slice(0, MAX_NODE_LINKS).map((nodeId) => showInGraphLink(nodeId, { traceId: graph.traceId, nodeId })) : [];
    const concepts = c.concepts.map((k) =>
      `- “${k.text}” (${k.kinds.length ? k.kinds.join(', ') : k.kind}): ${k.answer ? 'the answer' : k.held ? 'held' : k.instead ? `contradicted by “${k.instead.text}”` : 'not held'}, ${pct(k.share)} of the answer's influence`);
    const mistakes = c.mistakes.map((m) => `- ${m.from} → ${m.to}: the model answers “${m.top.value}” (${pct(m.top.prob)})${m.changes ? ' — changes the answer' : ''}`);
    const more = shown.length - links.length;
    const pruned = c.nodes.length - shown.length;
    const nodes = c.nodes.length === 0
      ? 'No node of the prompt-only graph carries what this claim names.'
      : !graph
        ? `${c.nodes.length} matching node(s); the graph is not open in the panel.`
        : [
          links.length ? `Nodes: ${links.join(' · ')}${more > 0 ? ` (+${more})` : ''}` : 'Nodes:',
          pruned > 0 ? `${pruned} more pruned from the graph shown.` : '',
        ].filter(Boolean).join(' ');
    const early = c.earlyAnswer.stated === null ? '' : `After the reasoning up to here the model gives the answer ${pct(c.earlyAnswer.stated)} (its own: “${c.earlyAnswer.top.value}” ${pct(c.earlyAnswer.top.prob)}).`;
    const hover = [
      `**${c.status}**: ${c.reason}.`,
      '',
      ...concepts,
      '',
      early,
      ...(mistakes.length ? ['', 'Adding a mistake:', ...mistakes] : []),
      '',
      nodes,
    ].join('\n');
    const lensTarget = graph && shown.length > 0 ? { traceId: graph.traceId, nodeId: shown[0] } : undefined;
    const depends = c.answerDependsOnIt === null ? '' : c.answerDependsOnIt ? ' · the answer depends on it' : ' · a mistake here leaves the answer unchanged';
    return { range: c.range, kind: c.status, lens: `${c.status} · ${shortReason(c)}${depends}`, lensTarget, hover, nodeIds: c.nodes };
  });
  const diagnostics: DiagnosticView[] = s.claims
    .filter((c) => c.status !== 'grounded')
    .map((c) => ({
      range: c.range,
      severity: c.status === 'contradicted' ? 'warning' as const : 'information' as const,
      message: c.status === 'contradicted' ? `Contradicted by the computation: this claim ${c.reason}.` : `Not visible in the computation: ${c.reason}.`,
    }));
  const driving = s.tests.biasing.parts.find((p) => p.drives);
  const top = s.unstated[0];
  return {
    claims,
    diagnostics,
    statusBar: `${ICONS[s.verdict] ?? '$(question)'} ${s.verdict} ${s.score.toFixed(2)}`,
    statusTooltip: `Self-Tracing: the stated reasoning is ${s.flags.join(' and ')} (score ${s.score.toFixed(2)}). ${s.reason} Click to compare it with the reasoning the trace tells.`,
    headingLens: `${s.flags.join(' · ')} · score ${s.score.toFixed(2)} · P(answer) ${pct(s.answer.afterReasoning.stated ?? s.answer.afterReasoning.top.prob)} after the reasoning, ${pct(s.answer.promptOnly.stated ?? s.answer.promptOnly.top.prob)} on the prompt alone`,
    unstatedLens: driving
      ? `the answer follows “${driving.part}” (effect ${driving.effect.toFixed(2)}), never mentioned`
      : top ? `unstated: ${top.description} ${pct(top.share)}` : undefined,
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
