// Long engine calls run under a cancellable notification: Cancel aborts the call, the engine's progress fractions
// move the bar. One helper for traces, checks, comparisons and interventions.
import * as vscode from 'vscode';
import type { Progress } from '../engine/progress';

export interface EngineCallOptions {
  signal: AbortSignal;
  onProgress: (p: Progress) => void;
}

/** `controller` lets the caller cancel the call from elsewhere too (a newer trace, the panel's Cancel button). */
export function withEngineProgress<T>(
  title: string,
  task: (options: EngineCallOptions) => Promise<T>,
  controller: AbortController = new AbortController(),
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const cancel = token.onCancellationRequested(() => controller.abort());
    let done = 0;
    try {
      return await task({
        signal: controller.signal,
        onProgress: (p) => {
          const now = p.fraction === undefined ? done : Math.max(done, Math.round(100 * p.fraction));
          progress.report({ message: p.message, increment: now - done });
          done = now;
        },
      });
    } finally {
      cancel.dispose();
    }
  });
}
