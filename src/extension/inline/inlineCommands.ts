// The inline layer's wiring: its entries, views and commands (CodeLens actions, the paths widget's links, Trace All
// Prompts in File, Clear Inline Traces), and the panel following the cursor from one traced prompt to the next.
import * as vscode from 'vscode';
import type { InterventionRecord } from '../../protocol/graph-json';
import type { FromWebview } from '../../protocol/messages';
import type { Engine } from '../engine';
import { Disposable } from '../dispose';
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

/** The inline layer: owns its entries and view, its commands, and the panel following the cursor. */
export class InlineTraces extends Disposable implements InlineApi {
  readonly entries: InlineEntries;
  readonly view: InlineView;
  private readonly traceDeps: TraceAllDeps;
  private followTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: InlineDeps) {
    super();
    this.entries = new InlineEntries(deps.storageDir, deps.workspaceState, deps.log);
    this.view = this.register(new InlineView(this.entries, deps.traces));
    this.traceDeps = { engine: deps.engine, entries: this.entries, view: this.view, log: deps.log, extensionPath: deps.extensionPath };
    this.register({ dispose: () => { clearTimeout(this.followTimer); this.entries.flush(); } });
    this.register(vscode.window.onDidChangeTextEditorSelection((e) => this.follow(e)));
    this.registerCommands();
  }

  traceAll(): Promise<TraceAllResult | undefined> {
    return traceAllInActiveEditor(this.traceDeps);
  }

  private registerCommands(): void {
    const command = (id: string, run: (arg: Arg) => unknown) => this.register(vscode.commands.registerCommand(id, run));
    command(LENS_COMMANDS.open, async (arg) => { const e = this.entryOf(arg); if (e) await this.show(e); });
    command(LENS_COMMANDS.chooseTarget, async (arg) => {
      const e = this.entryOf(arg);
      if (!e) return;
      await this.view.makeCurrent(e);
      await vscode.commands.executeCommand('selfTracing.chooseTarget');
    });
    command(LENS_COMMANDS.retrace, async (arg) => { const e = this.entryOf(arg); return e ? retraceEntry(this.traceDeps, e) : undefined; });
    command(INLINE_COMMANDS.morePaths, (arg) => {
      const e = this.entryOf(arg);
      if (!e) return;
      e.more = arg?.more ?? !e.more;
      this.entries.persist(e);
      this.view.redraw(false);
    });
    command(INLINE_COMMANDS.showStep, (arg) => this.showStep(arg));
    command(INLINE_COMMANDS.ablateStep, (arg) => this.ablateStep(arg));
    command('selfTracing.traceAllPrompts', () => this.traceAll());
    command('selfTracing.clearInlineTraces', () => {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) return 0;
      const n = this.entries.remove(doc.uri.toString());
      this.view.redraw();
      return n;
    });
  }

  private entryOf(arg: Arg): InlineEntry | undefined {
    const entry = arg?.traceId ? this.entries.get(arg.traceId) : undefined;
    if (!entry) void vscode.window.showWarningMessage('Self-Tracing: that inline trace is gone; trace the text again.');
    return entry;
  }

  /** The entry in the panel (and the heatmap), the panel opened if it was closed. */
  private async show(entry: InlineEntry): Promise<void> {
    const { traces, panel } = this.deps;
    if (traces.current?.traceId === entry.traceId && panel.current) panel.current?.reveal();
    else if (traces.current?.traceId === entry.traceId) traces.show({ graph: entry.graph, fileName: entry.fileName, model: entry.model, traceId: entry.traceId });
    else await this.view.makeCurrent(entry);
  }

  /** A path step's link: its node selected in the panel, once a panel opened for it has drawn. */
  private async showStep(arg: Arg): Promise<void> {
    const e = this.entryOf(arg);
    if (!e || !arg?.nodeId) return;
    const { traces, panel } = this.deps;
    const fresh = !panel.current || traces.current?.traceId !== e.traceId;
    const drawn = fresh ? this.renderOf(e.traceId) : Promise.resolve();
    await this.show(e);
    await drawn;
    panel.current?.selectNode(e.traceId, arg.nodeId);
  }

  /** "Ablate this step": the intervention on the current trace, its effect written under the path. */
  private async ablateStep(arg: Arg): Promise<InterventionRecord | undefined> {
    const entry = this.entryOf(arg);
    if (!entry || !arg?.nodeId) return undefined;
    await this.view.makeCurrent(entry);
    const record = await this.deps.interventions.ablateNode({ traceId: entry.traceId, nodeId: arg.nodeId });
    if (!record) return undefined;
    entry.effects.set(arg.nodeId, targetChangeSentence(record, entry.graph.selfTracing?.target?.tokenId));
    this.entries.persist(entry);
    this.view.redraw(false);
    return record;
  }

  /** Resolves when the panel reports it drew a trace (or after 10 s: the selection is then simply not shown). */
  private renderOf(traceId: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => { clearTimeout(timeout); sub.dispose(); resolve(); };
      const timeout = setTimeout(done, 10_000);
      const sub = this.deps.onDidRenderPanel((r) => { if (r.traceId === traceId && (r.graphNodes ?? 0) > 0) done(); });
    });
  }

  /**
   * The panel follows the cursor into another traced prompt, when it is open (where the cursor rests in an editor
   * that has inline traces; other editors' selection events do not count, and a panel in the editor's own group is
   * left alone, since revealing it would cover the editor).
   */
  private follow(e: vscode.TextEditorSelectionChangeEvent): void {
    const editor = e.textEditor;
    if (this.entries.in(editor.document.uri.toString()).length === 0) return;
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => {
      const doc = editor.document;
      const entry = this.entries.at(doc.uri.toString(), doc.offsetAt(editor.selection.active));
      const panel = this.deps.panel.current;
      if (!entry || !panel || this.deps.traces.current?.traceId === entry.traceId) return;
      if (panel.viewColumn !== undefined && panel.viewColumn === editor.viewColumn) return;
      void this.view.makeCurrent(entry);
    }, FOLLOW_MS);
  }
}
