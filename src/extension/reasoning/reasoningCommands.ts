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
  const { engine, log } = deps;
  const editor = new ReasoningEditor();
  const diff = new ReasoningDiff();

  const reportProblems = async (document: vscode.TextDocument, problems: readonly ReasoningProblem[]) => {
    editor.showProblems(document, problems);
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
  };

  /** Shows the comparison's graph in the panel; the hovers and lenses link to the nodes it kept. */
  const showGraph = (result: ReasoningResult, name: string): GraphLinks | undefined => {
    if (!result.graph) return undefined;
    const parsed = parseGraphJson(result.graph);
    if (!parsed.ok) {
      log.warn(`${name}: the comparison's graph was not shown (${parsed.reason})`);
      return undefined;
    }
    const traceId = deps.showGraph({ graph: parsed.graph, fileName: `${name} (stated reasoning)` });
    return { traceId, nodeIds: new Set(parsed.graph.nodes.map((n) => n.node_id)) };
  };

  const compareDocument = async (document: vscode.TextDocument): Promise<ReasoningResult | undefined> => {
    const name = diffName(document.uri);
    const parsed = parseReasoningMarkdown(document.getText());
    if (!parsed.ok) {
      await reportProblems(document, parsed.problems);
      return undefined;
    }
    editor.showProblems(document, []);
    const stamp = editor.editCount(document.uri);
    const location = deps.location();
    const config = vscode.workspace.getConfiguration('selfTracing');
    let result: ReasoningResult;
    try {
      result = await withEngineProgress(`Self-Tracing: comparing the stated reasoning in ${name} with the trace`, (options) =>
        engine.request('compareReasoning', {
          modelDir: location.modelPath,
          transcodersDir: location.transcoderPath || undefined,
          markdown: document.getText(),
          file: name,
          graph: { nodeThreshold: config.get<number>('nodeThreshold'), edgeThreshold: config.get<number>('edgeThreshold') },
        }, options));
    } catch (err) {
      const error = EngineError.from(err);
      if (error.code === 'cancelled') return undefined;
      log.error(`compare ${name} failed [${error.code}]: ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
      const problems = problemsOf(error);
      if (problems) await reportProblems(document, problems);
      else await showEngineError(error, log, () => void compareDocument(document));
      return undefined;
    }
    if (editor.editCount(document.uri) !== stamp) {
      const again = await vscode.window.showInformationMessage(`Self-Tracing: ${name} changed while it was being compared; compare it again.`, 'Compare Again');
      if (again) return compareDocument(document);
      return undefined;
    }
    const column = vscode.window.visibleTextEditors.find((e) => e.document === document)?.viewColumn;
    const graph = showGraph(result, name);
    // a new graph panel takes the focus; give it back so the marks, lenses and score are in front of the user
    if (graph && column !== undefined) await vscode.window.showTextDocument(document, { viewColumn: column, preserveFocus: false });
    editor.showResult(document, result, graph);
    diff.update(document.uri, statedMarkdown(parsed.document), result.traceDerived);
    const s = result.summary;
    log.info(`${name}: ${s.flags.join(', ')} (score ${s.score.toFixed(3)}, ${(s.cost.ms / 1000).toFixed(2)} s): ${s.reason} ` +
      `Claims: ${s.claims.map((c) => c.status).join(', ')}; ${s.unstated.length} unstated influence(s).`);
    return result;
  };

  const documentFor = async (arg: unknown): Promise<vscode.TextDocument | undefined> => {
    if (arg instanceof vscode.Uri) return vscode.workspace.openTextDocument(arg);
    return vscode.window.activeTextEditor?.document;
  };

  const compare = async (arg?: unknown) => {
    const document = await documentFor(arg);
    if (!document) {
      await vscode.window.showWarningMessage('Self-Tracing: open a markdown file of stated reasoning (`## Prompt`, `## Reasoning`, `## Answer`) first.');
      return undefined;
    }
    return compareDocument(document);
  };

  const explainAndTrace = async (): Promise<ReasoningResult | undefined> => {
    const active = vscode.window.activeTextEditor;
    const selected = active && !active.selection.isEmpty ? active.document.getText(active.selection).trim() : '';
    const prompt = selected || (await vscode.window.showInputBox({
      title: 'Explain and Trace',
      prompt: 'The prompt the model answers, stating its reasoning first',
      value: active ? active.document.lineAt(active.selection.active.line).text.trim() : '',
    }))?.trim();
    if (!prompt) return undefined;
    const location = deps.location();
    let markdown: string;
    try {
      ({ markdown } = await withEngineProgress('Self-Tracing: the model explains its answer', (options) =>
        engine.request('explain', { modelDir: location.modelPath, prompt }, options)));
    } catch (err) {
      const error = EngineError.from(err);
      if (error.code !== 'cancelled') log.error(`explain failed [${error.code}]: ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
      await showEngineError(error, log, () => void explainAndTrace());
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
    await vscode.window.showTextDocument(document, { preview: false });
    return compareDocument(document);
  };

  const showDiff = async (arg?: unknown) => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    const sides = uri && diff.sidesOf(uri);
    if (!uri || !sides) {
      const choice = await vscode.window.showWarningMessage('Self-Tracing: compare the stated reasoning with the trace first; the diff shows what that comparison found.', 'Compare Now');
      if (choice && uri) await compare(uri);
      return;
    }
    await vscode.commands.executeCommand('vscode.diff', sides.stated, sides.derived, sides.title, { preview: true });
  };

  return [
    editor,
    diff,
    ...(deps.onDidClearTrace ? [deps.onDidClearTrace(() => editor.clearAll())] : []),
    vscode.commands.registerCommand(REASONING_COMMANDS.compare, compare),
    vscode.commands.registerCommand(REASONING_COMMANDS.explain, explainAndTrace),
    vscode.commands.registerCommand(REASONING_COMMANDS.diff, showDiff),
  ];
}
