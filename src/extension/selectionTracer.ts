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
import type { PanelAccess } from './tracePanel';
import { CHOOSE_MODEL, CHOOSE_MODEL_COMMAND, ignoredPathSettings, modelLocation, openSettings, traceSettings, type ModelLocation } from './settings';
import { splitIntoPieces } from './textPieces';
import type { RetraceRequest } from './trace/traceCommands';
import type { TraceView } from './trace/traceView';
import { withEngineProgress, type EngineCallOptions } from './engineProgress';
import { describePing } from './engine';
import { checkVocabulary, lastPartStart, mostlyOutside, tooLong, vocabularyCharacters } from './tracePrechecks';

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
  /** The text editor used last: the walkthrough (or the panel) can be the active editor when Trace Selection runs. */
  private lastEditor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;

  constructor(
    private readonly engine: Engine,
    private readonly traces: TraceView,
    private readonly panel: PanelAccess,
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionPath: string,
  ) {}

  /** Follows the active text editor; the caller owns (and disposes) the returned listener. */
  trackEditors(): vscode.Disposable {
    return vscode.window.onDidChangeActiveTextEditor((editor) => { if (editor) this.lastEditor = editor; });
  }

  /** Traces the selection, or the cursor's line when nothing is selected, in the active or last used text editor. */
  async traceActiveEditor(): Promise<string | undefined> {
    const last = this.lastEditor && !this.lastEditor.document.isClosed ? this.lastEditor : undefined;
    const editor = vscode.window.activeTextEditor ?? last ?? vscode.window.visibleTextEditors[0];
    if (!editor) {
      await vscode.window.showWarningMessage('Self-Tracing: open a file and select the text to trace.', 'Open Demo Prompts')
        .then((c) => (c ? vscode.commands.executeCommand('selfTracing.openDemoPrompts') : undefined));
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
    if (!(await this.confirmVocabulary(text))) return undefined;
    this.showPieces(text, document, baseOffset);
    return this.trace({ text, fileName: path.basename(document.fileName), document, baseOffset });
  }

  /** Live re-trace of edited text: no notification (progress shows in the panel and the status bar). */
  async retraceEdited(document: vscode.TextDocument, start: number, end: number, target?: RetraceRequest['target']): Promise<string | undefined> {
    const text = document.getText(new vscode.Range(document.positionAt(start), document.positionAt(end)));
    if (text.trim() === '') return undefined;
    return this.trace({ text, fileName: path.basename(document.fileName), document, baseOffset: start, target }, { quiet: true });
  }

  /** Cancels a trace still running (Clear Trace, a newer live re-trace). */
  cancel(): void {
    this.running?.abort();
  }

  /** When most of the text is outside the model's vocabulary, says what that means before a long trace. */
  private async confirmVocabulary(text: string): Promise<boolean> {
    const known = vocabularyCharacters(modelLocation(this.extensionPath).modelPath);
    if (!known) return true;
    const check = checkVocabulary(text, known);
    if (!mostlyOutside(check)) return true;
    const chars = check.examples.map((c) => `"${c}"`).join(' ');
    const choice = await vscode.window.showWarningMessage(
      `Self-Tracing: ${check.outside} of the ${check.characters} characters here (${chars}…) are not in this model's vocabulary: each becomes 2–4 byte tokens (about ${check.estimatedTokens} tokens in all), so the trace will be slow, and a model that never saw such text will not say much about it.`,
      'Trace Anyway', 'Open Demo Prompts');
    if (choice === 'Open Demo Prompts') await vscode.commands.executeCommand('selfTracing.openDemoPrompts');
    return choice === 'Trace Anyway';
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
  async trace(request: TraceRequest, { quiet = false } = {}): Promise<string | undefined> {
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
    const model = location.embedded ? 'the embedded model' : path.basename(location.modelPath);
    this.log.info(`tracing ${request.text.length} characters of ${request.fileName} with ${location.embedded ? 'the embedded model' : location.modelPath}`);
    const what = `${quiet ? 'Re-tracing' : 'Tracing'} ${JSON.stringify(request.text.length > 40 ? `${request.text.slice(0, 39)}…` : request.text)} with ${model}`;
    const panel = this.panel.open(`${what}…`);
    panel.traceProgress(`${what}…`, null, false);
    const task = (call: EngineCallOptions) => this.engine.trace(params, {
      signal: call.signal,
      onProgress: (p) => {
        call.onProgress(p);
        panel.traceProgress(`${what}: ${p.message}`, p.fraction ?? null, false);
      },
    });
    try {
      const result = await (quiet ? withQuietProgress(what, task, controller) : withEngineProgress('Self-Tracing', task, controller));
      const traceId = this.traces.show({
        graph: result.graph, fileName: request.fileName, document: request.document, baseOffset: request.baseOffset,
        model: { modelDir: params.modelDir, transcodersDir: params.transcodersDir },
      });
      void vscode.commands.executeCommand('setContext', 'selfTracing.traced', true); // the walkthrough's step is done
      return traceId;
    } catch (err) {
      if (EngineError.from(err).code === 'cancelled') return undefined;
      const long = tooLong(EngineError.from(err).message);
      if (long && request.document && request.baseOffset !== undefined) void this.offerLastPart(request, long);
      else await showEngineError(err, this.log, () => void this.trace(request));
      return undefined;
    } finally {
      if (this.running === controller) this.running = undefined;
      if (!this.running) panel.traceProgress('', null, true);
    }
  }

  /** A selection longer than the model's context: offer to trace its last part (the part nearest the answer). */
  private async offerLastPart(request: TraceRequest, long: { tokens: number; context: number }): Promise<void> {
    const start = lastPartStart(request.text, long.tokens, long.context);
    const part = request.text.slice(start);
    const choice = await vscode.window.showErrorMessage(
      `Self-Tracing: the selection is ${long.tokens} tokens; this model reads at most ${long.context}. Trace its last ${[...part].length} characters ("${part.length > 30 ? `…${part.slice(-29)}` : part}")?`,
      'Trace the Last Part', 'Show Log');
    if (choice === 'Show Log') this.log.show(true);
    if (choice !== 'Trace the Last Part') return;
    const document = request.document!;
    const baseOffset = request.baseOffset! + start;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
    if (editor) editor.selection = new vscode.Selection(document.positionAt(baseOffset), document.positionAt(baseOffset + part.length));
    await this.trace({ ...request, text: part, baseOffset });
  }

  /** Runs the engine check under a cancellable notification and says what it found; failures come with their action. */
  async checkEngine(): Promise<void> {
    try {
      const result = await withEngineProgress('Self-Tracing', (call) => this.engine.check(call));
      const message = `Self-Tracing: the engine works: ${describePing(result)}.`;
      if (result.selfCheck?.ok === false) void vscode.window.showErrorMessage(`Self-Tracing: the engine's self-check failed: ${describePing(result)}.`, 'Show Log').then((c) => (c ? this.log.show(true) : undefined));
      else void vscode.window.showInformationMessage(message);
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
    const panel = this.panel.open(`Tracing ${[...text].length} characters of ${path.basename(document.fileName)}…`);
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

/** A trace without a notification (live re-trace): a spinner in the status bar; a newer edit cancels it. */
function withQuietProgress<T>(title: string, task: (options: EngineCallOptions) => Promise<T>, controller: AbortController): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Self-Tracing: ${title}` }, () =>
    task({ signal: controller.signal, onProgress: () => {} }));
}
