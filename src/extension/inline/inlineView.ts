// The inline views of every traced text, in any text editor (plain text, markdown, notebook cells), with stable
// APIs only: a CodeLens summary above the text (target and probability · nodes · replacement score, Open Graph,
// Choose Target, Re-trace), a quiet after-text decoration, the strongest paths in a comment-thread widget under the
// traced line (markdown with links: each step shows its node in the panel, each feature step can be ablated), and,
// when `selfTracing.inline.attributionHints` is on, each token's signed attribution as an inlay hint. Traces follow
// edits (stale when their text changes) and come back when their file is opened again.
import * as vscode from 'vscode';
import { clerpPairs } from '../trace/featureLabels';
import type { Trace, TraceView } from '../trace/traceView';
import { INLINE_COMMANDS, afterText, pathsMarkdown, summaryText, targetText, tokenHints } from './inlineText';
import type { InlineEntries, InlineEntry } from './inlineEntries';

export const CONTROLLER_ID = 'selfTracing.inline';
const SECTION = 'selfTracing.inline';

export type PathsMode = 'expanded' | 'collapsed' | 'off';

/** Command ids of the CodeLens actions; registered in inlineCommands.ts. */
export const LENS_COMMANDS = {
  open: 'selfTracing.inline.open',
  chooseTarget: 'selfTracing.inline.chooseTarget',
  retrace: 'selfTracing.inline.retrace',
} as const;

