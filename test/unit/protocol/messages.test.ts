import assert from 'node:assert/strict';
import { test } from 'node:test';
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
