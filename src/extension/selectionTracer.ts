// Tracing from the editor: Trace Selection takes the selection (or the cursor's line), re-traces (Choose Target,
// Trace from Here) take a text and a target; each runs the engine worker under cancellable progress with the model
// and trace settings, and hands the graph to the TraceView. Problems become one message with an action.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import { defaultTranscoders } from '../engine/model/catalog';
import { parseRepoRef, resolveLocation } from '../engine/model/hfCache';
import type { TextPiece } from '../protocol/messages';
import type { Engine } from './engine';
import { showEngineError } from './engineErrors';
import type { GraphPanel } from './graphPanel';
import { CHOOSE_MODEL, CHOOSE_MODEL_COMMAND, ignoredPathSettings, modelLocation, openSettings, traceSettings, type ModelLocation } from './settings';
import { splitIntoPieces } from './textPieces';
import type { RetraceRequest } from './trace/traceCommands';
import type { TraceView } from './trace/traceView';
import { withEngineProgress } from './engineProgress';

/** One trace to run: the text, where it sits in its document (for the heatmap), and an optional target. */
export interface TraceRequest {
  readonly text: string;
  readonly fileName: string;
  readonly document?: vscode.TextDocument;
  readonly baseOffset?: number;
  readonly target?: RetraceRequest['target'];
}

interface PiecesRecord {
  readonly traceId: string;
  readonly uri: vscode.Uri;
  readonly startOffset: number;
  readonly pieces: readonly TextPiece[];
}

/**
 * Why a model cannot be traced with, in one sentence, or undefined when it looks complete. The model and the
 * transcoders are folders or Hugging Face repo ids in the local cache (see src/engine/model/hfCache.ts).
 */
export function missingModel(location: ModelLocation): string | undefined {
  const { modelPath, transcoderPath, embedded } = location;
  const repo = !fs.existsSync(modelPath) && parseRepoRef(modelPath) && !path.isAbsolute(modelPath);
  let modelDir: string;
  try {
    modelDir = repo ? resolveLocation(modelPath, 'Model') : modelPath;
  } catch (e) {
    return EngineError.from(e).message;
  }
  if (!fs.existsSync(path.join(modelDir, 'config.json'))) {
    return embedded
      ? 'The embedded model is not part of this build (models/organism is missing). Set selfTracing.modelPath to a model folder.'
      : `No model at ${modelPath}: the folder in selfTracing.modelPath needs config.json, tokenizer.json and model.safetensors.`;
  }
  try {
    if (transcoderPath) resolveLocation(transcoderPath, 'Transcoder set');
    else defaultTranscoders(modelDir);
  } catch (e) {
    const { message } = EngineError.from(e);
    return transcoderPath ? `${message} Set selfTracing.transcoderPath to a transcoder folder or repo id.` : message;
  }
  return undefined;
}

/** A re-trace's target as trace options: by id when the pick came from the graph's top outputs. */
function targetOptions(target: RetraceRequest['target']): { targets?: string[]; targetIds?: number[]; contrast?: string } {
  if (!target) return {};
  const a = target.tokenId !== undefined ? { targetIds: [target.tokenId] } : { targets: [target.token] };
  return target.contrast === undefined ? a : { ...a, contrast: target.contrast };
}

export class SelectionTracer {
  private pieces: PiecesRecord | undefined;
  private running: AbortController | undefined;
  private count = 0;

  constructor(
    private readonly engine: Engine,
    private readonly traces: TraceView,
    private readonly openPanel: () => GraphPanel,
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionPath: string,
  ) {}

