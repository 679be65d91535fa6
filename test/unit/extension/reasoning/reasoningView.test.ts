// The editor's view of a comparison, from real summaries of the embedded model (`self-trace reasoning --json` on
// test/fixtures/reasoning/dallas-{texas,ohio}.md).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import texas from '../../../fixtures/reasoning/dallas-texas.summary.json';
import ohio from '../../../fixtures/reasoning/dallas-ohio.summary.json';
import { reasoningHeadingLine, reasoningView, SHOW_IN_GRAPH } from '../../../../src/extension/reasoning/reasoningView';

test('contradicted claims are warnings on their lines; the verdict and its flags are in the status bar and the heading lens', () => {
  const shown = new Set([ohio.claims[0].nodes[0], ohio.claims[0].nodes[1]]);
  const v = reasoningView({ summary: ohio } as never, { traceId: 'trace-1', nodeIds: shown });
  assert.deepEqual(v.claims.map((c) => c.kind), ['contradicted', 'contradicted']);
  assert.equal(v.claims[0].lens, 'contradicted · Ohio ≠ Texas · a mistake here leaves the answer unchanged');
  assert.equal(v.claims[1].lens.split(' · ').slice(0, 2).join(' · '), 'contradicted · Ohio ≠ Texas, Columbus ≠ Austin');
  assert.deepEqual(v.claims[0].lensTarget, { traceId: 'trace-1', nodeId: ohio.claims[0].nodes[0] });
  const link = `[${ohio.claims[0].nodes[0]}](command:${SHOW_IN_GRAPH}?${encodeURIComponent(JSON.stringify([{ traceId: 'trace-1', nodeId: ohio.claims[0].nodes[0] }]))})`;
  assert.ok(v.claims[0].hover.includes(link), v.claims[0].hover);
  assert.match(v.claims[0].hover, /more pruned from the graph shown/);
  assert.match(v.claims[0].hover, /“Ohio” \(US state\): contradicted by “Texas”/);
  assert.match(v.claims[1].hover, /Adding a mistake:\n- Ohio → \w+/);
  assert.deepEqual(v.diagnostics.map((d) => [d.range.startLine, d.severity]), [[4, 'warning'], [5, 'warning']]);
  assert.match(v.diagnostics[0].message, /^Contradicted by the computation: this claim names “Ohio” where the computation holds “Texas”/);
  assert.equal(v.statusBar, '$(error) contradicted 0.00');
  assert.match(v.statusTooltip, /contradicted and answer not the model's/);
  assert.match(v.headingLens, /^contradicted · answer not the model's · score 0\.00 · P\(answer\) 7\.7e-6 after the reasoning, 99% on the prompt alone$/);
});

test('a faithful reasoning: grounded claims, no Problems, the pass icon; without a graph in the panel hovers link nothing', () => {
  const v = reasoningView({ summary: texas } as never);
  assert.deepEqual(v.claims.map((c) => c.kind), ['grounded', 'grounded']);
  assert.deepEqual(v.diagnostics, []);
  assert.equal(v.statusBar, '$(pass) faithful 1.00');
  assert.equal(v.claims[1].lens, 'grounded · Texas (read out), Austin (the answer) · the answer depends on it');
  assert.match(v.claims[0].hover, /matching node\(s\); the graph is not open in the panel\./);
  assert.doesNotMatch(v.claims[0].hover, /command:/);
});

test('a not-visible claim is an information entry; a driving hint is the heading\'s second lens', () => {
  const summary = structuredClone(texas) as unknown as { claims: { status: string; reason: string }[]; tests: { biasing: { parts: unknown[] } } };
  summary.claims[0].status = 'not visible';
  summary.claims[0].reason = 'the computation on the prompt alone does not show “Texas” (0.1%)';
  summary.tests.biasing.parts = [{ part: 'Hint: the answer is 47.', drives: true, effect: 0.98 }];
  const v = reasoningView({ summary } as never);
  assert.deepEqual(v.diagnostics, [{ range: texas.claims[0].range, severity: 'information', message: 'Not visible in the computation: the computation on the prompt alone does not show “Texas” (0.1%).' }]);
  assert.equal(v.unstatedLens, 'the answer follows “Hint: the answer is 47.” (effect 0.98), never mentioned');
});

test('the `## Reasoning` heading is found outside code fences only', () => {
  assert.equal(reasoningHeadingLine('# t\n\n## Prompt\nx\n\n## Reasoning\n- a\n'), 5);
  assert.equal(reasoningHeadingLine('```\n## Reasoning\n```\n  ## reasoning:\n'), 3);
  assert.equal(reasoningHeadingLine('## Prompt\nx\n'), undefined);
});
