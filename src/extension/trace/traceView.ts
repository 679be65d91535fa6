// The current trace as the editor shows it: the graph in the panel, a per-token heatmap and hovers on the traced
// text, editor ↔ graph linking, and staleness when the text under the trace changes. `show` is the one entry
// point for a new graph, whether it comes from the engine or from a file.
import * as vscode from 'vscode';
import type { GraphJson, GraphQParams, InterventionRecord } from '../../protocol/graph-json';
import type { PanelAccess } from '../tracePanel';
import { clerpPairs, type FeatureLabels } from './featureLabels';
import { HEAT_LEVELS, heatColorId, positionAt, positionsIn, tokenHeat, type HeatMode, type TokenHeat } from './heatmap';
import { HOVER_COMMANDS, hoverMarkdown } from './hoverContent';

/** The model a graph was traced with: where feature details and re-traces come from. */
export interface TracedModel {
  readonly modelDir: string;
  readonly transcodersDir?: string;
}

/** What a trace hands to the editor. Token offsets in `graph.selfTracing` are relative to the traced text. */
export interface TraceInput {
  readonly graph: GraphJson;
  /** Where the graph came from, for the panel title ("notes.md", "dallas.graph.json"). */
  readonly fileName: string;
  /** The traced document and the offset of the traced text in it; absent for a graph opened from a file. */
  readonly document?: vscode.TextDocument;
  readonly baseOffset?: number;
  /** Absent for a graph opened from a file. */
  readonly model?: TracedModel;
  /** Reuse this id (a trace restored after a reload), so the panel restores its view state. */
  readonly traceId?: string;
}

export interface Trace {
  readonly traceId: string;
  /** Replaced (not edited) when an intervention result is added. */
  graph: GraphJson;
  readonly fileName: string;
  readonly uri?: vscode.Uri;
  readonly model?: TracedModel;
  /** Offset of the traced text in the document; moves when text before it is edited. */
  baseOffset: number;
  readonly length: number;
  heat: TokenHeat[];
  stale: boolean;
  /** The latest view state from the panel (pins, supernodes, labels, thresholds). */
  qParams: GraphQParams;
  /** Where the traced text is after edits inside it (document offsets, end exclusive); absent until it is edited. */
  edited?: { start: number; end: number };
}

/** An edit inside the traced text: the document and where that text now is. */
export interface TracedTextEdit {
  readonly trace: Trace;
  readonly document: vscode.TextDocument;
  readonly start: number;
  readonly end: number;
}

export class TraceView implements vscode.Disposable {
  private trace: Trace | undefined;
  private count = 0;
  private readonly types = new Map<number, vscode.TextEditorDecorationType>();
  private readonly drawn = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<Trace | undefined>();
  /** Fires when a trace is shown, cleared or goes stale (the status bar listens). */
  readonly onDidChange = this.changeEmitter.event;
  private readonly editEmitter = new vscode.EventEmitter<TracedTextEdit>();
  /** Fires after each edit of the traced text (live re-trace listens): where the edited text now is. */
  readonly onDidEditTracedText = this.editEmitter.event;
  /** The selection the panel asked for (a clicked node's token): it shows where the node is and filters nothing. */
  private revealed: { uri: string; start: number; end: number } | undefined;
  private readonly interventionEmitter = new vscode.EventEmitter<Trace>();
  /** Fires when an intervention result is added to the current trace's graph (saved for a reload). */
  readonly onDidRecordIntervention = this.interventionEmitter.event;