export class InlineView implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  private readonly hintsEmitter = new vscode.EventEmitter<void>();
  private readonly threads = new Map<string, vscode.CommentThread>();
  /** the trace the trace view shows now; Clear Trace removes its inline entry */
  private shown: Trace | undefined;
  /** Each entry's paths markdown and what it was made from. */
  private readonly bodies = new Map<string, { key: readonly unknown[]; text: string }>();
  private readonly after: vscode.TextEditorDecorationType;
  private readonly hoverOnly = vscode.window.createTextEditorDecorationType({});
  private readonly controller: vscode.CommentController;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires after the inline views were redrawn (the end-to-end tests wait on it). */
  readonly onDidRedraw = this.changeEmitter.event;

  constructor(
    readonly entries: InlineEntries,
    private readonly traces: TraceView,
  ) {
    this.after = vscode.window.createTextEditorDecorationType({
      after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic', margin: '0 0 0 2em' },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.controller = vscode.comments.createCommentController(CONTROLLER_ID, 'Self-Tracing paths');
    this.disposables.push(
      this.after, this.hoverOnly, this.controller, this.lensEmitter, this.hintsEmitter, this.changeEmitter,
      vscode.languages.registerCodeLensProvider({ scheme: '*' }, { onDidChangeCodeLenses: this.lensEmitter.event, provideCodeLenses: (doc) => this.lenses(doc) }),
      vscode.languages.registerInlayHintsProvider({ scheme: '*' }, { onDidChangeInlayHints: this.hintsEmitter.event, provideInlayHints: (doc, range) => this.hints(doc, range) }),
      traces.onDidChange((t) => {
        if (t) {
          this.shown = t;
          this.adopt(t);
        } else this.dropShown();
      }),
      traces.onDidRecordIntervention((t) => this.adopt(t)),
      vscode.workspace.onDidChangeTextDocument((e) => this.documentChanged(e)),
      vscode.workspace.onDidOpenTextDocument((doc) => this.restore(doc)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => { editors.forEach((e) => this.restore(e.document)); this.redraw(); }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.paths`)) this.resetThreads();
        if (e.affectsConfiguration(SECTION) || e.affectsConfiguration('selfTracing.heatmap.mode')) this.redraw(true);
      }),
    );
    for (const editor of vscode.window.visibleTextEditors) this.restore(editor.document);
    this.redraw();
  }

  /** Clear Trace clears the trace the editor showed, inline too (other prompts' inline traces in the file stay). */
  private dropShown(): void {
    const t = this.shown;
    this.shown = undefined;
    if (!t?.uri) return;
    if (this.entries.remove(t.uri.toString(), (e) => e.traceId === t.traceId) > 0) this.redraw();
  }

  /** A trace the trace view shows (Trace Selection, Choose Target, an intervention's result) becomes inline too. */
  private adopt(t: Trace): void {
    if (!t.uri) return;
    const known = this.entries.get(t.traceId);
    if (known) {
      if (known.graph !== t.graph) {
        known.graph = t.graph;
        this.entries.persist(known, true);
        this.redraw();
      }
      return;
    }
    if (t.stale) return;
    const text = t.graph.selfTracing?.source?.text ?? '';
    this.entries.upsert({
      traceId: t.traceId, uri: t.uri.toString(), start: t.baseOffset, end: t.baseOffset + text.length, stale: false, exact: true,
      text, fileName: t.fileName, model: t.model, graph: t.graph, more: false, effects: new Map(),
    });
    this.redraw();
  }

  /** Shows an entry in the panel and the heatmap (the trace view's current trace), unless it is already. */
  async makeCurrent(entry: InlineEntry): Promise<void> {
    if (this.traces.current?.traceId === entry.traceId) return;
    let document: vscode.TextDocument | undefined;
    if (entry.exact && !entry.stale) {
      try {
        document = await vscode.workspace.openTextDocument(vscode.Uri.parse(entry.uri));
      } catch {
        document = undefined;
      }
    }
    this.traces.show({ graph: entry.graph, fileName: entry.fileName, document, baseOffset: document ? entry.start : undefined, model: entry.model, traceId: entry.traceId });
  }

  private restore(doc: vscode.TextDocument): void {
    if (this.entries.restore(doc.uri.toString(), doc.getText()).length) this.redraw();
  }

  private documentChanged(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    if (this.entries.edited(e.document.uri.toString(), e.contentChanges)) this.redraw();
  }

  /** Redraws every inline view from the entries. */
  redraw(hints = true): void {
    this.lensEmitter.fire();
    if (hints) this.hintsEmitter.fire();
    this.decorate();
    this.syncThreads();
    this.changeEmitter.fire();
  }

  private decorate(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const doc = editor.document;
      // comment threads do not show in notebook cells: there the after-text names the strongest path, and its
      // hover (as everywhere) has the paths widget's markdown with its links
      const noWidget = doc.uri.scheme === 'vscode-notebook-cell' || vscode.workspace.getConfiguration(SECTION).get<PathsMode>('paths', 'expanded') === 'off';
      const shown = this.entries.in(doc.uri.toString()).filter((e) => e.end <= doc.getText().length);
      editor.setDecorations(this.after, shown.map((e): vscode.DecorationOptions => {
        const end = doc.lineAt(doc.positionAt(e.end).line).range.end;
        return { range: new vscode.Range(end, end), hoverMessage: this.pathsBody(e), renderOptions: { after: { contentText: afterText(e.graph, e.stale, noWidget) } } };
      }));
      // without a widget, the paths also come with the traced text's hover (the keyboard's hover reaches them too)
      editor.setDecorations(this.hoverOnly, noWidget ? shown.map((e) => ({ range: new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), hoverMessage: this.pathsBody(e) })) : []);
    }
  }

  private lenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    for (const e of this.entries.in(doc.uri.toString())) {
      const at = new vscode.Position(doc.positionAt(e.start).line, 0);
      const range = new vscode.Range(at, at);
      const arg = [{ traceId: e.traceId }];
      const summary = e.stale ? `$(warning) stale: ${summaryText(e.graph)}` : `$(type-hierarchy) ${summaryText(e.graph)}`;
      lenses.push(
        new vscode.CodeLens(range, { title: summary, command: LENS_COMMANDS.open, arguments: arg, tooltip: e.stale ? 'The text changed since this trace; Re-trace to update it' : 'Open this trace\'s graph' }),
        new vscode.CodeLens(range, { title: 'Open Graph', command: LENS_COMMANDS.open, arguments: arg }),
        new vscode.CodeLens(range, { title: 'Choose Target', command: LENS_COMMANDS.chooseTarget, arguments: arg, tooltip: 'Re-trace this text towards another output' }),
        new vscode.CodeLens(range, { title: 'Re-trace', command: LENS_COMMANDS.retrace, arguments: arg, tooltip: 'Trace the text as it is now' }),
      );
    }
    return lenses;
  }

  private hints(doc: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!vscode.workspace.getConfiguration(SECTION).get<boolean>('attributionHints', false)) return [];
    const mode = vscode.workspace.getConfiguration('selfTracing.heatmap').get<'total' | 'direct'>('mode', 'total');
    const out: vscode.InlayHint[] = [];
    for (const e of this.entries.in(doc.uri.toString())) {
      if (!e.exact || e.stale) continue;
      for (const h of tokenHints(e.graph, mode)) {
        const position = doc.positionAt(e.start + h.end);
        if (!range.contains(position)) continue;
        const hint = new vscode.InlayHint(position, h.label);
        hint.tooltip = h.tooltip;
        hint.paddingLeft = false;
        hint.paddingRight = true;
        out.push(hint);
      }
    }
    return out;
  }

  /** One comment thread per entry whose document is open, under the traced text's last line. */
  private syncThreads(): void {
    const mode = vscode.workspace.getConfiguration(SECTION).get<PathsMode>('paths', 'expanded');
    const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), { doc: d, length: d.getText().length }]));
    const live = new Set<string>();
    if (mode !== 'off') {
      for (const e of this.entries.all()) {
        const at = open.get(e.uri);
        if (!at) continue;
        const { doc } = at;
        live.add(e.traceId);
        // at the end of the last line: VS Code opens the widget below the row holding the middle of a one-line range,
        // so an empty range there puts it below the last wrapped row, not inside a wrapped line
        const end = doc.lineAt(doc.positionAt(Math.min(e.end, at.length)).line).range.end;
        const range = new vscode.Range(end, end);
        let thread = this.threads.get(e.traceId);
        if (!thread) {
          thread = this.controller.createCommentThread(doc.uri, range, []);
          thread.canReply = false;
          thread.contextValue = 'selfTracing.paths';
          thread.collapsibleState = mode === 'collapsed' ? vscode.CommentThreadCollapsibleState.Collapsed : vscode.CommentThreadCollapsibleState.Expanded;
          this.threads.set(e.traceId, thread);
        } else if (thread.range?.start.line !== end.line || thread.range.start.character !== end.character) {
          thread.range = range; // moved by an edit above it
        }
        const label = `${e.stale ? 'Stale: ' : ''}strongest paths to ${targetText(e.graph)}`;
        if (thread.label !== label) thread.label = label;
        const body = this.pathsBody(e);
        const shown = thread.comments[0]?.body;
        if (typeof shown === 'string' || shown?.value !== body.value) thread.comments = [this.comment(body)];
      }
    }
    for (const [id, thread] of this.threads) {
      if (!live.has(id)) {
        thread.dispose();
        this.threads.delete(id);
      }
    }
  }

  /** Drops every widget, so the next redraw opens them as the settings now say. */
  private resetThreads(): void {
    for (const thread of this.threads.values()) thread.dispose();
    this.threads.clear();
  }

  /** The paths widget's markdown, trusted to run only the inline commands; computed again only when it can change. */
  private pathsBody(e: InlineEntry): vscode.MarkdownString {
    const current = this.traces.current;
    const pairs = current?.traceId === e.traceId ? current.qParams.clerps : e.graph.qParams?.clerps;
    const key = [e.graph, e.stale, e.more, [...e.effects.values()].join('\n'), pairs] as const;
    const cached = this.bodies.get(e.traceId);
    let text = cached?.text;
    if (!cached || cached.key.some((k, i) => k !== key[i])) {
      text = pathsMarkdown({ traceId: e.traceId, graph: e.graph, stale: e.stale, more: e.more, effects: e.effects, clerps: new Map(clerpPairs(pairs, e.graph.nodes)) });
      this.bodies.set(e.traceId, { key, text });
    }
    const body = new vscode.MarkdownString(text, true);
    body.isTrusted = { enabledCommands: Object.values(INLINE_COMMANDS) };
    return body;
  }

  private comment(body: vscode.MarkdownString): vscode.Comment {
    return { body, mode: vscode.CommentMode.Preview, author: { name: 'Self-Tracing' }, contextValue: 'selfTracing.paths' };
  }

  /** Where an entry's paths widget is anchored now (the end-to-end tests read it). */
  threadRange(traceId: string): vscode.Range | undefined {
    return this.threads.get(traceId)?.range;
  }

  /** The markdown each entry's paths widget shows now (the end-to-end tests read it). */
  threadBody(traceId: string): string | undefined {
    const body = this.threads.get(traceId)?.comments[0]?.body;
    return typeof body === 'string' ? body : body?.value;
  }

  dispose(): void {
    this.resetThreads();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
