// Entry of the engine (dist/worker.js), run as a child process of the host (worker/client.ts) — or as a worker
// thread where a caller starts it so: validates each request, runs its handler, answers with the result, an error
// value or progress, and aborts a call when the host sends `cancel`. When the host goes away (the IPC channel
// closes) it cancels what runs and exits, so an engine never outlives its host.
import { parentPort } from 'node:worker_threads';
import { EngineError } from '../errors';
import type { Progress } from '../progress';
import { callHandler } from './handlers';
import type { FromWorker } from './messages';
import { parseToWorker } from './protocol';

interface Channel {
  send(message: FromWorker): void;
  onMessage(listener: (data: unknown) => void): void;
}

function channel(): Channel {
  const port = parentPort;
  if (port) return { send: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l) };
  if (!process.send) throw new Error('dist/worker.js must run as a child process with an IPC channel (or a worker thread)');
  return {
    // a host that is gone cannot be answered: drop the message rather than throw
    send: (m) => { if (process.connected) process.send!(m, undefined, {}, () => {}); },
    onMessage: (l) => process.on('message', l),
  };
}

const io = channel();
const running = new Map<number, AbortController>();

io.onMessage((data: unknown) => {
  const message = parseToWorker(data);
  if (typeof message === 'string') {
    const id = typeof (data as { id?: unknown })?.id === 'number' ? (data as { id: number }).id : -1;
    if (id >= 0) io.send({ kind: 'error', id, error: new EngineError('badRequest', `The engine refused a malformed request (${message}).`, message).toData() });
    return;
  }
  if (message.kind === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const { id } = message;
  const controller = new AbortController();
  running.set(id, controller);
  const onProgress = (progress: Progress) => io.send({ kind: 'progress', id, progress });
  callHandler(message.method, message.params, { signal: controller.signal, onProgress })
    .then((result) => io.send({ kind: 'result', id, result }))
    .catch((err: unknown) => io.send({ kind: 'error', id, error: EngineError.from(err).toData() }))
    .finally(() => {
      running.delete(id);
      if (disconnected && running.size === 0) process.exit(0);
    });
});

let disconnected = false;
if (!parentPort) {
  process.on('disconnect', () => {
    // cooperative first: every running call stops at its next cancellation check, then the process ends
    disconnected = true;
    for (const c of running.values()) c.abort();
    if (running.size === 0) process.exit(0);
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
