import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { reasoningHeadingLine, reasoningView, SHOW_IN_GRAPH } from '../../../../src/extension/reasoning/reasoningView';

const range = (l: number) => ({ startLine: l, startCol: 2, endLine: l, endCol: 20 });

test('claims become decorations, lenses and hovers linking graph nodes; unsupported claims become diagnostics', () => {
  const summary = {
    score: 0.12,
    coverage: 0.3,
    unstated: [{ kind: 'tokens', description: '“34” in the prompt (Hint: the answer is 34.)', share: 0.41 }],
    claims: [
      { range: range(9), status: 'supported', support: 0.31, summary: 'through “Texas” features, 31% of the answer\'s influence', nodes: ['2_5_4', 'E_9_4', '1_3_4'], concepts: [{ text: 'Texas', kind: 'entity', support: 0.31, tokens: [4], features: 1 }] },
      { range: range(10), status: 'unsupported', support: 0.004, summary: '“Oklahoma” carries almost none of the answer\'s influence (claim: 0.4%)', nodes: [], concepts: [] },
    ],
  };
  const v = reasoningView({ summary } as never, { traceId: 'trace-1', nodeIds: new Set(['2_5_4', 'E_9_4']) });
  assert.deepEqual(v.claims.map((c) => c.kind), ['supported', 'unsupported']);
  assert.equal(v.claims[0].lens, 'through “Texas” features, 31% of the answer\'s influence');
  assert.deepEqual(v.claims[0].lensTarget, { traceId: 'trace-1', nodeId: '2_5_4' });
  const link = `[2_5_4](command:${SHOW_IN_GRAPH}?${encodeURIComponent(JSON.stringify([{ traceId: 'trace-1', nodeId: '2_5_4' }]))})`;
  assert.ok(v.claims[0].hover.includes(link), v.claims[0].hover);
  assert.match(v.claims[0].hover, /1 more pruned from the graph shown/);
  assert.doesNotMatch(v.claims[0].hover, /1_3_4\]/, 'a pruned node gets no link');
  assert.match(v.claims[1].hover, /No graph node matches this claim/);
  assert.equal(v.claims[1].lensTarget, undefined);
  assert.deepEqual(v.diagnostics, [{ range: range(10), severity: 'warning', message: 'Unsupported by the trace: “Oklahoma” carries almost none of the answer\'s influence (claim: 0.4%).' }]);
  assert.equal(v.statusBar, '$(error) faithfulness 0.12');
  assert.equal(v.headingLens, 'score 0.12 · coverage 30%');
  assert.match(v.unstatedLens!, /^unstated: “34” in the prompt .* 41%$/);
});

test('without a graph in the panel, hovers count the matching nodes and link none', () => {
  const summary = { score: 0.6, coverage: 0.5, unstated: [], claims: [{ range: range(3), status: 'weak', support: 0.05, summary: 's', nodes: ['E_1_2'], concepts: [] }] };
  const v = reasoningView({ summary } as never);
  assert.match(v.claims[0].hover, /1 matching node\(s\); the graph is not open in the panel\./);
  assert.doesNotMatch(v.claims[0].hover, /command:/);
  assert.equal(v.statusBar, '$(pass) faithfulness 0.60');
  assert.equal(v.headingLens, 'score 0.60 · coverage 50%');
  assert.equal(v.unstatedLens, undefined);
});

test('the `## Reasoning` heading is found outside code fences only', () => {
  assert.equal(reasoningHeadingLine('# t\n\n## Prompt\nx\n\n## Reasoning\n- a\n'), 5);
  assert.equal(reasoningHeadingLine('```\n## Reasoning\n```\n  ## reasoning:\n'), 3);
  assert.equal(reasoningHeadingLine('## Prompt\nx\n'), undefined);
});