  constructor(
    private readonly panel: PanelAccess,
    private readonly labels?: FeatureLabels,
  ) {
    for (let level = 1; level <= HEAT_LEVELS; level++) {
      for (const bucket of [level, -level]) {
        const color = new vscode.ThemeColor(heatColorId(bucket));
        this.types.set(bucket, vscode.window.createTextEditorDecorationType({
          backgroundColor: color,
          overviewRulerColor: color,
          overviewRulerLane: vscode.OverviewRulerLane.Right,
          borderRadius: '2px',
          rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        }));
      }
    }
    this.disposables.push(
      ...this.types.values(),
      this.changeEmitter,
      this.editEmitter,
      this.interventionEmitter,
      vscode.workspace.onDidChangeTextDocument((e) => this.documentChanged(e)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorate()),
      vscode.window.onDidChangeTextEditorSelection((e) => this.selectionChanged(e)),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('selfTracing.heatmap')) this.recomputeHeat(); }),
      vscode.languages.registerHoverProvider({ scheme: '*' }, { provideHover: (doc, pos) => this.hover(doc, pos) }),
    );
  }

  get current(): Trace | undefined {
    return this.trace;
  }

  /** Shows a graph in the panel and, when it comes from a document, its heatmap. Returns the trace id. */
  show(input: TraceInput): string {
    const traceId = input.traceId ?? `trace-${++this.count}-${Date.now().toString(36)}`;
    const offsets = input.graph.selfTracing?.tokenOffsets ?? [];
    const length = offsets.reduce((m, [, end]) => Math.max(m, end), 0);
    // the user's labels of these features from earlier graphs of the same model
    const graph = this.labels ? { ...input.graph, qParams: this.labels.withStoredLabels(input.graph) } : input.graph;
    this.trace = {
      traceId, graph, fileName: input.fileName, uri: input.document?.uri, model: input.model, baseOffset: input.baseOffset ?? 0,
      length, heat: [], stale: false, qParams: graph.qParams ?? {},
    };
    this.recomputeHeat();
    const panel = this.panel.open();
    panel.showGraph({ traceId, graph, fileName: input.fileName, origin: 'trace' });
    panel.reveal();
    this.changeEmitter.fire(this.trace);
    return traceId;
  }

  /** Clears the heatmap, the hovers and the panel's graph. */
  clear(): void {
    this.trace = undefined;
    this.panel.current?.clearGraph();
    this.decorate();
    this.changeEmitter.fire(undefined);
  }

  /** The current graph with the panel's view state in qParams and user labels in `clerp`. */
  exportable(): GraphJson | undefined {
    const t = this.trace;
    if (!t) return undefined;
    const clerps = new Map(clerpPairs(t.qParams.clerps, t.graph.nodes));
    return {
      ...t.graph,
      qParams: t.qParams,
      nodes: t.graph.nodes.map((n) => {
        const label = clerps.get(`${n.layer}_${n.feature}_${n.ctx_idx}`);
        return label === undefined ? n : { ...n, clerp: label };
      }),
    };
  }

  /** Keeps an intervention's result in the graph (selfTracing.interventions), so exports and reloads carry it. */
  recordIntervention(traceId: string, record: InterventionRecord): void {
    const t = this.trace;
    if (t?.traceId !== traceId) return;
    const extras = t.graph.selfTracing ?? { version: 1 };
    t.graph = { ...t.graph, selfTracing: { ...extras, interventions: [...(extras.interventions ?? []), record] } };
    this.interventionEmitter.fire(t);
  }

  updateViewState(traceId: string, qParams: GraphQParams): void {
    const t = this.trace;
    if (t?.traceId !== traceId) return;
    void this.labels?.update(t.graph, t.qParams.clerps, qParams.clerps);
    t.qParams = qParams;
  }

  /** Selects the characters of a prompt position in the traced editor. */
  async revealPosition(traceId: string, ctx: number, focus: boolean): Promise<void> {
    const t = this.trace;
    const h = t?.traceId === traceId && !t.stale ? t.heat.find((x) => x.ctx === ctx) : undefined;
    if (!t?.uri || !h) return;
    const document = await vscode.workspace.openTextDocument(t.uri);
    const range = new vscode.Range(document.positionAt(h.start), document.positionAt(h.end));
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: !focus });
    this.revealed = { uri: document.uri.toString(), start: h.start, end: h.end };
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** The traced text up to and including a position, for "Trace from here". */
  prefixTo(ctx: number): { text: string; uri?: vscode.Uri } | undefined {
    const t = this.trace;
    const source = t?.graph.selfTracing?.source?.text;
    const end = t?.graph.selfTracing?.tokenOffsets?.[ctx]?.[1];
    if (!t || source === undefined || end === undefined) return undefined;
    return { text: source.slice(0, end), uri: t.uri };
  }

  private recomputeHeat(): void {
    const t = this.trace;
    if (t && t.uri) {
      const config = vscode.workspace.getConfiguration('selfTracing.heatmap');
      const mode = config.get<HeatMode>('mode', 'total');
      t.heat = config.get<boolean>('enabled', true) ? tokenHeat(t.graph, t.baseOffset, mode, config.get<number>('gamma', 1)) : [];
    }
    this.decorate();
  }

  /** Ranges the heatmap last drew in a document's editors (what the end-to-end tests check). */
  decoratedRanges(uri: vscode.Uri): number {
    return this.drawn.get(uri.toString()) ?? 0;
  }

  private decorate(): void {
    const t = this.trace;
    this.drawn.clear();
    for (const editor of vscode.window.visibleTextEditors) {
      const mine = t && !t.stale && t.uri?.toString() === editor.document.uri.toString();
      const byBucket = new Map<number, vscode.Range[]>();
      if (mine) {
        for (const h of t.heat) {
          if (h.bucket === 0) continue;
          const list = byBucket.get(h.bucket) ?? [];
          list.push(new vscode.Range(editor.document.positionAt(h.start), editor.document.positionAt(h.end)));
          byBucket.set(h.bucket, list);
        }
      }
      for (const [bucket, type] of this.types) editor.setDecorations(type, byBucket.get(bucket) ?? []);
      const key = editor.document.uri.toString();
      this.drawn.set(key, (this.drawn.get(key) ?? 0) + [...byBucket.values()].reduce((n, list) => n + list.length, 0));
    }
  }

  private documentChanged(e: vscode.TextDocumentChangeEvent): void {
    const t = this.trace;
    if (!t?.uri || e.document.uri.toString() !== t.uri.toString() || e.contentChanges.length === 0) return;
    this.followEdit(t, e);
    if (t.stale) return;
    const end = t.baseOffset + t.length;
    let shift = 0;
    for (const change of e.contentChanges) {
      const from = change.rangeOffset;
      const to = change.rangeOffset + change.rangeLength;
      if (from >= end) continue; // after the traced text: nothing moves
      if (to <= t.baseOffset) shift += change.text.length - change.rangeLength; // before it: the text moves
      else {
        t.stale = true; // inside it: the trace no longer describes this text
        break;
      }
    }
    if (t.stale) {
      this.panel.current?.markStale(t.traceId, true);
      this.changeEmitter.fire(t);
    } else if (shift !== 0) {
      t.baseOffset += shift;
      t.heat = t.heat.map((h) => ({ ...h, start: h.start + shift, end: h.end + shift }));
    }
    this.decorate();
  }

  /** Where the traced text is after an edit, kept while the trace is stale too, for live re-trace. */
  private followEdit(t: Trace, e: vscode.TextDocumentChangeEvent): void {
    let { start, end } = t.edited ?? { start: t.baseOffset, end: t.baseOffset + t.length };
    let inside = false;
    // VS Code lists a multi-cursor edit's changes from the end of the document backwards: offsets stay valid
    for (const change of e.contentChanges) {
      const from = change.rangeOffset;
      const to = from + change.rangeLength;
      const delta = change.text.length - change.rangeLength;
      if (from > end) continue;
      if (to < start) {
        start += delta;
        end += delta;
      } else {
        inside = true;
        start = Math.min(start, from);
        end = Math.max(end + delta, from + change.text.length);
      }
    }
    t.edited = { start, end };
    if (inside) this.editEmitter.fire({ trace: t, document: e.document, start, end });
  }

  private selectionChanged(e: vscode.TextEditorSelectionChangeEvent): void {
    const t = this.trace;
    if (!t?.uri || t.stale || e.textEditor.document.uri.toString() !== t.uri.toString()) return;
    const doc = e.textEditor.document;
    const sel = e.selections[0];
    const start = doc.offsetAt(sel.start);
    const end = doc.offsetAt(sel.end);
    // a selection the panel made (a clicked node's token) shows where that node is; only the user's own selection filters
    const mine = this.revealed;
    this.revealed = undefined;
    if (mine && mine.uri === doc.uri.toString() && mine.start === start && mine.end === end) {
      this.panel.current?.editorFocus(t.traceId, positionAt(t.heat, start)?.ctx ?? null, null);
      return;
    }
    const cursor = positionAt(t.heat, doc.offsetAt(sel.active))?.ctx ?? null;
    const covered = sel.isEmpty ? null : positionsIn(t.heat, start, end);
    // selecting the whole traced text (as before tracing it) leaves nothing out: no filter
    const last = t.heat.reduce((m, h) => Math.max(m, h.ctx), 0);
    const first = t.heat.reduce((m, h) => Math.min(m, h.ctx), Infinity);
    const range = covered && covered[0] <= first && covered[1] >= last ? null : covered;
    this.panel.current?.editorFocus(t.traceId, cursor, range);
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const t = this.trace;
    if (!t?.uri || t.stale || document.uri.toString() !== t.uri.toString()) return undefined;
    const h = positionAt(t.heat, document.offsetAt(position));
    if (!h) return undefined;
    const clerps = new Map(clerpPairs(t.qParams.clerps, t.graph.nodes));
    const md = new vscode.MarkdownString(hoverMarkdown(t.graph, t.traceId, h.ctx, t.stale, clerps), true);
    md.isTrusted = { enabledCommands: HOVER_COMMANDS };
    md.supportHtml = true; // the example's activation shading
    return new vscode.Hover(md, new vscode.Range(document.positionAt(h.start), document.positionAt(h.end)));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
