import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { effectInWords, graphTargets, targetChangeSentence, topFeatureAt } from '../../../../src/extension/interventions/interventionRecord';
import { featuresAt } from '../../../../src/extension/trace/hoverContent';
import type { GraphJson, InterventionRecord } from '../../../../src/protocol/graph-json';

const dallas = JSON.parse(readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8')) as GraphJson;

test("the graph's logits are the targets, by token id; the top feature at a token is the first one the hover lists", () => {
  assert.deepEqual(graphTargets(dallas), [9533, 3936, 262]);
  assert.equal(topFeatureAt(dallas, 9)?.node_id, '1_230_9', '" Dallas": Texas is the most influential there (not the most active, Dallas 7.9)');
  assert.equal(topFeatureAt(dallas, 9)?.node_id, featuresAt(dallas, 9)[0].node.node_id, 'the hover lists it first');
  assert.equal(topFeatureAt(dallas, 10)?.node_id, featuresAt(dallas, 10).find((f) => typeof f.node.activation === 'number')?.node.node_id);
  assert.equal(topFeatureAt(dallas, 0), undefined, 'BOS has no feature');
});

test("the notification's sentence names the target's probability before and after and the change in points", () => {
  const r = { targets: [{ id: 3936, token: ' Texas', cleanProb: 0.11, prob: 0.2, logitDelta: 1 }, { id: 9533, token: ' Austin', cleanProb: 0.62, prob: 0.081, logitDelta: -2 }], clean: { top: [] }, intervened: { top: [] } } as unknown as InterventionRecord;
  assert.equal(targetChangeSentence(r, 9533), 'P(" Austin") 62.0% → 8.1% (−53.9 points)');
  assert.equal(targetChangeSentence(r), 'P(" Texas") 11.0% → 20.0% (+9.0 points)', 'without a target id: the first output');
});

test('the effect in words: almost none under 1 point, small, clear, large; a new top output is named', () => {
  const rec = (cleanProb: number, prob: number, newTop = 9533) => ({
    targets: [{ id: 9533, token: ' Austin', cleanProb, prob, logitDelta: 0 }],
    clean: { top: [{ id: 9533, token: ' Austin' }] }, intervened: { top: [{ id: newTop, token: newTop === 9533 ? ' Austin' : ' Dallas' }] },
  }) as unknown as InterventionRecord;
  assert.match(effectInWords(rec(0.99, 0.986), 9533), /^Almost no effect: the model does not need this alone to say " Austin"/);
  assert.match(effectInWords(rec(0.99, 0.96), 9533), /^A small effect: " Austin" becomes slightly less likely/);
  assert.match(effectInWords(rec(0.62, 0.5), 9533), /^A clear effect/);
  assert.match(effectInWords(rec(0.62, 0.081, 1), 9533), /^A large effect: " Austin" becomes much less likely.*The top output is now " Dallas"/);
});
