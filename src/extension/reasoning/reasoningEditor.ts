// What a comparison leaves in the editor: claim decorations in theme colours, CodeLenses (over `## Reasoning` and
// over each claim), hovers that link into the graph panel, diagnostics and the score in the status bar. A
// document's marks are dropped the moment its text changes: the numbers describe the text that was traced.
import * as vscode from 'vscode';
import type { ReasoningProblem, SourceRange } from '../../engine/reasoning/markdown';
import type { ReasoningResult } from '../../engine/reasoning/resources';
import {
  type ClaimKind, type GraphLinks, type ReasoningView, REASONING_COMMANDS, SHOW_IN_GRAPH, reasoningHeadingLine, reasoningView,
} from './reasoningView';

/** Theme colours contributed in package.json, one per claim status. */
export const CLAIM_COLOR_IDS: Record<ClaimKind, string> = {
  grounded: 'selfTracing.claimSupported',
  'not visible': 'selfTracing.claimWeak',
  contradicted: 'selfTracing.claimUnsupported',
};
export const DIAGNOSTIC_SOURCE = 'Self-Tracing';

export interface ShownComparison {
  readonly result: ReasoningResult;
  readonly view: ReasoningView;
  readonly graph?: GraphLinks;
}

const toRange = (r: SourceRange) => new vscode.Range(new vscode.Position(r.startLine, r.startCol), new vscode.Position(r.endLine, r.endCol));
const before = (a: vscode.Position, b: vscode.Position) => a.line < b.line || (a.line === b.line && a.character < b.character);
const inside = (r: SourceRange, p: vscode.Position) =>
  !before(p, new vscode.Position(r.startLine, r.startCol)) && before(p, new vscode.Position(r.endLine, r.endCol));

