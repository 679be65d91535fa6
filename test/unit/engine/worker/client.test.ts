import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../../../src/engine/errors';
import type { Progress } from '../../../../src/engine/progress';
import { EngineWorkerClient, type WorkerState } from '../../../../src/engine/worker/client';

// The real worker bundle (scripts/run-node-tests.mjs builds dist/ first), and small fake workers for the failure paths.
const realWorker = path.resolve('dist/worker.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-tracing-worker-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fakeWorker(name: string, onMessage: string): string {
  const file = path.join(tmp, `${name}.js`);
  // a child process like dist/worker.js: `parentPort.postMessage` in the snippets is process.send
  fs.writeFileSync(file, `const parentPort = { postMessage: (x) => process.send(x) };\nprocess.on('disconnect', () => process.exit(0));\nprocess.on('message', (m) => { ${onMessage} });\n`);
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
    assert.ok(result.pid !== undefined && result.pid !== process.pid, 'answered from another process than the host');
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

// Issue 17, item 3: the engine runs in its own process, so killing it — as onnxruntime's abort or the OOM killer
// would — ends only the engine; the host is told, and the next request starts a new engine.
const fixtureModel = path.resolve('test/fixtures/gpt2-tiny');
const traceParams = { modelDir: fixtureModel, transcodersDir: path.resolve('test/fixtures/interventions/gpt2-tiny-transcoders'), prompt: 'hello world, hello', options: { maxFeatureNodes: null } };

for (const signal of ['SIGKILL', 'SIGABRT', 'SIGSEGV'] as const) {
  test(`the engine killed by ${signal} mid-trace fails that trace with workerCrashed, and the next trace works`, async () => {
    const lines: string[] = [];
    const client = new EngineWorkerClient({ workerPath: realWorker, log: (l) => lines.push(l) });
    try {
      const hostPid = process.pid;
      let killed = false;
      const first = client.request('trace', traceParams, {
        onProgress: () => {
          if (killed) return;
          killed = true;
          assert.notEqual(client.pid, hostPid);
          process.kill(client.pid!, signal);
        },
      });
      const err = await rejection(first);
      assert.ok(killed, 'killed while the trace ran');
      assert.equal(err.code, 'workerCrashed');
      assert.match(err.detail ?? '', new RegExp(signal));
      assert.equal(client.state, 'crashed');
      assert.ok(lines.some((l) => l.includes(signal)), 'the crash is logged');
      const again = await client.request('trace', traceParams);
      assert.ok(again.graph.nodes.length > 0, 'crash recovery: a new engine traces');
    } finally {
      client.dispose();
    }
  });
}

test('dispose mid-trace cancels cooperatively: the engine exits by itself within the grace period, without a kill', async () => {
  const client = new EngineWorkerClient({ workerPath: realWorker, shutdownGraceMs: 20_000 });
  let pid: number | undefined;
  const started = new Promise<void>((resolve) => {
    void client.request('trace', traceParams, { onProgress: () => { pid ??= client.pid; resolve(); } }).catch(() => {});
  });
  await started;
  const t0 = Date.now();
  client.dispose();
  while (isAlive(pid!) && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(isAlive(pid!), false, 'the engine process is gone');
  assert.ok(Date.now() - t0 < 15_000, 'it went by itself, long before the kill at 20 s');
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
