// The stated-reasoning commands: Compare Stated Reasoning with Trace (parse here for instant problems, then compare
// in the engine worker under cancellable progress and show the result), Explain and Trace (the model states its own
// reasoning, which is then compared) and Show Reasoning Diff.
import * as vscode from 'vscode';
import { EngineError } from '../../engine/errors';
import { type ReasoningProblem, parseReasoningMarkdown } from '../../engine/reasoning/markdown';
import type { ReasoningResult } from '../../engine/reasoning/resources';
import { parseGraphJson } from '../../protocol/graph-json';
import type { Engine } from '../engine';
import { showEngineError } from '../engineErrors';
import type { ModelLocation } from '../settings';
import type { TraceInput } from '../trace/traceView';
import { ReasoningDiff, diffName, statedMarkdown } from './reasoningDiff';
import { ReasoningEditor } from './reasoningEditor';
import { type GraphLinks, REASONING_COMMANDS } from './reasoningView';
import { withEngineProgress } from '../engineProgress';
import { Disposable } from '../dispose';

export interface ReasoningDeps {
  readonly engine: Pick<Engine, 'request'>;
  /** shows the comparison's graph in the panel; returns its trace id (TraceView.show) */
  readonly showGraph: (input: TraceInput) => string;
  readonly location: () => ModelLocation;
  readonly log: vscode.LogOutputChannel;
  /** Clear Trace: the comparisons' decorations and CodeLenses go too. */
  readonly onDidClearTrace?: (listener: () => void) => vscode.Disposable;
}

/** Problems the engine found in the document (e.g. a prompt too long for the model) travel as JSON in the detail. */
export function problemsOf(error: EngineError): ReasoningProblem[] | undefined {
  if (error.code !== 'badInput' || !error.detail) return undefined;
  try {
    const problems = (JSON.parse(error.detail) as { problems?: unknown }).problems;
    const valid = Array.isArray(problems) && problems.every((p) => Number.isInteger(p?.line) && typeof p?.message === 'string');
    return valid && problems.length > 0 ? (problems as ReasoningProblem[]) : undefined;
  } catch {
    return undefined;
  }
}

export function registerReasoning(deps: ReasoningDeps): vscode.Disposable[] {
  return [new ReasoningCommands(deps)];
}

/** The three commands, and what they show: problems, marks and lenses (ReasoningEditor), the diff's two sides. */
class ReasoningCommands extends Disposable {
  private readonly editor = this.register(new ReasoningEditor());
  private readonly diff = this.register(new ReasoningDiff());

  constructor(private readonly deps: ReasoningDeps) {
    super();
    if (deps.onDidClearTrace) this.register(deps.onDidClearTrace(() => this.editor.clearAll()));
    this.register(vscode.commands.registerCommand(REASONING_COMMANDS.compare, (arg?: unknown) => this.compare(arg)));
    this.register(vscode.commands.registerCommand(REASONING_COMMANDS.explain, () => this.explainAndTrace()));
    this.register(vscode.commands.registerCommand(REASONING_COMMANDS.diff, (arg?: unknown) => this.showDiff(arg)));
  }

  /** Compare Stated Reasoning with Trace: the document given (from the explorer or a lens), else the active one. */
  private async compare(arg?: unknown): Promise<ReasoningResult | undefined> {
    const document = arg instanceof vscode.Uri ? await vscode.workspace.openTextDocument(arg) : vscode.window.activeTextEditor?.document;
    if (!document) {
      await vscode.window.showWarningMessage('Self-Tracing: open a markdown file of stated reasoning (`## Prompt`, `## Reasoning`, `## Answer`) first.');
      return undefined;
    }
    return this.compareDocument(document);
  }

  /** Parses here (instant problems), compares in the engine worker, and shows the result if the text did not change meanwhile. */
  private async compareDocument(document: vscode.TextDocument): Promise<ReasoningResult | undefined> {
    const name = diffName(document.uri);
    const parsed = parseReasoningMarkdown(document.getText());
    if (!parsed.ok) {
      await this.reportProblems(document, parsed.problems);
      return undefined;
    }
    this.editor.showProblems(document, []);
    const stamp = this.editor.editCount(document.uri);
    const result = await this.runComparison(document, name);
    if (!result) return undefined;
    if (this.editor.editCount(document.uri) !== stamp) {
      const again = await vscode.window.showInformationMessage(`Self-Tracing: ${name} changed while it was being compared; compare it again.`, 'Compare Again');
      return again ? this.compareDocument(document) : undefined;
    }
    await this.showResult(document, name, result, statedMarkdown(parsed.document));
    return result;
  }