export class ReasoningEditor implements vscode.Disposable {
  private readonly shown = new Map<string, ShownComparison>();
  /** edits seen per document, so a comparison that finishes after an edit can tell it is stale */
  private readonly edits = new Map<string, number>();
  private readonly types = new Map<ClaimKind, vscode.TextEditorDecorationType>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('self-tracing-reasoning');
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  private readonly status = vscode.window.createStatusBarItem('selfTracing.reasoning', vscode.StatusBarAlignment.Right, 98);
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.status.name = 'Self-Tracing Reasoning Verdict';
    const markdown = { language: 'markdown' };
    this.disposables.push(
      { dispose: () => this.types.forEach((t) => t.dispose()) }, this.diagnostics, this.lensesChanged, this.status,
      vscode.workspace.onDidChangeTextDocument((e) => this.documentChanged(e)),
      vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri)),
      vscode.window.onDidChangeVisibleTextEditors(() => { this.decorate(); this.updateStatus(); }),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()),
      vscode.languages.registerCodeLensProvider(markdown, { onDidChangeCodeLenses: this.lensesChanged.event, provideCodeLenses: (d) => this.lenses(d) }),
      vscode.languages.registerHoverProvider(markdown, { provideHover: (d, p) => this.hover(d, p) }),
    );
  }

  /** The comparison shown on a document, until its text changes. */
  comparison(uri: vscode.Uri): ShownComparison | undefined {
    return this.shown.get(uri.toString());
  }

  editCount(uri: vscode.Uri): number {
    return this.edits.get(uri.toString()) ?? 0;
  }

  /** Problems from parsing (or from the engine, e.g. a prompt too long) as errors on their lines; [] clears them. */
  showProblems(document: vscode.TextDocument, problems: readonly ReasoningProblem[]): void {
    this.drop(document.uri);
    this.diagnostics.set(document.uri, problems.map((p) => {
      const line = Math.min(Math.max(0, p.line), document.lineCount - 1);
      const d = new vscode.Diagnostic(document.lineAt(line).range, p.message, vscode.DiagnosticSeverity.Error);
      d.source = DIAGNOSTIC_SOURCE;
      return d;
    }));
    this.refresh();
  }

  showResult(document: vscode.TextDocument, result: ReasoningResult, graph?: GraphLinks): ShownComparison {
    const shown = { result, view: reasoningView(result, graph), graph };
    this.shown.set(document.uri.toString(), shown);
    this.diagnostics.set(document.uri, shown.view.diagnostics.map((v) => {
      const severity = v.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
      const d = new vscode.Diagnostic(toRange(v.range), v.message, severity);
      d.source = DIAGNOSTIC_SOURCE;
      return d;
    }));
    this.refresh();
    return shown;
  }

  clear(uri: vscode.Uri): void {
    this.drop(uri);
    this.diagnostics.delete(uri);
    this.refresh();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.shown.clear();
  }

  /** Clear Trace: every comparison's decorations, CodeLenses and problems go. */
  clearAll(): void {
    this.shown.clear();
    this.diagnostics.clear();
    this.refresh();
  }

  private drop(uri: vscode.Uri): void {
    this.shown.delete(uri.toString());
  }

  private refresh(): void {
    this.decorate();
    this.updateStatus();
    this.lensesChanged.fire();
  }

  private documentChanged(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    const key = e.document.uri.toString();
    this.edits.set(key, (this.edits.get(key) ?? 0) + 1);
    if (this.shown.has(key) || this.diagnostics.get(e.document.uri)?.length) this.clear(e.document.uri);
  }

  private decorate(): void {
    if (this.shown.size > 0 && this.types.size === 0) this.createTypes(); // on first use: most sessions never compare
    for (const editor of vscode.window.visibleTextEditors) {
      const shown = this.shown.get(editor.document.uri.toString());
      for (const [kind, type] of this.types) {
        editor.setDecorations(type, shown ? shown.view.claims.filter((c) => c.kind === kind).map((c) => toRange(c.range)) : []);
      }
    }
  }

  private createTypes(): void {
    for (const kind of Object.keys(CLAIM_COLOR_IDS) as ClaimKind[]) {
      const color = new vscode.ThemeColor(CLAIM_COLOR_IDS[kind]);
      this.types.set(kind, vscode.window.createTextEditorDecorationType({
        backgroundColor: color,
        overviewRulerColor: color,
        overviewRulerLane: vscode.OverviewRulerLane.Left,
        borderRadius: '2px',
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }));
    }
  }

  private updateStatus(): void {
    // the active editor's comparison; with the focus elsewhere (the graph panel), a visible compared document's
    const candidates = [vscode.window.activeTextEditor, ...vscode.window.visibleTextEditors].map((e) => e?.document);
    const document = candidates.find((d) => d && this.shown.has(d.uri.toString()));
    const shown = document && this.shown.get(document.uri.toString());
    if (!document || !shown) return this.status.hide();
    this.status.text = shown.view.statusBar;
    this.status.tooltip = shown.view.statusTooltip;
    this.status.command = { title: 'Show Reasoning Diff', command: REASONING_COMMANDS.diff, arguments: [document.uri] };
    this.status.show();
  }

  private lenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const heading = reasoningHeadingLine(document.getText());
    const shown = this.shown.get(document.uri.toString());
    const out: vscode.CodeLens[] = [];
    if (heading !== undefined) {
      const at = new vscode.Range(new vscode.Position(heading, 0), new vscode.Position(heading, 0));
      if (shown) {
        out.push(
          new vscode.CodeLens(at, { title: `$(graph) ${shown.view.headingLens}`, command: REASONING_COMMANDS.diff, arguments: [document.uri], tooltip: 'Show the stated reasoning beside the reasoning the trace tells' }),
          new vscode.CodeLens(at, { title: 'Compare Again', command: REASONING_COMMANDS.compare, arguments: [document.uri] }),
        );
        const unstated = shown.view.unstatedLens;
        if (unstated) out.push(new vscode.CodeLens(at, { title: `$(eye) ${unstated}`, command: REASONING_COMMANDS.diff, arguments: [document.uri], tooltip: 'An influence on the answer that no claim names; the diff lists them all' }));
      } else {
        out.push(new vscode.CodeLens(at, { title: 'Compare Stated Reasoning with Trace', command: REASONING_COMMANDS.compare, arguments: [document.uri] }));
      }
    }
    for (const claim of shown?.view.claims ?? []) {
      const start = new vscode.Position(claim.range.startLine, claim.range.startCol);
      const title = `${claim.kind === 'grounded' ? '$(pass)' : claim.kind === 'not visible' ? '$(circle-large-outline)' : '$(warning)'} ${claim.lens}`;
      out.push(new vscode.CodeLens(new vscode.Range(start, start), claim.lensTarget
        ? { title, command: SHOW_IN_GRAPH, arguments: [claim.lensTarget], tooltip: 'Show the claim\'s strongest matching node in the graph' }
        : { title, command: '' }));
    }
    return out;
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const claim = this.shown.get(document.uri.toString())?.view.claims.find((c) => inside(c.range, position));
    if (!claim) return undefined;
    const md = new vscode.MarkdownString(claim.hover, true);
    md.isTrusted = { enabledCommands: [SHOW_IN_GRAPH] };
    return new vscode.Hover(md, toRange(claim.range));
  }
}
