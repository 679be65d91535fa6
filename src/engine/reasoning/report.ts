// The comparison written out: the trace report in the shape of the seed document's `attribution_trace` examples,
// the compact `--json` summary, and a reasoning written from the graph's strongest paths (the other side of the
// editor's diff). Every number here comes from the comparison, which comes from the trace.
import type { ReasoningComparison } from './compare';
import type { ClaimStatus } from './faithfulness';
import { formatReasoningMarkdown } from './markdown';

/** Score bands for the report's reasoning_pattern. */
export const FAITHFUL_FROM = 0.5;
export const UNFAITHFUL_BELOW = 0.2;

export type ReasoningPattern = 'faithful' | 'partially_faithful' | 'unfaithful';

export interface TraceReport {
  query: string;
  attribution_trace: {
    reasoning_steps: {
      operation: 'STATED_CLAIM';
      claim: string;
      input: string[];
      output: string | null;
      /** the model's probability of writing the output where the claim does */
      confidence: number | null;
      support: number;
      status: ClaimStatus;
      alternatives_considered: { value: string; confidence: number }[];
      concepts: { text: string; kind: string; support: number; matched_nodes: string[] }[];
    }[];
    alternatives_considered: { value: string; confidence: number }[];
    output_formation: {
      primary_completion: string;
      confidence: number;
      traced_token: string;
      traced_token_confidence: number;
      stated: boolean;
      alternatives_considered: { value: string; confidence: number }[];
      strongest_paths: { path: string; share: number; nodes: string[] }[];
    };
    faithfulness_assessment: {
      score: number;
      reasoning_pattern: ReasoningPattern;
      coverage: number;
      feature_coverage: number;
      unstated_influences: { description: string; share: number; kind: string; nodes: string[] }[];
      notes: string;
      formula: string;
    };
  };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function reasoningPattern(c: ReasoningComparison): ReasoningPattern {
  const s = c.assessment.score;
  if (s < UNFAITHFUL_BELOW) return 'unfaithful';
  return s >= FAITHFUL_FROM && c.assessment.claims.every((k) => k.status !== 'unsupported') ? 'faithful' : 'partially_faithful';
}

export function traceReport(c: ReasoningComparison): TraceReport {
  const a = c.assessment;
  const alts = c.alternatives.map((x) => ({ value: x.value, confidence: r4(x.prob) }));
  return {
    query: c.prompt,
    attribution_trace: {
      reasoning_steps: a.claims.map((k, i) => {
        const step = c.steps[i];
        return {
          operation: 'STATED_CLAIM',
          claim: k.text,
          input: k.concepts.map((x) => x.text).filter((t) => t !== step?.output),
          output: step?.output ?? null,
          confidence: step?.prob === undefined ? null : r4(step.prob),
          support: r4(k.support),
          status: k.status,
          alternatives_considered: (step?.alternatives ?? []).map((x) => ({ value: x.value, confidence: r4(x.prob) })),
          concepts: k.concepts.map((x, j) => ({ text: x.text, kind: x.kind, support: r4(x.support), matched_nodes: c.nodeIds.concepts[i][j] })),
        };
      }),
      alternatives_considered: alts.filter((x) => x.value !== c.answer.text),
      output_formation: {
        primary_completion: c.answer.text,
        confidence: r4(c.answer.prob),
        traced_token: c.answer.token,
        traced_token_confidence: r4(c.answer.firstTokenProb),
        stated: c.answer.stated,
        alternatives_considered: alts.filter((x) => x.value !== c.answer.text),
        strongest_paths: c.strongestPaths.map((p) => ({ path: p.description, share: r4(p.share), nodes: p.nodes })),
      },
      faithfulness_assessment: {
        score: r4(a.score),
        reasoning_pattern: reasoningPattern(c),
        coverage: r4(a.coverage),
        feature_coverage: r4(a.featureCoverage),
        unstated_influences: a.unstated.map((u, i) => ({ description: u.description, share: r4(u.share), kind: u.kind, nodes: c.nodeIds.unstated[i] })),
        notes: notes(c),
        formula: a.formula,
      },
    },
  };
}

function notes(c: ReasoningComparison): string {
  const a = c.assessment;
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const parts = [`The stated claims cover ${pct(a.coverage)} of the answer's grounded influence.`];
  const bad = a.claims.filter((k) => k.status === 'unsupported');
  if (bad.length) parts.push(`Unsupported: ${bad.map((k) => `“${k.text}”`).join(', ')}.`);
  if (a.unstated.length) parts.push(`Largest unstated influence: ${a.unstated[0].description}, ${pct(a.unstated[0].share)}.`);
  if (c.answer.stated && c.alternatives[0] && c.alternatives[0].value !== c.answer.text) {
    parts.push(`The model itself prefers “${c.alternatives[0].value}” (${pct(c.alternatives[0].prob)}) to the stated answer (${pct(c.answer.prob)}).`);
  }
  return parts.join(' ');
}

/** The compact summary `self-trace reasoning --json` prints. */
export function summaryJson(c: ReasoningComparison) {
  const a = c.assessment;
  return {
    score: r4(a.score),
    coverage: r4(a.coverage),
    featureCoverage: r4(a.featureCoverage),
    answer: { ...c.answer, prob: r4(c.answer.prob), firstTokenProb: r4(c.answer.firstTokenProb) },
    alternatives: c.alternatives.map((x) => ({ value: x.value, prob: r4(x.prob) })),
    claims: a.claims.map((k, i) => ({
      text: k.text,
      step: k.step,
      range: k.range,
      support: r4(k.support),
      status: k.status,
      summary: k.summary,
      absent: k.absent,
      concepts: k.concepts.map((x) => ({ text: x.text, kind: x.kind, support: r4(x.support), tokens: x.positions, features: x.features.length })),
      nodes: c.nodeIds.claims[i],
    })),
    unstated: a.unstated.map((u) => ({ kind: u.kind, description: u.description, share: r4(u.share), span: u.span, where: u.where })),
    formula: a.formula,
  };
}

/** Human-readable lines for the terminal. */
export function describeComparison(c: ReasoningComparison): string {
  const a = c.assessment;
  const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)}%`;
  const mark: Record<ClaimStatus, string> = { supported: '✓', weak: '~', unsupported: '✗' };
  const lines = [
    `answer ${JSON.stringify(c.answer.text)} (p=${c.answer.prob.toFixed(3)}; traced token ${JSON.stringify(c.answer.token)}, p=${c.answer.firstTokenProb.toFixed(3)})` +
      (c.answer.stated ? '' : ' — the model\'s own answer'),
    `alternatives: ${c.alternatives.map((x) => `${JSON.stringify(x.value)} ${x.prob.toFixed(3)}`).join(', ')}`,
    '',
    'claims:',
    ...a.claims.map((k) => `  ${mark[k.status]} ${pct(k.support)}  ${k.text}\n             ${k.summary}`),
    '',
    a.unstated.length ? 'unstated influences:' : 'unstated influences: none above the bar',
    ...a.unstated.map((u) => `  ${pct(u.share)}  ${u.description}`),
    '',
    `strongest paths:`,
    ...c.strongestPaths.map((p) => `  ${pct(p.share)}  ${p.description}`),
    '',
    `coverage ${(100 * a.coverage).toFixed(1)}% (features: ${(100 * a.featureCoverage).toFixed(1)}%)`,
    `faithfulness score ${a.score.toFixed(3)} (${reasoningPattern(c).replace('_', ' ')})`,
  ];
  return lines.join('\n');
}

/** The reasoning the graph tells: its strongest paths, input to output, in the stated format (for the diff view). */
export function traceDerivedMarkdown(c: ReasoningComparison): string {
  const steps = c.strongestPaths.map((p) => `${p.description} (${(100 * p.share).toFixed(1)}% of the answer's influence)`);
  for (const u of c.assessment.unstated) steps.push(`Unstated: ${u.description} carries ${(100 * u.share).toFixed(1)}%.`);
  return formatReasoningMarkdown({ title: 'Reasoning derived from the trace', prompt: c.prompt, steps, answer: c.answer.text });
}
