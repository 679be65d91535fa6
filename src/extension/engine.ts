// The extension's handle on the engine worker: owns the client, runs checks, traces and feature look-ups, turns
// worker answers into an EngineStatus that the status bar and the panel show, and logs what happened.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import type { Progress } from '../engine/progress';
import { EngineWorkerClient } from '../engine/worker/client';
import type { FeatureDetailParams, FeatureDetailResult, PingResult, TraceParams } from '../engine/worker/messages';
import type { TraceResult } from '../engine/trace';
import type { EngineStatus } from '../protocol/messages';
import type { CallOptions } from '../engine/worker/client';
import type { MethodName, ParamsOf, ResultOf } from '../engine/worker/messages';

export function describePing(result: PingResult): string {
  const check = result.selfCheck;
  const where = result.pid !== undefined ? `engine process ${result.pid}` : `worker thread ${result.threadId}`;
  if (!check) return `${where} answered`;
  const verdict = check.ok ? 'ready' : 'gave a wrong self-check result';
  return `onnxruntime ${check.onnxRuntimeVersion} ${verdict} (self-check ${check.elapsedMs.toFixed(0)} ms, ${where})`;
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

  /** Traces a prompt in the worker (loading the model on first use); the status says what happened. */
  async trace(params: TraceParams, options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<TraceResult> {
    const model = path.basename(params.modelDir);
    this.setStatus({ state: 'checking', message: `Tracing with ${model}…` });
    const t0 = performance.now();
    try {
      const result = await this.client.request('trace', params, options);
      const g = result.graph;
      const message = `${model}: traced ${result.tokens.length} tokens into ${g.nodes.length} nodes in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
      this.log.info(message);
      for (const w of result.warnings ?? []) {
        this.log.warn(w);
        void vscode.window.showWarningMessage(`Self-Tracing: ${w}`);
      }
      this.setStatus({ state: 'ready', message });
      return result;
    } catch (err) {
      const error = EngineError.from(err);
      this.log.error(`trace failed [${error.code}]: ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
      // a prompt the model cannot take says nothing about the engine
      this.setStatus(error.code === 'cancelled' || error.code === 'badInput'
        ? { state: 'ready', message: error.code === 'cancelled' ? 'Trace cancelled.' : error.message }
        : { state: 'error', message: error.message });
      throw error;
    }
  }

  /** A feature's full details from the model's feature index, or null when there is none. */
  featureDetail(params: FeatureDetailParams): Promise<FeatureDetailResult> {
    return this.client.request('featureDetail', params);
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
