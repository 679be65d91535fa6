// Host side of the engine: starts the engine in a CHILD PROCESS on first use (never a thread of the host: a native
// abort inside onnxruntime, an out-of-memory or a kill then ends only the engine, not the extension host), sends
// typed requests, forwards progress, cancels through AbortSignal (cooperatively: the engine stops at its next check),
// restarts after a crash, and on dispose cancels what runs, lets the engine exit, and kills it only if it does not.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { EngineError, cancelledError } from '../errors';
import type { ProgressSink } from '../progress';
import type { MethodName, ParamsOf, ResultOf, ToWorker } from './messages';
import { parseFromWorker } from './protocol';

export type WorkerState = 'idle' | 'starting' | 'ready' | 'crashed' | 'disposed';

export interface EngineWorkerOptions {
  /** Absolute path of the built engine entry (dist/worker.js). */
  readonly workerPath: string;
  /** Where the client reports what it did not expect (malformed messages, crashes, the engine's stderr). */
  readonly log?: (line: string) => void;
  /** How long a disposed engine may take to stop by itself before it is killed (default 2 s). */
  readonly shutdownGraceMs?: number;
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

/** The last lines the engine wrote to stderr, kept for the crash message's detail. */
const STDERR_LINES = 40;

export class EngineWorkerClient {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private currentState: WorkerState = 'idle';
  private readonly stateListeners = new Set<(state: WorkerState) => void>();
  private stderrTail: string[] = [];

  constructor(private readonly options: EngineWorkerOptions) {}

  get state(): WorkerState {
    return this.currentState;
  }

  /** The engine process's id while one runs (for the log and the tests that kill it). */
  get pid(): number | undefined {
    return this.child?.pid;
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
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.post(child, { kind: 'cancel', id });
        reject(cancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (result) => { settle(); resolve(result as ResultOf<M>); },
        reject: (error) => { settle(); reject(error); },
        onProgress,
      });
      this.post(child, { kind: 'request', id, method, params } as ToWorker);
    });
  }

  /**
   * Rejects everything pending, asks the engine to cancel it, and closes the channel: the engine exits by itself
   * (worker/main.ts) once its current step ends; after the grace period it is killed. The host never waits for it.
   */
  dispose(): void {
    if (this.currentState === 'disposed') return;
    const ids = [...this.pending.keys()];
    this.rejectAll(new EngineError('workerDisposed', 'The engine has been shut down.'));
    const child = this.child;
    this.child = undefined;
    this.setState('disposed');
    if (child) stopChild(child, ids, this.options.shutdownGraceMs ?? 2000);
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    this.stderrTail = [];
    const child = fork(this.options.workerPath, [], {
      // the extension host's binary is Electron: this makes it run the engine as plain Node
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      // no inherited --inspect or loader flags from the host
      execArgv: [],
      // not the host's folder (VS Code's may be the open, possibly untrusted, workspace): a relative name the engine
      // meets (a repo id that is also a folder name) is never looked up there
      cwd: path.dirname(this.options.workerPath),
      // typed arrays and large objects cross as structured clones, as they did between threads
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.setState('starting');
    child.once('spawn', () => { if (this.child === child) this.setState('ready'); });
    child.on('message', (data: unknown) => { if (this.child === child) this.receive(data); });
    child.on('error', (err) => this.crashed(child, err));
    // 'close', not 'exit': by then the stderr of a crash (an abort's message, a stack) has been read
    child.on('close', (code, signal) => this.crashed(child, new Error(signal ? `the engine process was ended by ${signal}` : `the engine process exited with code ${code}`)));
    const lines = (prefix: string) => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (!line) continue;
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_LINES) this.stderrTail.shift();
        this.options.log?.(`engine ${prefix}: ${line}`);
      }
    };
    child.stdout?.on('data', lines('stdout'));
    child.stderr?.on('data', lines('stderr'));
    return child;
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

  private crashed(child: ChildProcess, err: Error): void {
    if (this.child !== child) return; // a stopped or replaced engine
    this.child = undefined;
    const tail = this.stderrTail.length ? `\n${this.stderrTail.join('\n')}` : '';
    this.options.log?.(`engine worker stopped: ${err.message}${tail}`);
    this.setState('crashed');
    const error = new EngineError('workerCrashed', 'The engine stopped unexpectedly; it restarts on the next request.', `${err.stack ?? err.message}${tail}`);
    this.rejectAll(error);
  }

  private rejectAll(error: EngineError): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(error);
  }

  private post(child: ChildProcess, message: ToWorker): void {
    if (!child.connected) return; // exiting: its 'exit' rejects what is pending
    child.send(message, (err) => {
      if (err) this.options.log?.(`could not send ${message.kind} to the engine: ${err.message}`);
    });
  }

  private setState(state: WorkerState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

/** Cancel, then close the channel (the engine exits on disconnect), then kill only if it is still there. */
function stopChild(child: ChildProcess, running: number[], graceMs: number): void {
  child.removeAllListeners('message');
  child.on('error', () => {}); // a failed send to an exiting engine is not the host's problem
  if (child.connected) {
    for (const id of running) child.send({ kind: 'cancel', id } satisfies ToWorker, () => {});
    child.disconnect();
  }
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  timer.unref(); // the host may exit first: the engine then exits on its own when the channel closes
  child.once('exit', () => clearTimeout(timer));
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}
