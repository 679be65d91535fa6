// Live re-trace: with `selfTracing.liveRetrace` on, editing the traced text traces it again after a pause, so the
// graph follows a prompt being reworded. Debounced (`selfTracing.liveRetraceDelay`), cancellable (a newer edit
// cancels the trace still running), and the previous graph stays until the new one is ready (TraceView.show
// replaces it only when the engine answers).
import * as vscode from 'vscode';
import type { RetraceRequest } from './traceCommands';
import type { TracedTextEdit, TraceView } from './traceView';

export interface LiveRetraceDeps {
  readonly traces: TraceView;
  /** Traces `[start, end)` of the document again; resolves when shown (or cancelled / failed). */
  readonly retrace: (document: vscode.TextDocument, start: number, end: number, target?: RetraceRequest['target']) => Promise<unknown>;
  /** Stops a trace still running. */
  readonly cancel: () => void;
  readonly log: vscode.LogOutputChannel;
}

export const LIVE_SETTING = 'selfTracing.liveRetrace';

export class LiveRetrace implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[];
  /** Re-traces started here (the tests and the log count them). */
  started = 0;

  constructor(private readonly deps: LiveRetraceDeps) {
    this.disposables = [
      deps.traces.onDidEditTracedText((edit) => this.edited(edit)),
      deps.traces.onDidChange((t) => { if (!t) this.stop(); }),
    ];
  }

  private edited(edit: TracedTextEdit): void {
    const config = vscode.workspace.getConfiguration('selfTracing');
    if (!config.get<boolean>('liveRetrace', false)) return;
    if (!edit.trace.graph.selfTracing?.source) return; // a graph opened from a file: nothing to re-trace
    const delay = Math.min(10_000, Math.max(200, config.get<number>('liveRetraceDelay', 800)));
    this.stop(); // the text changed again: the pending or running trace describes older text
    const target = edit.trace.graph.selfTracing?.target;
    // keep a chosen contrast ("A versus B"); otherwise the new text's most likely output is the target
    const keep: RetraceRequest['target'] = target?.contrast ? { token: target.token, contrast: target.contrast.token } : undefined;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const { document, start, end } = edit;
      if (document.isClosed || end <= start) return;
      this.started++;
      this.deps.log.info(`live re-trace of ${end - start} characters after a ${delay} ms pause`);
      void this.deps.retrace(document, start, end, keep);
    }, delay);
  }

  /** Drops a pending re-trace and cancels a running one. */
  stop(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.deps.cancel();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
