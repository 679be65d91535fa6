// Host side of the engine worker: starts the thread on first use, sends typed requests, forwards progress,
// cancels through AbortSignal, restarts after a crash, and rejects everything pending on dispose.
import { Worker } from 'node:worker_threads';
import { EngineError, cancelledError } from '../errors';
import type { ProgressSink } from '../progress';
import { parseFromWorker, type MethodName, type ParamsOf, type ResultOf, type ToWorker } from './protocol';

export type WorkerState = 'idle' | 'starting' | 'ready' | 'crashed' | 'disposed';

export interface EngineWorkerOptions {
  /** Absolute path of the built worker entry (dist/worker.js). */
  readonly workerPath: string;
  /** Where the client reports what it did not expect (malformed messages, crashes). */
  readonly log?: (line: string) => void;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressSink;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: EngineError): void;
  onProgress?: ProgressSink;
}

export class EngineWorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private currentState: WorkerState = 'idle';
  private readonly stateListeners = new Set<(state: WorkerState) => void>();

  constructor(private readonly options: EngineWorkerOptions) {}

  get state(): WorkerState {
    return this.currentState;
  }

  /** Calls `listener` on every state change; returns a function that unsubscribes. */
  onStateChange(listener: (state: WorkerState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  request<M extends MethodName>(method: M, params: ParamsOf<M>, options: CallOptions = {}): Promise<ResultOf<M>> {
    const { signal, onProgress } = options;
    if (this.currentState === 'disposed') return Promise.reject(new EngineError('workerDisposed', 'The engine has been shut down.'));
    if (signal?.aborted) return Promise.reject(cancelledError());
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.post(worker, { kind: 'cancel', id });
        reject(cancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (result) => { settle(); resolve(result as ResultOf<M>); },
        reject: (error) => { settle(); reject(error); },
        onProgress,
      });
      this.post(worker, { kind: 'request', id, method, params } as ToWorker);
    });
  }

  dispose(): void {
    if (this.currentState === 'disposed') return;
    this.rejectAll(new EngineError('workerDisposed', 'The engine has been shut down.'));
    const worker = this.worker;
    this.worker = undefined;
    this.setState('disposed');
    void worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerPath);
    this.worker = worker;
    this.setState('starting');
    worker.once('online', () => { if (this.worker === worker) this.setState('ready'); });
    worker.on('message', (data: unknown) => this.receive(data));
    worker.on('error', (err) => this.crashed(worker, err));
    worker.on('exit', (code) => this.crashed(worker, new Error(`worker exited with code ${code}`)));
    return worker;
  }

  private receive(data: unknown): void {
    const message = parseFromWorker(data);
    if (typeof message === 'string') {
      this.options.log?.(`engine worker sent a malformed message (${message}); ignored`);
      return;
    }
    const call = this.pending.get(message.id);
    if (!call) return; // answer to a cancelled call: the caller has already been told
    switch (message.kind) {
      case 'progress':
        call.onProgress?.(message.progress);
        return;
      case 'result':
        this.pending.delete(message.id);
        call.resolve(message.result);
        return;
      case 'error':
        this.pending.delete(message.id);
        call.reject(EngineError.fromData(message.error));
        return;
      default:
        return assertNever(message);
    }
  }

  private crashed(worker: Worker, err: Error): void {
    if (this.worker !== worker) return; // a terminated or replaced worker
    this.worker = undefined;
    this.options.log?.(`engine worker stopped: ${err.stack ?? err.message}`);
    this.setState('crashed');
    this.rejectAll(EngineError.from(err, 'workerCrashed', 'The engine stopped unexpectedly; it restarts on the next request.'));
  }

  private rejectAll(error: EngineError): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(error);
  }

  private post(worker: Worker, message: ToWorker): void {
    worker.postMessage(message);
  }

  private setState(state: WorkerState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}
