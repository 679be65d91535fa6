import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFromWorker, parseToWorker } from '../../../../src/engine/worker/protocol';

test('requests for known methods with valid params are accepted', () => {
  const request = { kind: 'request', id: 1, method: 'ping', params: { selfCheck: false } };
  assert.deepEqual(parseToWorker(request), request);
  assert.deepEqual(parseToWorker({ kind: 'cancel', id: 4 }), { kind: 'cancel', id: 4 });
});

test('requests with unknown methods, bad params or bad ids are rejected with a reason', () => {
  assert.match(parseToWorker({ kind: 'request', id: 1, method: 'format', params: {} }) as string, /unknown method/);
  assert.match(parseToWorker({ kind: 'request', id: 1, method: 'toString', params: {} }) as string, /unknown method/);
  assert.match(parseToWorker({ kind: 'request', id: 1, method: 'ping', params: { selfCheck: 'yes' } }) as string, /invalid params/);
  assert.match(parseToWorker({ kind: 'request', id: -1, method: 'ping', params: { selfCheck: true } }) as string, /numeric id/);
});

test('worker answers are checked: error codes and progress must be well formed', () => {
  assert.deepEqual(parseFromWorker({ kind: 'result', id: 2, result: { any: 1 } }), { kind: 'result', id: 2, result: { any: 1 } });
  const error = { code: 'cancelled', message: 'The operation was cancelled.' };
  assert.deepEqual(parseFromWorker({ kind: 'error', id: 2, error }), { kind: 'error', id: 2, error });
  assert.equal(typeof parseFromWorker({ kind: 'error', id: 2, error: { code: 'boom', message: 'x' } }), 'string');
  assert.equal(typeof parseFromWorker({ kind: 'progress', id: 2, progress: { fraction: 0.5 } }), 'string');
  assert.equal(typeof parseFromWorker({ kind: 'log', id: 2 }), 'string');
});

test('compareReasoning and explain requests are validated', () => {
  const ok = { kind: 'request', id: 2, method: 'compareReasoning', params: { modelDir: '/m', markdown: '## Prompt\nx', file: 'a.md', maxFeatureNodes: 64 } };
  assert.deepEqual(parseToWorker(ok), ok);
  assert.match(parseToWorker({ ...ok, params: { modelDir: '/m' } }) as string, /invalid params for compareReasoning/);
  assert.match(parseToWorker({ ...ok, params: { ...ok.params, maxFeatureNodes: 0 } }) as string, /invalid params/);
  const ex = { kind: 'request', id: 3, method: 'explain', params: { modelDir: '/m', prompt: 'Q: hi?' } };
  assert.deepEqual(parseToWorker(ex), ex);
  assert.match(parseToWorker({ ...ex, params: { modelDir: '/m', prompt: 'Q', template: 3 } }) as string, /invalid params for explain/);
});
