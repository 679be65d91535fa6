import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { reasoningView, SHOW_IN_GRAPH } from '../../../src/extension/reasoningView';

const range = (l: number) => ({ startLine: l, startCol: 2, endLine: l, endCol: 20 });

test('claims become decorations, lenses and hovers linking graph nodes; unsupported claims become diagnostics', () => {
  const summary = {
    score: 0.12,
    coverage: 0.3,
    unstated: [{ kind: 'tokens', description: '“34” in the prompt (Hint: the answer is 34.)', share: 0.41 }],
    claims: [
      { range: range(9), status: 'supported', support: 0.31, summary: 'through “Texas” features, 31% of the answer\'s influence', nodes: ['2_5_4', 'E_9_4'], concepts: [{ text: 'Texas', kind: 'entity', support: 0.31, tokens: [4], features: 1 }] },
      { range: range(10), status: 'unsupported', support: 0.004, summary: '“Oklahoma” carries almost none of the answer\'s influence (claim: 0.4%)', nodes: [], concepts: [] },
    ],
  };
  const v = reasoningView({ summary } as never);
  assert.deepEqual(v.claims.map((c) => c.kind), ['supported', 'unsupported']);
  assert.equal(v.claims[0].lens, 'through “Texas” features, 31% of the answer\'s influence');
  assert.match(v.claims[0].hover, new RegExp(`\\[2_5_4\\]\\(command:${SHOW_IN_GRAPH}\\?%5B%222_5_4%22%5D\\)`));
  assert.match(v.claims[1].hover, /No graph node matches this claim/);
  assert.deepEqual(v.diagnostics, [{ range: range(10), severity: 'warning', message: 'Unsupported by the trace: “Oklahoma” carries almost none of the answer\'s influence (claim: 0.4%).' }]);
  assert.equal(v.statusBar, '$(error) faithfulness 0.12');
  assert.match(v.headingLens, /^score 0\.12 · coverage 30% · unstated: “34” in the prompt .* 41%$/);
});
