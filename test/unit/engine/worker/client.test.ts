import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../../../src/engine/errors';
import type { Progress } from '../../../../src/engine/progress';
import { EngineWorkerClient, type WorkerState } from '../../../../src/engine/worker/client';

// The real worker bundle (scripts/run-unit.mjs builds dist/ first), and small fake workers for the failure paths.
const realWorker = path.resolve('dist/worker.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-tracing-worker-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fakeWorker(name: string, onMessage: string): string {
  const file = path.join(tmp, `${name}.js`);
  fs.writeFileSync(file, `const { parentPort } = require('node:worker_threads');\nparentPort.on('message', (m) => { ${onMessage} });\n`);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  const err = await promise.then(() => assert.fail('expected a rejection'), (e: unknown) => e);
  assert.ok(err instanceof EngineError, `expected an EngineError, got ${String(err)}`);
  return err;
}

test('the real worker answers ping with a passing onnxruntime self-check and reports progress', async () => {
  const client = new EngineWorkerClient({ workerPath: realWorker });
  const progress: Progress[] = [];
  try {
    const result = await client.request('ping', { selfCheck: true }, { onProgress: (p) => progress.push(p) });
    assert.ok(result.threadId > 0, 'answered from a worker thread, not the main thread');
    assert.equal(result.selfCheck?.ok, true);
    assert.deepEqual(result.selfCheck?.output, [1, 2, 8, 10]);
    assert.ok(progress.length >= 2 && progress.at(-1)?.fraction === 1, JSON.stringify(progress));
    assert.equal(client.state, 'ready');
  } finally {
    client.dispose();
  }
});

test('the real worker answers a malformed request with a badRequest error instead of crashing', async () => {
  const client = new EngineWorkerClient({ workerPath: realWorker });
  try {
    const err = await rejection(client.request('ping', { selfCheck: 'yes' } as never));
    assert.equal(err.code, 'badRequest');
    assert.equal((await client.request('ping', { selfCheck: false })).selfCheck, undefined, 'still answers afterwards');
  } finally {
    client.dispose();
  }
});

test('a signal aborted before the call rejects with cancelled without starting a worker', async () => {
  const client = new EngineWorkerClient({ workerPath: realWorker });
  const err = await rejection(client.request('ping', { selfCheck: false }, { signal: AbortSignal.abort() }));
  assert.equal(err.code, 'cancelled');
  assert.equal(client.state, 'idle');
  client.dispose();
});

test('aborting an in-flight call rejects it at once and sends cancel to the worker', async () => {
  // this worker never answers requests and exits with code 3 when it receives cancel
  const client = new EngineWorkerClient({ workerPath: fakeWorker('silent', `if (m.kind === 'cancel') process.exit(3);`) });
  const states: WorkerState[] = [];
  client.onStateChange((s) => states.push(s));
  const controller = new AbortController();
  const call = client.request('ping', { selfCheck: false }, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  assert.equal((await rejection(call)).code, 'cancelled');
  const deadline = Date.now() + 5000;
  while (client.state !== 'crashed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(client.state, 'crashed', `the worker got the cancel message (states: ${states.join(' → ')})`);
  client.dispose();
});

test('a crashing worker rejects pending calls with workerCrashed and is restarted by the next call', async () => {
  const lines: string[] = [];
  const client = new EngineWorkerClient({ workerPath: fakeWorker('crash', `throw new Error('boom in worker');`), log: (l) => lines.push(l) });
  const err = await rejection(client.request('ping', { selfCheck: false }));
  assert.equal(err.code, 'workerCrashed');
  assert.match(err.detail ?? '', /boom in worker/);
  assert.ok(lines.some((l) => l.includes('boom in worker')), 'the crash is logged');
  assert.equal(client.state, 'crashed');
  const again = client.request('ping', { selfCheck: false });
  assert.equal(client.state, 'starting', 'a new worker starts');
  assert.equal((await rejection(again)).code, 'workerCrashed');
  client.dispose();
});

test('malformed worker messages are logged and ignored', async () => {
  const lines: string[] = [];
  const client = new EngineWorkerClient({
    workerPath: fakeWorker('noisy', `parentPort.postMessage({ kind: 'shout', id: m.id }); parentPort.postMessage({ kind: 'result', id: m.id, result: { threadId: 9, uptimeMs: 1 } });`),
    log: (l) => lines.push(l),
  });
  try {
    assert.deepEqual(await client.request('ping', { selfCheck: false }), { threadId: 9, uptimeMs: 1 });
    assert.ok(lines.some((l) => /malformed/.test(l)), lines.join('\n'));
  } finally {
    client.dispose();
  }
});

test('dispose rejects pending calls and later requests with workerDisposed', async () => {
  const client = new EngineWorkerClient({ workerPath: fakeWorker('never', '') });
  const pending = client.request('ping', { selfCheck: false });
  client.dispose();
  assert.equal((await rejection(pending)).code, 'workerDisposed');
  assert.equal((await rejection(client.request('ping', { selfCheck: false }))).code, 'workerDisposed');
  assert.equal(client.state, 'disposed');
});