  /** Traces the selection, or the cursor's line when nothing is selected. */
  async traceActiveEditor(): Promise<string | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      await vscode.window.showWarningMessage('Self-Tracing: open a file and select the text to trace.');
      return undefined;
    }
    const { document, selection } = editor;
    return this.traceRange(document, selection.isEmpty ? document.lineAt(selection.active.line).range : selection);
  }

  /** Traces exactly `range` of `document` (Trace Selection, a demo prompt's "Trace this prompt"). */
  async traceRange(document: vscode.TextDocument, range: vscode.Range): Promise<string | undefined> {
    const text = document.getText(range);
    if (text.trim() === '') {
      await vscode.window.showWarningMessage('Self-Tracing: the selection is empty; select the text to trace.');
      return undefined;
    }
    const baseOffset = document.offsetAt(range.start);
    this.showPieces(text, document, baseOffset);
    return this.trace({ text, fileName: path.basename(document.fileName), document, baseOffset });
  }

  /** Choose Target and Trace from Here: the current trace's text (or a prefix of it) towards another target. */
  async retrace(request: RetraceRequest): Promise<string | undefined> {
    const t = this.traces.current;
    let document: vscode.TextDocument | undefined;
    let baseOffset: number | undefined;
    if (t?.uri && !t.stale && request.uri?.toString() === t.uri.toString()) {
      const candidate = await vscode.workspace.openTextDocument(t.uri);
      const here = candidate.getText(new vscode.Range(candidate.positionAt(t.baseOffset), candidate.positionAt(t.baseOffset + request.text.length)));
      if (here === request.text) [document, baseOffset] = [candidate, t.baseOffset];
    }
    return this.trace({ text: request.text, fileName: t?.fileName ?? 'trace', document, baseOffset, target: request.target });
  }

  /** Runs one trace; a newer trace cancels an older one still running. Returns the shown trace's id. */
  async trace(request: TraceRequest): Promise<string | undefined> {
    const location = modelLocation(this.extensionPath);
    const ignored = ignoredPathSettings();
    if (ignored.length) this.log.warn(`Restricted Mode: ignoring ${ignored.join(', ')} from this workspace's settings`);
    const missing = missingModel(location);
    if (missing) {
      this.log.error(missing);
      void this.offerSettings(missing);
      return undefined;
    }
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const params = {
      modelDir: location.modelPath,
      transcodersDir: location.transcoderPath || undefined,
      prompt: request.text,
      options: { ...traceSettings((problem) => this.settingProblem(problem)), ...targetOptions(request.target) },
    };
    this.log.info(`tracing ${request.text.length} characters of ${request.fileName} with ${location.embedded ? 'the embedded model' : location.modelPath}`);
    try {
      const result = await withEngineProgress('Self-Tracing', (call) => this.engine.trace(params, call), controller);
      return this.traces.show({
        graph: result.graph, fileName: request.fileName, document: request.document, baseOffset: request.baseOffset,
        model: { modelDir: params.modelDir, transcodersDir: params.transcodersDir },
      });
    } catch (err) {
      await showEngineError(err, this.log, () => void this.trace(request));
      return undefined;
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  /** Runs the engine check under a cancellable notification; failures are shown with their action. */
  async checkEngine(): Promise<void> {
    try {
      await withEngineProgress('Self-Tracing', (call) => this.engine.check(call));
    } catch (err) {
      await showEngineError(err, this.log, () => void this.checkEngine());
    }
  }

  /** Selects a piece of the traced text in its editor (the panel shows the pieces while the trace runs). */
  async revealPiece(traceId: string, index: number): Promise<void> {
    const record = this.pieces;
    const piece = record?.traceId === traceId ? record.pieces[index] : undefined;
    if (!record || !piece) return; // a stale panel: its selection is gone
    const document = await vscode.workspace.openTextDocument(record.uri);
    const start = document.positionAt(record.startOffset + piece.offset);
    const end = document.positionAt(record.startOffset + piece.offset + piece.text.length);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    editor.selection = new vscode.Selection(start, end);
    editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** What is being traced, shown in the panel until the graph arrives. */
  private showPieces(text: string, document: vscode.TextDocument, startOffset: number): void {
    const traceId = `selection-${++this.count}-${Date.now().toString(36)}`;
    const pieces = splitIntoPieces(text);
    this.pieces = { traceId, uri: document.uri, startOffset, pieces };
    const panel = this.openPanel();
    panel.showSelection({ traceId, source: { fileName: path.basename(document.fileName), text }, pieces });
    panel.reveal();
  }

  /** A trace setting the engine does not accept: logged and shown once (the trace runs with the default). */
  private settingProblem(problem: string): void {
    this.log.warn(problem);
    void vscode.window.showWarningMessage(`Self-Tracing: ${problem}`, 'Open Settings').then((c) => (c === 'Open Settings' ? openSettings() : undefined));
  }

  private async offerSettings(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(`Self-Tracing: ${message}`, CHOOSE_MODEL, 'Open Settings', 'Show Log');
    if (choice === CHOOSE_MODEL) await vscode.commands.executeCommand(CHOOSE_MODEL_COMMAND);
    else if (choice === 'Open Settings') await openSettings();
    else if (choice === 'Show Log') this.log.show(true);
  }
}
