// The extension's handle on the engine worker: owns the client, turns worker answers into an EngineStatus that
// the status bar and the panel show, and logs what happened.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import type { Progress } from '../engine/progress';
import { EngineWorkerClient } from '../engine/worker/client';
import type { PingResult } from '../engine/worker/protocol';
import type { EngineStatus } from '../protocol/messages';
import type { CallOptions } from '../engine/worker/client';
import type { MethodName, ParamsOf, ResultOf } from '../engine/worker/protocol';

export function describePing(result: PingResult): string {
  const check = result.selfCheck;
  if (!check) return `worker thread ${result.threadId} answered`;
  const verdict = check.ok ? 'ready' : 'gave a wrong self-check result';
  return `onnxruntime ${check.onnxRuntimeVersion} ${verdict} (self-check ${check.elapsedMs.toFixed(0)} ms, worker thread ${result.threadId})`;
}

export class Engine implements vscode.Disposable {
  private readonly client: EngineWorkerClient;
  private readonly statusEmitter = new vscode.EventEmitter<EngineStatus>();
  private current: EngineStatus = { state: 'starting', message: 'The engine starts on first use.' };
  readonly onDidChangeStatus = this.statusEmitter.event;

  constructor(extensionPath: string, private readonly log: vscode.LogOutputChannel) {
    this.client = new EngineWorkerClient({
      workerPath: path.join(extensionPath, 'dist', 'worker.js'),
      log: (line) => log.warn(line),
    });
  }

  get status(): EngineStatus {
    return this.current;
  }

  /** One engine request in the worker (compareReasoning, explain, …); failures reject with an EngineError. */
  request<M extends MethodName>(method: M, params: ParamsOf<M>, options: CallOptions = {}): Promise<ResultOf<M>> {
    return this.client.request(method, params, options);
  }

  /** Pings the worker and runs the onnxruntime self-check; the status follows the outcome. */
  async check(options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<PingResult> {
    this.setStatus({ state: 'checking', message: 'Checking the engine…' });
    try {
      const result = await this.client.request('ping', { selfCheck: true }, options);
      const message = describePing(result);
      this.log.info(`engine check: ${message}`);
      this.setStatus({ state: result.selfCheck?.ok === false ? 'error' : 'ready', message });
      return result;
    } catch (err) {
      const error = EngineError.from(err);
      this.log.error(`engine check failed [${error.code}]: ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
      this.setStatus(error.code === 'cancelled'
        ? { state: 'starting', message: 'Engine check cancelled.' }
        : { state: 'error', message: error.message });
      throw error;
    }
  }

  dispose(): void {
    this.client.dispose();
    this.statusEmitter.dispose();
  }

  private setStatus(status: EngineStatus): void {
    this.current = status;
    this.statusEmitter.fire(status);
  }
}
