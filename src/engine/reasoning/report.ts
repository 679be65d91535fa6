// The comparison written out: the compact `--json` summary (verdict first, each claim's status beside it, each
// test's numbers), the `--report` file in its `attribution_trace` shape (docs/reasoning.md), the terminal text, and the
// reasoning the prompt-only graph tells (the other side of the editor's diff). Every number comes from the tests.
import type { AnswerReading } from './answers';
import type { ReasoningComparison } from './compare';
import type { ClaimStatus } from './internal';
import { formatReasoningMarkdown } from './markdown';
import { pct, SCORE_FORMULA, type VerdictLabel } from './verdict';

const r4 = (x: number) => (x !== 0 && Math.abs(x) < 1e-4 ? Number(x.toPrecision(2)) : Math.round(x * 1e4) / 1e4);
const reading = (r: AnswerReading) => ({ stated: r.stated === undefined ? null : r4(r.stated), top: { value: r.top.value, prob: r4(r.top.prob) } });

/** The compact summary `self-trace reasoning --json` prints. */
export function summaryJson(c: ReasoningComparison) {
  const v = c.verdict;
  const d = c.dependence;
  return {
    verdict: v.label,
    flags: v.flags,
    reason: v.reason,
    score: r4(v.score),
    components: { answer: r4(v.components.answer), grounding: r4(v.components.grounding), bias: r4(v.components.bias), dependence: v.components.dependence },
    answer: { text: c.answer.text, token: c.answer.token, stated: c.answer.stated, afterReasoning: reading(c.afterReasoning), promptOnly: reading(c.promptOnly) },
    claims: c.grounding.map((g, i) => {
      const k = c.claims[i];
      return {
        text: k.text,
        step: k.step,
        range: k.range,
        status: g.status,
        reason: g.reason,
        concepts: g.concepts.map((x) => ({
          text: x.text, kind: x.kind, kinds: x.kinds, share: r4(x.share), held: x.held, via: x.via ?? null, answer: x.isAnswer,
          instead: x.instead && { text: x.instead.text, share: r4(x.instead.share), readoutGap: x.instead.readout && r4(x.instead.readout.lead) },
        })),
        earlyAnswer: reading(d.early[i + 1].reading),
        mistakes: d.mistakes.filter((m) => m.claim === i).map((m) => ({ from: m.from, to: m.to, ...reading(m.reading), changes: m.changes })),
        answerDependsOnIt: d.stepMatters[i] ?? null,
        nodes: c.nodeIds.claims[i],
      };
    }),
    unstated: c.unstated.map((u) => ({ kind: u.kind, description: u.description, share: r4(u.share), span: u.span })),
    tests: {
      internal: {
        promptOnly: c.promptOnlyText,
        tracedToken: c.answer.token,
        held: c.held.map((h) => ({
          text: h.text, kinds: h.kinds, share: r4(h.share), answer: h.isAnswer, via: h.via,
          readout: h.readout && { kind: h.readout.kind, lead: r4(h.readout.lead), runnerUp: h.readout.runnerUp },
        })),
        paths: c.paths.map((p) => ({ path: p.description, share: r4(p.share), sign: p.sign })),
      },
      dependence: {
        early: d.early.map((e) => ({ claims: e.claims, ...reading(e.reading), sameAsFinal: e.sameAsFinal })),
        earlyDependence: r4(d.earlyDependence),
        mistakes: d.mistakes.map((m) => ({ claim: m.claim, from: m.from, to: m.to, ...reading(m.reading), changes: m.changes })),
        depends: d.depends,
      },
      biasing: {
        mentioned: c.biasing.mentioned.map((p) => p.text),
        parts: c.biasing.tests.map((t) => ({
          part: t.part.text,
          removed: reading(t.removed),
          altered: t.altered && { from: t.altered.from, to: t.altered.to, ...reading(t.altered.reading), follows: t.altered.follows },
          drives: t.drives,
          effect: r4(t.effect),
        })),
      },
    },
    alternatives: c.alternatives.map((x) => ({ value: x.value, prob: r4(x.prob) })),
    cost: { ms: Math.round(c.ms), stages: Object.fromEntries(Object.entries(c.stages).map(([k, v]) => [k, Math.round(v)])), tracedNodes: c.graph.nodes },
    formula: SCORE_FORMULA,
  };
}

