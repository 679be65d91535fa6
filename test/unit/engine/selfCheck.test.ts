import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../../src/engine/errors';
import { runSelfCheck } from '../../../src/engine/selfCheck';

test('the self-check graph computes X·W with onnxruntime-node in this process', async () => {
  const result = await runSelfCheck();
  assert.deepEqual(result.output, [1, 2, 8, 10]);
  assert.equal(result.ok, true);
  assert.equal(result.onnxRuntimeVersion, '1.30.0');
});

test('the self-check stops with a cancelled error when its signal has fired', async () => {
  await assert.rejects(runSelfCheck({ signal: AbortSignal.abort() }), (e: unknown) => EngineError.is(e, 'cancelled'));
});
