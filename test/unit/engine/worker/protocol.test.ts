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
  const withGraph = { ...ok, params: { ...ok.params, graph: { nodeThreshold: 0.8 } } };
  assert.deepEqual(parseToWorker(withGraph), withGraph);
  assert.match(parseToWorker({ ...ok, params: { ...ok.params, graph: { edgeThreshold: 2 } } }) as string, /invalid params/);
  assert.match(parseToWorker({ ...ok, params: { ...ok.params, graph: true } }) as string, /invalid params/);
  const ex = { kind: 'request', id: 3, method: 'explain', params: { modelDir: '/m', prompt: 'Q: hi?' } };
  assert.deepEqual(parseToWorker(ex), ex);
  assert.match(parseToWorker({ ...ex, params: { modelDir: '/m', prompt: 'Q', template: 3 } }) as string, /invalid params for explain/);
});

test('intervene requests are checked field by field', () => {
  const params = {
    modelDir: '/m',
    transcodersDir: '/m/transcoders',
    prompt: 'Fact: the capital of the state containing Dallas is',
    interventions: [{ features: [{ layer: 1, feature: 2 }], positions: [3, -1], op: { kind: 'scale', factor: 0 } }],
    mode: 'constrained',
    generate: 5,
  };
  const request = { kind: 'request', id: 3, method: 'intervene', params };
  assert.deepEqual(parseToWorker(request), request);
  const bad = (p: Record<string, unknown>) => parseToWorker({ ...request, params: { ...params, ...p } });
  assert.match(bad({ mode: 'sideways' }) as string, /invalid params/);
  assert.match(bad({ generate: -1 }) as string, /invalid params/);
  assert.match(bad({ transcodersDir: 7 }) as string, /invalid params/);
  assert.match(bad({ interventions: [{ features: [{ layer: 1 }], op: { kind: 'set', value: 1 } }] }) as string, /invalid params/);
  assert.match(bad({ interventions: [{ features: [{ layer: 1, feature: 2 }], op: { kind: 'set', value: '1' } }] }) as string, /invalid params/);
  assert.match(bad({ interventions: [{ features: [{ layer: 1, feature: 2 }], positions: 'some', op: { kind: 'steer', strength: 1 } }] }) as string, /invalid params/);
});

test('trace requests may name a feature folder and targets by id; featureDetail names one feature', () => {
  const trace = { kind: 'request', id: 5, method: 'trace', params: { modelDir: '/m', featureDir: '/m/features', prompt: 'x', options: { targetIds: [3] } } };
  assert.deepEqual(parseToWorker(trace), trace);
  assert.match(parseToWorker({ ...trace, params: { ...trace.params, options: { targetIds: [-1] } } }) as string, /invalid params for trace/);
  assert.match(parseToWorker({ ...trace, params: { ...trace.params, featureDir: 7 } }) as string, /invalid params for trace/);
  const detail = { kind: 'request', id: 6, method: 'featureDetail', params: { modelDir: '/m', layer: 1, feature: 40 } };
  assert.deepEqual(parseToWorker(detail), detail);
  assert.match(parseToWorker({ ...detail, params: { modelDir: '/m', layer: 1.5, feature: 40 } }) as string, /invalid params for featureDetail/);
});
