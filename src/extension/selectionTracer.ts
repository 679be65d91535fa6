// The Trace Selection command: takes the editor's selection, shows it in the graph panel and asks the engine
// worker to check itself under cancellable progress. Later issues replace the check with a real trace.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TextPiece } from '../protocol/messages';
import type { Engine } from './engine';
import { showEngineError } from './engineErrors';
import type { GraphPanel } from './graphPanel';
import { splitIntoPieces } from './textPieces';

interface TraceRecord {
  readonly traceId: string;
  readonly uri: vscode.Uri;
  readonly startOffset: number;
  readonly pieces: readonly TextPiece[];
}

export class SelectionTracer {
  private last: TraceRecord | undefined;
  private count = 0;

  constructor(
    private readonly engine: Engine,
    private readonly openPanel: () => GraphPanel,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Traces the selection, or the cursor's line when nothing is selected. */
  async traceActiveEditor(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      await vscode.window.showWarningMessage('Self-Tracing: open a file and select the text to trace.');
      return;
    }
    const { document, selection } = editor;
    const range = selection.isEmpty ? document.lineAt(selection.active.line).range : selection;
    const text = document.getText(range);
    if (text.trim() === '') {
      await vscode.window.showWarningMessage('Self-Tracing: the selection is empty; select the text to trace.');
      return;
    }
    const traceId = `trace-${++this.count}-${Date.now().toString(36)}`;
    const pieces = splitIntoPieces(text);
    this.last = { traceId, uri: document.uri, startOffset: document.offsetAt(range.start), pieces };
    this.log.info(`${traceId}: ${pieces.length} pieces from ${document.uri.toString()}`);

    const panel = this.openPanel();
    panel.showSelection({ traceId, source: { fileName: path.basename(document.fileName), text }, pieces });
    panel.reveal();
    await this.checkEngine();
  }

  /** Runs the engine check under a cancellable notification; failures are shown with their action. */
  async checkEngine(): Promise<void> {
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Self-Tracing', cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          const cancel = token.onCancellationRequested(() => controller.abort());
          try {
            await this.engine.check({ signal: controller.signal, onProgress: (p) => progress.report({ message: p.message }) });
          } finally {
            cancel.dispose();
          }
        },
      );
    } catch (err) {
      await showEngineError(err, this.log, () => void this.checkEngine());
    }
  }

  /** Selects a piece of the latest trace in its editor (the panel sends this when a piece is clicked). */
  async revealPiece(traceId: string, index: number): Promise<void> {
    const trace = this.last;
    const piece = trace?.traceId === traceId ? trace.pieces[index] : undefined;
    if (!trace || !piece) return; // a stale panel: its trace is gone
    const document = await vscode.workspace.openTextDocument(trace.uri);
    const start = document.positionAt(trace.startOffset + piece.offset);
    const end = document.positionAt(trace.startOffset + piece.offset + piece.text.length);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    editor.selection = new vscode.Selection(start, end);
    editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}
