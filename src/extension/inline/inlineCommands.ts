// The inline layer's wiring: its entries, views and commands (CodeLens actions, the paths widget's links, Trace All
// Prompts in File, Clear Inline Traces), and the panel following the cursor from one traced prompt to the next.
import * as vscode from 'vscode';
import type { InterventionRecord } from '../../protocol/graph-json';
import type { FromWebview } from '../../protocol/messages';
import type { Engine } from '../engine';
import type { PanelAccess } from '../tracePanel';
import { targetChangeSentence } from '../interventions/interventionRecord';
import type { InterventionRunner } from '../interventions/interventionRunner';
import type { TraceView } from '../trace/traceView';
import { InlineEntries, type InlineEntry } from './inlineEntries';
import { INLINE_COMMANDS } from './inlineText';
import { InlineView, LENS_COMMANDS } from './inlineView';
import { retraceEntry, traceAllInActiveEditor, type TraceAllDeps, type TraceAllResult } from './traceAll';

export interface InlineDeps {
  readonly engine: Engine;
  readonly traces: TraceView;
  readonly interventions: InterventionRunner;
  readonly panel: Pick<PanelAccess, 'current'>;
  readonly log: vscode.LogOutputChannel;
  readonly extensionPath: string;
  readonly storageDir: string | undefined;
  readonly workspaceState: vscode.Memento;
  /** The panel's render reports: a panel opened just now takes messages only once its page has drawn. */
  readonly onDidRenderPanel: vscode.Event<FromWebview.Rendered>;
}

export interface InlineApi {
  readonly view: InlineView;
  readonly entries: InlineEntries;
  traceAll(): Promise<TraceAllResult | undefined>;
}

type Arg = { traceId?: string; nodeId?: string; more?: boolean } | undefined;

/** Waits this long after the cursor stops before the panel follows it to another traced prompt. */
const FOLLOW_MS = 150;

export function registerInline(deps: InlineDeps): { api: InlineApi; disposables: vscode.Disposable[] } {
  const entries = new InlineEntries(deps.storageDir, deps.workspaceState, deps.log);
  const view = new InlineView(entries, deps.traces);
  const traceDeps: TraceAllDeps = { engine: deps.engine, entries, view, log: deps.log, extensionPath: deps.extensionPath };

  const entryOf = (arg: Arg): InlineEntry | undefined => {
    const entry = arg?.traceId ? entries.get(arg.traceId) : undefined;
    if (!entry) void vscode.window.showWarningMessage('Self-Tracing: that inline trace is gone; trace the text again.');
    return entry;
  };
  /** The entry in the panel (and the heatmap), the panel opened if it was closed. */
  const show = async (entry: InlineEntry) => {
    if (deps.traces.current?.traceId === entry.traceId && deps.panel.current) deps.panel.current?.reveal();
    else if (deps.traces.current?.traceId === entry.traceId) deps.traces.show({ graph: entry.graph, fileName: entry.fileName, model: entry.model, traceId: entry.traceId });
    else await view.makeCurrent(entry);
  };

  const ablateStep = async (arg: Arg): Promise<InterventionRecord | undefined> => {
    const entry = entryOf(arg);
    if (!entry || !arg?.nodeId) return undefined;
    await view.makeCurrent(entry);
    const record = await deps.interventions.ablateNode({ traceId: entry.traceId, nodeId: arg.nodeId });
    if (!record) return undefined;
    entry.effects.set(arg.nodeId, targetChangeSentence(record, entry.graph.selfTracing?.target?.tokenId));
    entries.persist(entry);
    view.redraw(false);
    return record;
  };

  /** Resolves when the panel reports it drew a trace (or after 10 s: the selection is then simply not shown). */
  const renderOf = (traceId: string) => new Promise<void>((resolve) => {
    const done = () => { clearTimeout(timeout); sub.dispose(); resolve(); };
    const timeout = setTimeout(done, 10_000);
    const sub = deps.onDidRenderPanel((r) => { if (r.traceId === traceId && (r.graphNodes ?? 0) > 0) done(); });
  });

  // the panel follows the cursor into another traced prompt, when it is open
  // (where the cursor rests in an editor that has inline traces; other editors' selection events do not count, and
  // a panel in the editor's own group is left alone, since revealing it would cover the editor)
  let timer: NodeJS.Timeout | undefined;
  const follow = (e: vscode.TextEditorSelectionChangeEvent) => {
    const editor = e.textEditor;
    if (entries.in(editor.document.uri.toString()).length === 0) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      const doc = editor.document;
      const entry = entries.at(doc.uri.toString(), doc.offsetAt(editor.selection.active));
      const panel = deps.panel.current;
      if (!entry || !panel || deps.traces.current?.traceId === entry.traceId) return;
      if (panel.viewColumn !== undefined && panel.viewColumn === editor.viewColumn) return;
      void view.makeCurrent(entry);
    }, FOLLOW_MS);
  };

  const disposables: vscode.Disposable[] = [
    view,
    { dispose: () => { if (timer) clearTimeout(timer); entries.flush(); } },
    vscode.window.onDidChangeTextEditorSelection(follow),
    vscode.commands.registerCommand(LENS_COMMANDS.open, async (arg: Arg) => { const e = entryOf(arg); if (e) await show(e); }),
    vscode.commands.registerCommand(LENS_COMMANDS.chooseTarget, async (arg: Arg) => {
      const e = entryOf(arg);
      if (!e) return;
      await view.makeCurrent(e);
      await vscode.commands.executeCommand('selfTracing.chooseTarget');
    }),
    vscode.commands.registerCommand(LENS_COMMANDS.retrace, async (arg: Arg) => { const e = entryOf(arg); return e ? retraceEntry(traceDeps, e) : undefined; }),
    vscode.commands.registerCommand(INLINE_COMMANDS.morePaths, (arg: Arg) => {
      const e = entryOf(arg);
      if (!e) return;
      e.more = arg?.more ?? !e.more;
      entries.persist(e);
      view.redraw(false);
    }),
    vscode.commands.registerCommand(INLINE_COMMANDS.showStep, async (arg: Arg) => {
      const e = entryOf(arg);
      if (!e || !arg?.nodeId) return;
      const fresh = !deps.panel.current || deps.traces.current?.traceId !== e.traceId;
      const drawn = fresh ? renderOf(e.traceId) : Promise.resolve();
      await show(e);
      await drawn;
      deps.panel.current?.selectNode(e.traceId, arg.nodeId);
    }),
    vscode.commands.registerCommand(INLINE_COMMANDS.ablateStep, ablateStep),
    vscode.commands.registerCommand('selfTracing.traceAllPrompts', () => traceAllInActiveEditor(traceDeps)),
    vscode.commands.registerCommand('selfTracing.clearInlineTraces', () => {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) return 0;
      const n = entries.remove(doc.uri.toString());
      view.redraw();
      return n;
    }),
  ];
  return { api: { view, entries, traceAll: () => traceAllInActiveEditor(traceDeps) }, disposables };
}
