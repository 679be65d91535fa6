// Entry of the engine worker thread (dist/worker.js): validates each request, runs its handler, answers with the
// result, an error value or progress, and aborts a call when the host sends `cancel`.
import { parentPort } from 'node:worker_threads';
import { EngineError } from '../errors';
import type { Progress } from '../progress';
import { callHandler } from './handlers';
import { parseToWorker, type FromWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('dist/worker.js must run as a worker thread');

const running = new Map<number, AbortController>();
const send = (message: FromWorker) => port.postMessage(message);

port.on('message', (data: unknown) => {
  const message = parseToWorker(data);
  if (typeof message === 'string') {
    const id = typeof (data as { id?: unknown })?.id === 'number' ? (data as { id: number }).id : -1;
    if (id >= 0) send({ kind: 'error', id, error: new EngineError('badRequest', `The engine refused a malformed request (${message}).`, message).toData() });
    return;
  }
  if (message.kind === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const { id } = message;
  const controller = new AbortController();
  running.set(id, controller);
  const onProgress = (progress: Progress) => send({ kind: 'progress', id, progress });
  callHandler(message.method, message.params, { signal: controller.signal, onProgress })
    .then((result) => send({ kind: 'result', id, result }))
    .catch((err: unknown) => send({ kind: 'error', id, error: EngineError.from(err).toData() }))
    .finally(() => running.delete(id));
});