  /** The comparison in the engine worker under cancellable progress; a failure is reported here (undefined). */
  private async runComparison(document: vscode.TextDocument, name: string): Promise<ReasoningResult | undefined> {
    const location = this.deps.location();
    const config = vscode.workspace.getConfiguration('selfTracing');
    try {
      return await withEngineProgress(`Self-Tracing: comparing the stated reasoning in ${name} with the trace`, (options) =>
        this.deps.engine.request('compareReasoning', {
          modelDir: location.modelPath,
          transcodersDir: location.transcoderPath || undefined,
          markdown: document.getText(),
          file: name,
          graph: { nodeThreshold: config.get<number>('nodeThreshold'), edgeThreshold: config.get<number>('edgeThreshold') },
        }, options));
    } catch (err) {
      const error = EngineError.from(err);
      if (error.code === 'cancelled') return undefined;
      this.deps.log.error(`compare ${name} failed [${error.code}]: ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
      const problems = problemsOf(error);
      if (problems) await this.reportProblems(document, problems);
      else await showEngineError(error, this.deps.log, () => void this.compareDocument(document));
      return undefined;
    }
  }

  /** The graph in the panel, then the marks, lenses and score in the document, the diff's sides, and a log line. */
  private async showResult(document: vscode.TextDocument, name: string, result: ReasoningResult, stated: string): Promise<void> {
    const column = vscode.window.visibleTextEditors.find((e) => e.document === document)?.viewColumn;
    const graph = this.showGraph(result, name);
    // a new graph panel takes the focus; give it back so the marks, lenses and score are in front of the user
    if (graph && column !== undefined) await vscode.window.showTextDocument(document, { viewColumn: column, preserveFocus: false });
    this.editor.showResult(document, result, graph);
    this.diff.update(document.uri, stated, result.traceDerived);
    const s = result.summary;
    this.deps.log.info(`${name}: ${s.flags.join(', ')} (score ${s.score.toFixed(3)}, ${(s.cost.ms / 1000).toFixed(2)} s): ${s.reason} ` +
      `Claims: ${s.claims.map((c) => c.status).join(', ')}; ${s.unstated.length} unstated influence(s).`);
  }

  /** Shows the comparison's graph in the panel; the hovers and lenses link to the nodes it kept. */
  private showGraph(result: ReasoningResult, name: string): GraphLinks | undefined {
    if (!result.graph) return undefined;
    const parsed = parseGraphJson(result.graph);
    if (!parsed.ok) {
      this.deps.log.warn(`${name}: the comparison's graph was not shown (${parsed.reason})`);
      return undefined;
    }
    const traceId = this.deps.showGraph({ graph: parsed.graph, fileName: `${name} (stated reasoning)` });
    return { traceId, nodeIds: new Set(parsed.graph.nodes.map((n) => n.node_id)) };
  }

  private async reportProblems(document: vscode.TextDocument, problems: readonly ReasoningProblem[]): Promise<void> {
    this.editor.showProblems(document, problems);
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more in the Problems panel)` : '';
    const choice = await vscode.window.showErrorMessage(`Self-Tracing: ${diffName(document.uri)}:${first.line + 1}: ${first.message}${more}`, 'Go to Line', 'Show Problems');
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
    else if (choice === 'Go to Line') {
      const shown = await vscode.window.showTextDocument(document);
      const at = new vscode.Position(Math.min(first.line, document.lineCount - 1), 0);
      shown.selection = new vscode.Selection(at, at);
      shown.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  /** Explain and Trace: the model states its reasoning on the selection (or a typed prompt), which is then compared. */
  private async explainAndTrace(): Promise<ReasoningResult | undefined> {
    const prompt = await this.askPrompt();
    if (!prompt) return undefined;
    const location = this.deps.location();
    let markdown: string;
    try {
      ({ markdown } = await withEngineProgress('Self-Tracing: the model explains its answer', (options) =>
        this.deps.engine.request('explain', { modelDir: location.modelPath, prompt }, options)));
    } catch (err) {
      const error = EngineError.from(err);
      if (error.code !== 'cancelled') this.deps.log.error(`explain failed [${error.code}]: ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
      await showEngineError(error, this.deps.log, () => void this.explainAndTrace());
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
    await vscode.window.showTextDocument(document, { preview: false });
    return this.compareDocument(document);
  }

  /** The selected text, else a prompt typed in an input box that starts with the cursor's line. */
  private async askPrompt(): Promise<string | undefined> {
    const active = vscode.window.activeTextEditor;
    const selected = active && !active.selection.isEmpty ? active.document.getText(active.selection).trim() : '';
    return selected || (await vscode.window.showInputBox({
      title: 'Explain and Trace',
      prompt: 'The prompt the model answers, stating its reasoning first',
      value: active ? active.document.lineAt(active.selection.active.line).text.trim() : '',
    }))?.trim();
  }

  /** Show Reasoning Diff: the stated reasoning against the reasoning the trace supports, from the last comparison. */
  private async showDiff(arg?: unknown): Promise<void> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    const sides = uri && this.diff.sidesOf(uri);
    if (!uri || !sides) {
      const choice = await vscode.window.showWarningMessage('Self-Tracing: compare the stated reasoning with the trace first; the diff shows what that comparison found.', 'Compare Now');
      if (choice && uri) await this.compare(uri);
      return;
    }
    await vscode.commands.executeCommand('vscode.diff', sides.stated, sides.derived, sides.title, { preview: true });
  }
}