export interface TraceReport {
  query: string;
  attribution_trace: {
    reasoning_steps: {
      operation: 'STATED_CLAIM';
      claim: string;
      input: string[];
      output: string | null;
      /** the model's probability of the answer after the reasoning up to this claim (early answering) */
      confidence: number;
      status: ClaimStatus;
      reason: string;
      answer_depends_on_it: boolean | null;
      mistakes: { replaced: string; by: string; answer: string; confidence: number; changes: boolean }[];
      concepts: { text: string; kind: string; share: number; held: boolean; instead: string | null; matched_nodes: string[] }[];
    }[];
    alternatives_considered: { value: string; confidence: number }[];
    output_formation: {
      primary_completion: string;
      confidence: number;
      confidence_prompt_only: number | null;
      traced_token: string;
      stated: boolean;
      alternatives_considered: { value: string; confidence: number }[];
      /** raising paths first; `sign` −1: the path pushes the answer down (its share is unsigned influence) */
      strongest_paths: { path: string; share: number; sign: 1 | -1; nodes: string[] }[];
    };
    faithfulness_assessment: {
      verdict: VerdictLabel;
      flags: VerdictLabel[];
      reason: string;
      score: number;
      reasoning_pattern: string;
      tests: ReturnType<typeof summaryJson>['tests'];
      unstated_influences: { description: string; share: number; kind: string; nodes: string[] }[];
      formula: string;
    };
  };
}

/** The verdict as the report's snake_case reasoning_pattern. */
const PATTERN: Record<VerdictLabel, string> = {
  faithful: 'faithful', 'post-hoc': 'post_hoc', 'hint-driven': 'hint_driven', contradicted: 'contradicted', "answer not the model's": 'answer_not_the_models',
};

export function traceReport(c: ReasoningComparison): TraceReport {
  const s = summaryJson(c);
  const alts = c.alternatives.map((x) => ({ value: x.value, confidence: r4(x.prob) })).filter((x) => x.value !== c.answer.text);
  return {
    query: c.prompt,
    attribution_trace: {
      reasoning_steps: c.grounding.map((g, i) => {
        const typed = g.concepts.filter((k) => k.kind !== 'word');
        const out = (typed.length ? typed : g.concepts).at(-1)?.text ?? null;
        const early = c.dependence.early[i + 1].reading;
        return {
          operation: 'STATED_CLAIM',
          claim: c.claims[i].text,
          input: g.concepts.map((k) => k.text).filter((t) => t !== out),
          output: out,
          confidence: r4(early.stated ?? early.top.prob),
          status: g.status,
          reason: g.reason,
          answer_depends_on_it: c.dependence.stepMatters[i] ?? null,
          mistakes: c.dependence.mistakes.filter((m) => m.claim === i).map((m) => ({ replaced: m.from, by: m.to, answer: m.reading.top.value, confidence: r4(m.reading.top.prob), changes: m.changes })),
          concepts: g.concepts.map((k, j) => ({ text: k.text, kind: k.kind, share: r4(k.share), held: k.held, instead: k.instead?.text ?? null, matched_nodes: c.nodeIds.concepts[i][j] })),
        };
      }),
      alternatives_considered: alts,
      output_formation: {
        primary_completion: c.answer.text,
        confidence: r4(c.afterReasoning.stated ?? c.afterReasoning.top.prob),
        confidence_prompt_only: c.promptOnly.stated === undefined ? null : r4(c.promptOnly.stated),
        traced_token: c.answer.token,
        stated: c.answer.stated,
        alternatives_considered: alts,
        strongest_paths: c.paths.map((p) => ({ path: p.description, share: r4(p.share), sign: p.sign, nodes: p.nodes })),
      },
      faithfulness_assessment: {
        verdict: c.verdict.label,
        flags: c.verdict.flags,
        reason: c.verdict.reason,
        score: r4(c.verdict.score),
        reasoning_pattern: PATTERN[c.verdict.label],
        tests: s.tests,
        unstated_influences: c.unstated.map((u, i) => ({ description: u.description, share: r4(u.share), kind: u.kind, nodes: c.nodeIds.unstated[i] })),
        formula: SCORE_FORMULA,
      },
    },
  };
}

const said = (r: AnswerReading) => `${r.stated === undefined ? '' : `P(answer) ${pct(r.stated)}; `}model: “${r.top.value}” ${pct(r.top.prob)}`;

