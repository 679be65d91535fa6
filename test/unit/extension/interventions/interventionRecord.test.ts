import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { graphTargets, targetChangeSentence, topFeatureAt } from '../../../../src/extension/interventions/interventionRecord';
import type { GraphJson, InterventionRecord } from '../../../../src/protocol/graph-json';

const dallas = JSON.parse(readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8')) as GraphJson;

test("the graph's logits are the targets, by token id; the top feature at a token is its most active feature node", () => {
  assert.deepEqual(graphTargets(dallas), [9533, 3936, 262]);
  assert.equal(topFeatureAt(dallas, 9)?.node_id, '0_101_9', '" Dallas": 7.9 beats Texas 6.3 and Texas cities 3.1');
  assert.equal(topFeatureAt(dallas, 10)?.node_id, '3_77_10');
  assert.equal(topFeatureAt(dallas, 0), undefined, 'BOS has no feature');
});

test("the notification's sentence names the target's probability before and after and the change in points", () => {
  const r = { targets: [{ id: 3936, token: ' Texas', cleanProb: 0.11, prob: 0.2, logitDelta: 1 }, { id: 9533, token: ' Austin', cleanProb: 0.62, prob: 0.081, logitDelta: -2 }], clean: { top: [] }, intervened: { top: [] } } as unknown as InterventionRecord;
  assert.equal(targetChangeSentence(r, 9533), 'P(" Austin") 62.0% → 8.1% (−53.9 points)');
  assert.equal(targetChangeSentence(r), 'P(" Texas") 11.0% → 20.0% (+9.0 points)', 'without a target id: the first output');
});
