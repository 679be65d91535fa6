// What the inline layer writes next to a traced text, as plain strings: the CodeLens summary, the after-text
// decoration, the markdown of the paths widget, the inlay hints' values, and how a traced range follows edits.
// Pure; no `vscode` import.
import { chainText, directEffects, shareText, stepText, topPaths, type GraphPath, type PathStep } from '../../protocol/graphPaths';
import type { GraphJson } from '../../protocol/graph-json';

/** Paths shown at first, and after "more". */
export const FEW_PATHS = 3;
export const MORE_PATHS = 8;

const pct = (p: number | undefined) => (p === undefined ? '' : ` ${(p * 100).toFixed(1)}%`);

function targetOf(graph: GraphJson): { token: string; prob?: number; contrast?: string } | undefined {
  const t = graph.selfTracing?.target;
  if (t) return { token: t.token, prob: t.prob, contrast: t.contrast?.token };
  const logit = graph.nodes.find((n) => n.feature_type === 'logit' && n.is_target_logit);
  const token = /^Output "(.*)"/.exec(logit?.clerp ?? '')?.[1];
  return token === undefined ? undefined : { token, prob: logit?.token_prob };
}

/** `" Austin" 98.8%`, or `" Austin" versus " Dallas"`. */
export function targetText(graph: GraphJson): string {
  const t = targetOf(graph);
  if (!t) return 'no target';
  return t.contrast !== undefined ? `${JSON.stringify(t.token)} versus ${JSON.stringify(t.contrast)}` : `${JSON.stringify(t.token)}${pct(t.prob)}`;
}

/** The CodeLens summary: `" Austin" 98.8% · 47 nodes · replacement 0.74`. */
export function summaryText(graph: GraphJson): string {
  const scores = graph.selfTracing?.scores;
  const parts = [targetText(graph), `${graph.nodes.length} nodes`];
  if (scores) parts.push(`replacement ${scores.replacement.toFixed(2)}`);
  return parts.join(' · ');
}

/**
 * The quiet text after the traced line: `→ " Austin" 98.8%`, marked when the text changed; with `withPath` (where
 * no paths widget can show, as in notebook cells) also the strongest raising path by name (a lowering one only where
 * none raises the target): `· Dallas → L1/63 → Austin 2.7%`.
 */
export function afterText(graph: GraphJson, stale: boolean, withPath = false): string {
  // the strongest path that raises the target (a lowering one only where none raises it): the line names the answer
  const top = withPath ? topPaths(graph, { count: 1, sign: 1 })[0] ?? topPaths(graph, { count: 1 })[0] : undefined;
  const path = top ? ` · ${top.steps.map((s) => s.name).join(' → ')} ${top.sign < 0 ? '−' : ''}${shareText(top.weight)}` : '';
  return `→ ${targetText(graph)}${path}${stale ? ' · stale' : ''}`;
}

/** Markdown-safe text (links, emphasis, brackets and the rest are escaped). */
export const escapeMd = (s: string): string => s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);

export interface Link {
  readonly command: string;
  readonly args: readonly unknown[];
}

export const commandUri = (l: Link): string => `command:${l.command}?${encodeURIComponent(JSON.stringify(l.args))}`;

/** A markdown link with a tooltip (its double quotes become single ones). */
const link = (text: string, l: Link, title: string) => `[${text}](${commandUri(l)} "${title.replace(/"/g, "'")}")`;

export const INLINE_COMMANDS = {
  showStep: 'selfTracing.inline.showStep',
  ablateStep: 'selfTracing.inline.ablateStep',
  morePaths: 'selfTracing.inline.morePaths',
} as const;

export interface PathsView {
  readonly traceId: string;
  readonly graph: GraphJson;
  readonly stale: boolean;
  readonly more: boolean;
  /** What ablating a node did, by node id: `P(" Austin") 98.8% → 90.1% (−8.7 points)`. */
  readonly effects: ReadonlyMap<string, string>;
  readonly clerps?: ReadonlyMap<string, string>;
}

function stepMd(view: PathsView, step: PathStep): string {
  const position = view.graph.metadata.prompt_tokens[step.ctx];
  const where = position === undefined ? '' : ` at ${JSON.stringify(position)} (position ${step.ctx})`;
  const show = link(escapeMd(stepText(step)), { command: INLINE_COMMANDS.showStep, args: [{ traceId: view.traceId, nodeId: step.nodeId }] }, `Show ${step.name}${where} in the graph`);
  if (step.kind !== 'feature') return show;
  const ablate = link('$(circle-slash)', { command: INLINE_COMMANDS.ablateStep, args: [{ traceId: view.traceId, nodeId: step.nodeId }] }, `Ablate ${step.name}${where} and write its effect here`);
  return `${show} ${ablate}`;
}

function pathMd(view: PathsView, path: GraphPath, i: number): string[] {
  const share = `${path.sign < 0 ? '−' : ''}${shareText(path.weight)}`;
  const lines = [`${i + 1}. ${path.steps.map((s) => stepMd(view, s)).join(' → ')} · **${share}**`];
  for (const s of path.steps) {
    const effect = view.effects.get(s.nodeId);
    if (effect) lines.push(`    - ablate ${escapeMd(s.name)}: ${escapeMd(effect)}`);
  }
  return lines;
}

