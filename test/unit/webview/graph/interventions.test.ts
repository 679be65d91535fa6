import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { GraphJson, InterventionRecord } from '../../../../src/protocol/graph-json';
import { buildRequest, subjectOf } from '../../../../webview/graph/interveneForm';
import { buildModel } from '../../../../webview/graph/model';
import { barRows, interventionMarks, pctPair } from '../../../../webview/graph/results';
import { defaultViewState, type InterventionForm } from '../../../../webview/graph/store';

const dallas = JSON.parse(readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8')) as GraphJson;
const form = (patch: Partial<InterventionForm> = {}): InterventionForm => ({ ...defaultViewState().interventionForm, ...patch });

test('the form becomes a request: each operation, the default amount, and a sentence for what cannot be sent', () => {
  const subject = { nodeIds: ['1_230_9'], name: 'Texas' };
  const req = (f: InterventionForm) => buildRequest(f, subject, 'r');
  assert.deepEqual(req(form()), { request: { requestId: 'r', nodeIds: ['1_230_9'], op: { kind: 'scale', factor: 0 }, where: 'node', mode: 'free', generate: 0, title: 'Ablate Texas' } });
  assert.deepEqual((req(form({ kind: 'amplify' })) as { request: { op: unknown } }).request.op, { kind: 'scale', factor: 2 }, 'an empty amount takes the shown default');
  assert.deepEqual((req(form({ kind: 'set', amount: ' -1.5 ' })) as { request: { op: unknown; title: string } }).request.title, 'Set Texas = -1.5');
  assert.deepEqual((req(form({ kind: 'steer', amount: '4', where: 'all', generate: '3' })) as { request: unknown }).request,
    { requestId: 'r', nodeIds: ['1_230_9'], op: { kind: 'steer', strength: 4 }, where: 'all', mode: 'free', generate: 3, title: 'Steer Texas by 4 at every position' });
  assert.deepEqual(req(form({ kind: 'steer', amount: 'four' })), { error: 'The strength must be a number, not "four".' });
  assert.match((req(form({ generate: '2.5' })) as { error: string }).error, /whole number of tokens from 0 to 64/);
  assert.match((req(form({ where: 'generated' })) as { error: string }).error, /needs a continuation/);
});

test("the form's subject: the clicked feature, it with the pinned nodes, or a supernode's members; nothing for other nodes", () => {
  const model = buildModel(dallas);
  const s = { ...defaultViewState(), clickedId: '1_230_9', pinnedIds: ['2_44_10'], supernodes: [['Texas', '1_230_9', '2_44_10']] };
  assert.deepEqual(subjectOf(model, s), { nodeIds: ['1_230_9'], name: 'Texas' });
  assert.deepEqual(subjectOf(model, { ...s, interventionForm: form({ subject: 'pinned' }) }), { nodeIds: ['1_230_9', '2_44_10'], name: '2 pinned nodes' });
  assert.deepEqual(subjectOf(model, { ...s, clickedId: 'sn:0' }), { nodeIds: ['1_230_9', '2_44_10'], name: 'Texas' });
  for (const other of ['4_9533_10', 'E_8533_9', '1_-1_10']) assert.equal(subjectOf(model, { ...s, clickedId: other }), null, other);
});

const tok = (id: number, token: string, prob: number) => ({ id, token, prob });
const record: InterventionRecord = {
  id: 'r', at: '', title: 'Ablate Texas', nodeIds: ['1_230_9'], op: { kind: 'scale', factor: 0 }, where: 'node', mode: 'free', generate: 0,
  clean: { top: [tok(1, ' Austin', 0.6), tok(2, ' Texas', 0.1), tok(3, ' the', 0.05)] },
  intervened: { top: [tok(4, ' Sacramento', 0.3), tok(3, ' the', 0.2), tok(1, ' Austin', 0.05)] },
  targets: [{ id: 2, token: ' Texas', cleanProb: 0.1, prob: 0.01, logitDelta: -2 }],
  changes: [{ nodeId: '2_44_10', clean: 5, intervened: 1, delta: -4 }, { nodeId: '3_5_10', clean: 1, intervened: 3, delta: 2 }, { nodeId: '9_9_9', clean: 0, intervened: 9, delta: 9 }],
};

test('result bars: clean top tokens first, then ones the intervention brought up, each with both probabilities', () => {
  assert.deepEqual(barRows(record, 4), [
    { token: ' Austin', clean: 0.6, after: 0.05 },
    { token: ' Texas', clean: 0.1, after: 0.01 },
    { token: ' Sacramento', clean: 0, after: 0.3 },
    { token: ' the', clean: 0.05, after: 0.2 },
  ]);
});

test('marks: the changed nodes dashed, and the graph nodes that changed most, by direction and relative size', () => {
  const model = buildModel(dallas);
  assert.deepEqual(interventionMarks(record, (id) => model.byId.has(id)), [
    { id: '1_230_9', kind: 'intervened', scale: 0 },
    { id: '2_44_10', kind: 'changed down', scale: 1 },
    { id: '3_5_10', kind: 'changed up', scale: 0.5 },
  ]);
  assert.deepEqual(interventionMarks(undefined, () => true), []);
});

test('before → after reads differently whenever the values differ (never "99% → 99%"), and plainly when they do not', () => {
  assert.equal(pctPair(0.988, 0.99), '98.8% → 99.0%');
  assert.equal(pctPair(0.4, 0.62), '40% → 62%');
  assert.equal(pctPair(0.05, 0.051), '5.0% → 5.1%');
  assert.equal(pctPair(0.9881, 0.9882), '98.81% → 98.82%');
  assert.equal(pctPair(0.99, 0.99), '99% → 99%');
  // across 10 %: each as it reads alone, unless they would read as the same number
  assert.equal(pctPair(0.0996, 0.1004), '9.96% → 10.04%');
  assert.equal(pctPair(0.62, 0.08), '62% → 8.0%');
  assert.equal(pctPair(0.5, 0.05), '50% → 5.0%');
});
