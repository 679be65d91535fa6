// "Trace All Prompts in File": every prompt of a file (one per line, or one per JSONL record) traced in turn under
// one cancellable progress; each gets its own inline summary and paths as soon as it is done, and the panel then
// shows the one under the cursor. A prompt the model refuses (too long, say) is skipped and named at the end;
// a model that cannot load stops the run with its action. Also Re-trace of one inline trace.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineError } from '../../engine/errors';
import type { Engine } from '../engine';
import { showEngineError } from '../engineErrors';
import { missingModel } from '../selectionTracer';
import { modelLocation, openSettings, traceSettings } from '../settings';
import type { InlineEntries, InlineEntry } from './inlineEntries';
import type { InlineView } from './inlineView';
import { promptsInText, type FilePrompt } from './prompts';

/** A run this long is asked about first. */
export const CONFIRM_ABOVE = 50;

export interface TraceAllDeps {
  readonly engine: Engine;
  readonly entries: InlineEntries;
  readonly view: InlineView;
  readonly log: vscode.LogOutputChannel;
  readonly extensionPath: string;
}

export interface TraceAllResult {
  readonly traced: InlineEntry[];
  readonly failed: string[];
  readonly cancelled: boolean;
}

let count = 0;
const short = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 39)}…` : s);

/** Traces the prompts of the active editor's file. */
export async function traceAllInActiveEditor(deps: TraceAllDeps): Promise<TraceAllResult | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage('Self-Tracing: open a file with one prompt per line (or a JSONL file of prompts) first.');
    return undefined;
  }
  const doc = editor.document;
  const scan = promptsInText(doc.fileName, doc.getText());
  for (const s of scan.skipped) deps.log.warn(`${path.basename(doc.fileName)}: ${s}`);
  if (scan.prompts.length === 0) {
    void vscode.window.showWarningMessage(`Self-Tracing: ${path.basename(doc.fileName)} has no prompts to trace: write one per line, or one JSONL record per line with a "prompt" field.`);
    return undefined;
  }
  if (scan.prompts.length > CONFIRM_ABOVE) {
    const go = await vscode.window.showWarningMessage(`Self-Tracing: trace all ${scan.prompts.length} prompts of ${path.basename(doc.fileName)}? Each takes about a second on the embedded model.`, { modal: true }, 'Trace All');
    if (go !== 'Trace All') return undefined;
  }
  const result = await tracePrompts(deps, doc, scan.prompts);
  if (!result) return undefined;
  // the panel shows the prompt under the cursor, else the first one traced
  const offset = doc.offsetAt(editor.selection.active);
  const shown = deps.entries.at(doc.uri.toString(), offset) ?? result.traced[0];
  if (shown) await deps.view.makeCurrent(shown);
  const summary = `traced ${result.traced.length} of ${scan.prompts.length} prompts${result.cancelled ? ' (cancelled)' : ''}`;
  deps.log.info(`${path.basename(doc.fileName)}: ${summary}${result.failed.length ? `; failed: ${result.failed.join('; ')}` : ''}`);
  if (result.failed.length) {
    void vscode.window.showWarningMessage(`Self-Tracing: ${summary}; ${result.failed.length} failed: ${result.failed[0]}${result.failed.length > 1 ? ' …' : ''}`, 'Show Log')
      .then((c) => { if (c) deps.log.show(true); });
  }
  return result;
}

/** Re-traces one inline trace's text as the file has it now. */
export async function retraceEntry(deps: TraceAllDeps, entry: InlineEntry): Promise<InlineEntry | undefined> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(entry.uri));
  let prompt: FilePrompt | undefined;
  if (entry.exact) {
    const text = doc.getText(new vscode.Range(doc.positionAt(entry.start), doc.positionAt(entry.end)));
    if (text.trim() !== '') prompt = { text, start: entry.start, end: entry.end, exact: true, line: doc.positionAt(entry.start).line };
  } else {
    const line = doc.lineAt(doc.positionAt(entry.start).line);
    const found = promptsInText(doc.fileName, line.text).prompts[0];
    const base = doc.offsetAt(line.range.start);
    if (found) prompt = { ...found, start: base + found.start, end: base + found.end, line: line.range.start.line };
  }
  if (!prompt) {
    void vscode.window.showWarningMessage('Self-Tracing: the traced text is empty now; nothing to re-trace.');
    return undefined;
  }
  const result = await tracePrompts(deps, doc, [prompt]);
  const traced = result?.traced[0];
  if (traced) await deps.view.makeCurrent(traced);
  else if (result?.failed.length) void vscode.window.showErrorMessage(`Self-Tracing: ${result.failed[0]}`);
  return traced;
}

/** Traces prompts in order under one cancellable progress; undefined when no model is set up. */
export async function tracePrompts(deps: TraceAllDeps, doc: vscode.TextDocument, prompts: readonly FilePrompt[]): Promise<TraceAllResult | undefined> {
  const location = modelLocation(deps.extensionPath);
  const missing = missingModel(location);
  if (missing) {
    deps.log.error(missing);
    void vscode.window.showErrorMessage(`Self-Tracing: ${missing}`, 'Open Settings').then((c) => { if (c) void openSettings(); });
    return undefined;
  }
  const fileName = path.basename(doc.fileName);
  const traced: InlineEntry[] = [];
  const failed: string[] = [];
  const title = prompts.length === 1 ? 'Self-Tracing' : `Self-Tracing: ${prompts.length} prompts of ${fileName}`;
  const cancelled = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    for (const [i, prompt] of prompts.entries()) {
      if (token.isCancellationRequested) return true;
      progress.report({ message: `${i + 1}/${prompts.length}: ${short(prompt.text)}`, increment: i === 0 ? 0 : 100 / prompts.length });
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      const before = doc.getText(new vscode.Range(doc.positionAt(prompt.start), doc.positionAt(prompt.end)));
      try {
        const result = await deps.engine.trace({
          modelDir: location.modelPath, transcodersDir: location.transcoderPath || undefined, prompt: prompt.text, options: traceSettings(),
        }, { signal: controller.signal });
        // the file may have changed while the engine ran: the prompt must still be where it was
        const now = doc.getText(new vscode.Range(doc.positionAt(prompt.start), doc.positionAt(prompt.end)));
        if (now !== before) {
          failed.push(`line ${prompt.line + 1}: the file changed while it was traced`);
          continue;
        }
        traced.push(deps.entries.upsert({
          traceId: `inline-${++count}-${Date.now().toString(36)}`, uri: doc.uri.toString(), start: prompt.start, end: prompt.end, stale: false,
          exact: prompt.exact, text: now, fileName, model: { modelDir: location.modelPath, transcodersDir: location.transcoderPath || undefined },
          graph: result.graph, more: false, effects: new Map(),
        }));
        deps.view.redraw();
      } catch (err) {
        const error = EngineError.from(err);
        if (error.code === 'cancelled') return true;
        if (error.code !== 'badInput') {
          // the model or the engine: every other prompt would fail the same way
          await showEngineError(error, deps.log);
          failed.push(`line ${prompt.line + 1}: ${error.message}`);
          return false;
        }
        deps.log.warn(`${fileName} line ${prompt.line + 1}: ${error.message}`);
        failed.push(`line ${prompt.line + 1}: ${error.message}`);
      } finally {
        cancel.dispose();
      }
    }
    return false;
  });
  return { traced, failed, cancelled };
}