/** Human-readable lines for the terminal. */
export function describeComparison(c: ReasoningComparison): string {
  const v = c.verdict;
  const mark: Record<ClaimStatus, string> = { grounded: '✓', 'not visible': '?', contradicted: '✗' };
  const d = c.dependence;
  const lines = [
    `verdict: ${v.label}${v.flags.length > 1 ? ` (also: ${v.flags.slice(1).join(', ')})` : ''} · score ${v.score.toFixed(2)}`,
    `  ${v.reason}`,
    '',
    `answer “${c.answer.text}”${c.answer.stated ? '' : " (the model's own)"}: after the reasoning ${said(c.afterReasoning)}; on the prompt alone ${said(c.promptOnly)}`,
    '',
    'claims (1: grounding in the prompt-only graph · 2: early answer after it · mistakes):',
    ...c.grounding.flatMap((g, i) => [
      `  ${mark[g.status]} ${g.status.padEnd(12)} ${c.claims[i].text}`,
      `      ${g.reason}`,
      `      after it: ${said(d.early[i + 1].reading)}` +
        d.mistakes.filter((m) => m.claim === i).map((m) => `; ${m.from}→${m.to}: “${m.reading.top.value}” ${pct(m.reading.top.prob)}${m.changes ? ' (changes)' : ''}`).join(''),
    ]),
    '',
    `2 dependence: no reasoning → “${d.early[0].reading.top.value}” ${pct(d.early[0].reading.top.prob)}; early-answering dependence ${d.earlyDependence.toFixed(2)}; the answer ${d.depends ? 'depends on' : 'ignores'} the reasoning`,
    c.biasing.tests.length
      ? '3 biasing inputs:'
      : `3 biasing inputs: ${c.biasing.mentioned.length ? 'every prompt part besides the question is mentioned' : 'no prompt part besides the question'}`,
    ...c.biasing.tests.map((t) =>
      `  ${t.drives ? '✗' : '✓'} “${t.part.text}”: removed → “${t.removed.top.value}” ${pct(t.removed.top.prob)}` +
        (t.altered ? `; ${t.altered.from}→${t.altered.to} → “${t.altered.reading.top.value}” ${pct(t.altered.reading.top.prob)}` : '') +
        ` (effect ${t.effect.toFixed(2)})`),
    '',
    `1 the computation on the prompt alone (traced ${JSON.stringify(c.answer.token)}): holds ${c.held.map((h) => (h.isAnswer ? `${h.text} (the answer)` : h.via === 'readout' ? `${h.text} (read out first of its kind, ${h.readout!.lead.toFixed(1)} logits ahead)` : `${h.text} ${pct(h.share)}`)).join(', ') || 'no typed concept'}`,
    ...c.paths.map((p) => `  ${pct(p.share).padStart(6)}  ${p.description}${p.sign < 0 ? ' (against the answer)' : ''}`),
    c.unstated.length ? 'unstated influences:' : 'unstated influences: none above the bar',
    ...c.unstated.map((u) => `  ${pct(u.share).padStart(6)}  ${u.description}`),
    '',
    `cost ${(c.ms / 1000).toFixed(2)} s (${Object.entries(c.stages).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(', ')}; ${c.graph.nodes} graph nodes)`,
  ];
  return lines.join('\n');
}

/** The reasoning the prompt-only graph tells, as readable steps, then its unstated influences (for the diff view). */
export function traceDerivedMarkdown(c: ReasoningComparison): string {
  // a path that pushes the answer down is no step towards it: say so, or the diff reads it as support
  const steps = c.paths.map((p) => `${p.description} (${pct(p.share)} of the answer's influence${p.sign < 0 ? ', pushing against the answer' : ''})`);
  for (const h of c.held.filter((x) => x.readout)) {
    steps.push(`On the prompt alone the model reads out ${h.text} first among ${h.readout!.kind} entities (${h.readout!.lead.toFixed(1)} logits ahead of ${h.readout!.runnerUp}).`);
  }
  for (const u of c.unstated) steps.push(`Unstated: ${u.description} carries ${pct(u.share)}.`);
  if (steps.length === 0) steps.push('The graph has no path from the prompt to the answer.');
  return formatReasoningMarkdown({ title: 'Reasoning derived from the trace of the prompt alone', prompt: c.prompt, steps, answer: c.answer.text });
}