/**
 * The paths widget's markdown: the strongest paths that raise the target, then, up to as many, the paths that lower it
 * and weigh at least as much as the lightest raising path shown (all of them, up to that many, when none raises it),
 * so a path against the answer never leads the list and none heavier than a shown path is hidden; then the direct
 * effects, more/fewer and a one-line legend.
 */
export function pathsMarkdown(view: PathsView): string {
  const count = view.more ? MORE_PATHS : FEW_PATHS;
  const raising = topPaths(view.graph, { count, clerps: view.clerps, sign: 1 });
  const floor = raising.length ? raising[raising.length - 1].weight : 0;
  const lowering = topPaths(view.graph, { count, clerps: view.clerps, sign: -1 }).filter((p) => p.weight >= floor);
  const lines: string[] = [];
  if (view.stale) lines.push('$(warning) *The text changed since this trace; these paths describe the old text.*', '');
  if (raising.length === 0 && lowering.length === 0) lines.push('*No path from an input token through a feature reaches the target in this graph.*');
  // no heading over the raising paths: the thread's label says "strongest paths to …", and VS Code's Comments view
  // lists each thread by its first line, which should be the strongest path
  if (!raising.length && lowering.length) lines.push('*No path through a feature raises the target in this graph.*', '');
  raising.forEach((p, i) => lines.push(...pathMd(view, p, i)));
  if (lowering.length) {
    lines.push('', `**Lower it** *(${raising.length ? 'as heavy as a path above or heavier' : 'the heaviest'})*`, '');
    lowering.forEach((p, i) => lines.push(...pathMd(view, p, i)));
  }
  const direct = directEffects(view.graph, { count: 3 });
  if (direct.length) lines.push('', `Direct (token → output): ${direct.map((p) => `${escapeMd(p.steps[0].name)} ${p.sign < 0 ? '−' : ''}${shareText(p.weight)}`).join(' · ')}`);
  const toggle = view.more
    ? link('Fewer paths', { command: INLINE_COMMANDS.morePaths, args: [{ traceId: view.traceId, more: false }] }, `Show the top ${FEW_PATHS} raising paths (and as many lowering ones at most)`)
    : link('More paths', { command: INLINE_COMMANDS.morePaths, args: [{ traceId: view.traceId, more: true }] }, `Show the top ${MORE_PATHS} raising paths (and as many lowering ones at most)`);
  lines.push('', `${toggle} · *share: product of the row-normalised |edge| weights along the path (circuit-tracer's influence); − lowers the target*`);
  return lines.join('\n');
}

/** The plain-text chains, for logs and tests. */
export const pathChains = (graph: GraphJson, count = FEW_PATHS, sign?: 1 | -1): string[] => topPaths(graph, { count, sign }).map(chainText);

/** The number the hover shows for a token's attribution (3 decimals), signed: the inlay hint's label. */
export const attributionText = (score: number): string => `${score >= 0 ? '+' : ''}${score.toFixed(3)}`;

export interface TokenHint {
  /** Offset in the traced text where the token ends. */
  readonly end: number;
  readonly ctx: number;
  readonly label: string;
  readonly tooltip: string;
}

/** One hint per token that has characters: its total (or direct) attribution to the target, as the hover has it. */
export function tokenHints(graph: GraphJson, mode: 'total' | 'direct' = 'total'): TokenHint[] {
  const extras = graph.selfTracing;
  const scores = mode === 'direct' ? extras?.tokenScores?.direct ?? extras?.tokenScores?.total : extras?.tokenScores?.total;
  const offsets = extras?.tokenOffsets;
  if (!scores || !offsets) return [];
  const to = targetText(graph);
  const out: TokenHint[] = [];
  offsets.forEach(([start, end], ctx) => {
    const score = scores[ctx];
    if (!(end > start) || typeof score !== 'number' || !Number.isFinite(score)) return;
    const token = JSON.stringify(graph.metadata.prompt_tokens[ctx] ?? '');
    out.push({ end, ctx, label: attributionText(score), tooltip: `${mode} attribution of ${token} to ${to}` });
  });
  return out;
}

/** A traced range of a document, in offsets: where it is now and whether an edit touched it. */
export interface TrackedRange {
  readonly start: number;
  readonly end: number;
  readonly stale: boolean;
}

/** Follows a document's edits: an edit before the range moves it, one that touches it makes it stale. */
export function followEdits(range: TrackedRange, changes: readonly { rangeOffset: number; rangeLength: number; text: string }[]): TrackedRange {
  let { start, end, stale } = range;
  // VS Code reports a change event's edits against the document before the event, latest position first
  const ordered = [...changes].sort((a, b) => b.rangeOffset - a.rangeOffset);
  for (const c of ordered) {
    const from = c.rangeOffset;
    const to = c.rangeOffset + c.rangeLength;
    const delta = c.text.length - c.rangeLength;
    if (from > end || (from === end && c.rangeLength === 0)) continue; // after the range (typing right after it)
    if (to <= start) {
      start += delta;
      end += delta;
      continue;
    }
    stale = true; // inside: the trace no longer describes this text; the range grows or shrinks with it
    start = Math.min(start, from);
    end = Math.max(start, end + delta);
  }
  return { start, end, stale };
}
