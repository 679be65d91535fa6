import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGraphJson } from '../../../src/protocol/graph-json';
import { parseFromWebview, parseToWebview } from '../../../src/protocol/messages';

const selection = {
  type: 'showSelection',
  traceId: 't1',
  source: { fileName: 'a.txt', text: 'Hi there' },
  pieces: [{ text: 'Hi', offset: 0 }, { text: ' there', offset: 2 }],
};

test('a well-formed showSelection passes validation unchanged', () => {
  assert.deepEqual(parseToWebview(selection), { ok: true, message: selection });
});

test('host messages with a wrong shape are rejected with a reason', () => {
  const cases: unknown[] = [
    null,
    'showSelection',
    { type: 'nope' },
    { ...selection, traceId: 7 },
    { ...selection, pieces: [{ text: 'x', offset: -1 }] },
    { ...selection, source: { fileName: 'a' } },
    { type: 'engineStatus', status: { state: 'exploded', message: 'x' } },
  ];
  for (const data of cases) {
    const parsed = parseToWebview(data);
    assert.equal(parsed.ok, false, JSON.stringify(data));
    if (!parsed.ok) assert.ok(parsed.reason.length > 0);
  }
});

test('validation drops fields the protocol does not know', () => {
  const parsed = parseToWebview({ type: 'engineStatus', status: { state: 'ready', message: 'ok', extra: '<script>' }, more: 1 });
  assert.deepEqual(parsed, { ok: true, message: { type: 'engineStatus', status: { state: 'ready', message: 'ok' } } });
});

test('panel messages are validated field by field', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready' }), { ok: true, message: { type: 'ready' } });
  assert.deepEqual(parseFromWebview({ type: 'revealPiece', traceId: 't', index: 3 }), { ok: true, message: { type: 'revealPiece', traceId: 't', index: 3 } });
  const rendered = { type: 'rendered', traceId: null, pieceCount: 0, engineState: null, toolkit: true };
  assert.deepEqual(parseFromWebview(rendered), { ok: true, message: rendered });
  assert.equal(parseFromWebview({ type: 'revealPiece', traceId: 't', index: 1.5 }).ok, false);
  assert.equal(parseFromWebview({ ...rendered, engineState: 'bogus' }).ok, false);
  assert.equal(parseFromWebview({ type: 'runShell', command: 'rm' }).ok, false);
});

test('feature details on demand: the request names a feature key; the answer is a detail or null', () => {
  const request = { type: 'requestFeature', traceId: 't', featureKey: '1_40' };
  assert.deepEqual(parseFromWebview(request), { ok: true, message: request });
  assert.equal(parseFromWebview({ ...request, featureKey: '1_40_3' }).ok, false);
  const detail = { label: '→ Texas', top_logits: [' Texas'], examples: [{ tokens: ['a', ' b'], tokens_acts_list: [0, 2], quantile: 'Top activations' }] };
  const answer = { type: 'featureDetail', traceId: 't', featureKey: '1_40', detail };
  assert.deepEqual(parseToWebview(answer), { ok: true, message: answer });
  assert.equal(parseToWebview({ ...answer, detail: null }).ok, true);
  assert.equal(parseToWebview({ ...answer, detail: { examples: [{ tokens: ['a'], tokens_acts_list: ['x'] }] } }).ok, false);
  assert.deepEqual(parseFromWebview({ type: 'rendered', traceId: 't', pieceCount: 0, engineState: null, toolkit: true, graphNodes: 12 }),
    { ok: true, message: { type: 'rendered', traceId: 't', pieceCount: 0, engineState: null, toolkit: true, graphNodes: 12 } });
});

const record = {
  id: 'iv-1', at: '2025-01-01T00:00:00.000Z', title: 'Ablate Texas', nodeIds: ['1_230_9'], op: { kind: 'scale', factor: 0 }, where: 'node', mode: 'free', generate: 0,
  clean: { top: [{ id: 9533, token: ' Austin', prob: 0.62 }] }, intervened: { top: [{ id: 262, token: ' the', prob: 0.2 }] },
  targets: [{ id: 9533, token: ' Austin', cleanProb: 0.62, prob: 0.08, logitDelta: -2.6 }],
  changes: [{ nodeId: '2_44_10', clean: 5.5, intervened: 0.4, delta: -5.1 }],
};

test('interventions: the request names nodes, an operation with a finite number, where, mode and a bounded continuation', () => {
  const request = { type: 'intervene', traceId: 't', requestId: 'r', nodeIds: ['1_230_9', '2_44_10'], op: { kind: 'steer', strength: -2 }, where: 'all', mode: 'frozen', generate: 8, title: 'Steer Texas by -2' };
  assert.deepEqual(parseFromWebview(request), { ok: true, message: request });
  for (const bad of [
    { op: { kind: 'set', value: null } }, { op: { kind: 'scale', factor: 'x' } }, { op: { kind: 'explode' } }, { nodeIds: '1_230_9' },
    { mode: 'fast' }, { where: 'everywhere' }, { generate: -1 }, { generate: 65 }, { generate: 1.5 }, { requestId: 3 },
  ]) {
    const parsed = parseFromWebview({ ...request, ...bad });
    assert.equal(parsed.ok, false, JSON.stringify(bad));
  }
  assert.deepEqual(parseFromWebview({ type: 'cancelIntervention', traceId: 't', requestId: 'r' }), { ok: true, message: { type: 'cancelIntervention', traceId: 't', requestId: 'r' } });
  assert.equal(parseFromWebview({ type: 'cancelIntervention', traceId: 't' }).ok, false);
});

test('interventions: a result carries a well-formed record, a failure a sentence and whether it was cancelled', () => {
  const result = { type: 'interventionResult', traceId: 't', requestId: 'r', record };
  assert.deepEqual(parseToWebview(result), { ok: true, message: result });
  const fromEditor = { type: 'interventionResult', traceId: 't', record };
  assert.deepEqual(parseToWebview(fromEditor), { ok: true, message: fromEditor });
  assert.equal(parseToWebview({ ...result, record: { ...record, targets: [{ id: 1, token: 'x', cleanProb: 'high' }] } }).ok, false);
  assert.equal(parseToWebview({ ...result, record: { ...record, op: { kind: 'scale', factor: Infinity } } }).ok, false);
  const failed = { type: 'interventionFailed', traceId: 't', requestId: 'r', message: 'Only transcoder features can be changed.', cancelled: false };
  assert.deepEqual(parseToWebview(failed), { ok: true, message: failed });
  assert.equal(parseToWebview({ ...failed, cancelled: 'no' }).ok, false);
});

test('a graph file keeps its intervention results; malformed ones are skipped with a warning', () => {
  const graph = { metadata: { slug: 's', scan: 'x', prompt: 'p', prompt_tokens: ['p'] }, qParams: {}, nodes: [], links: [], selfTracing: { version: 1, interventions: [record, { id: 'broken' }] } };
  const parsed = parseGraphJson(graph);
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  assert.deepEqual(parsed.graph.selfTracing!.interventions, [record]);
  assert.match(parsed.warnings.join('\n'), /1 intervention result\(s\) in selfTracing\.interventions are malformed/);
});
