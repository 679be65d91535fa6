// The custom editor of graph files (`*.graph.json`, and any graph `*.json` through Reopen With): the graph panel
// is the file's editor. Pins, labels, supernodes and thresholds are text edits of the file's qParams (written in
// the file's own form, only that value replaced), so VS Code's undo/redo, dirty marker and Save work as for any
// text; an undo, or a change made in a text editor of the same file, redraws the panel from the file.
import * as vscode from 'vscode';
import type { GraphJson, GraphQParams, InterventionRecord } from '../../protocol/graph-json';
import { formOf, readSavedView, writeSavedView } from '../../protocol/graphForms';
import { MAX_GRAPH_BYTES, parseGraphText, parseJsonLenient, replaceQParamsText, replaceTopLevelValueText } from '../../protocol/graphText';
import type { FromWebview } from '../../protocol/messages';
import { GraphPanel } from '../graphPanel';
import { Disposable, disposeAll } from '../dispose';
import type { InterventionRunner } from '../interventions/interventionRunner';

export const GRAPH_FILE_VIEW_TYPE = 'selfTracing.graphFile';
/** The same editor, offered for any `.json` through Reopen With (never the default for plain JSON). */
export const GRAPH_JSON_VIEW_TYPE = 'selfTracing.graphJson';

/**
 * The view a file saves, comparable across forms, with absent values read as the panel reads them (a threshold the
 * file lacks is its default): a re-posted state that changes nothing is not an edit, and opening never dirties.
 */
function viewKey(graph: Pick<GraphJson, 'nodes' | 'metadata' | 'selfTracing'>, qParams: GraphQParams | undefined): string {
  const v = readSavedView({ qParams, nodes: graph.nodes });
  const nodeThreshold = graph.metadata.node_threshold ?? graph.metadata.pruning_settings?.node_threshold ?? 0.8;
  // order is not meaning for pins and labels (the page lists them in node order, a file in its own)
  const clerps = Object.entries(v.clerps).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({ ...v, pinnedIds: [...v.pinnedIds].sort(), clerps, edgeThreshold: v.edgeThreshold ?? 0, interventions: (graph as GraphJson).selfTracing?.interventions?.map((r) => r.id), pruningThreshold: v.pruningThreshold ?? nodeThreshold, linkType: v.linkType ?? 'either', clickedId: v.clickedId ?? '' });
}

function messagePage(title: string, detail: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none';">` +
    `</head><body style="font-family: var(--vscode-font-family); padding: 16px"><h3>${esc(title)}</h3><p>${esc(detail)}</p>` +
    '<p>Reopen the file with the text editor (Reopen Editor With… → Text Editor) to fix it.</p></body></html>';
}

/** The provider of both graph view types; it owns the editors it resolved and closes them when it is disposed. */
export class GraphFileEditorProvider extends Disposable implements vscode.CustomTextEditorProvider {
  private count = 0;
  /** The open editors by document, for "the active graph file" (export, tests). */
  readonly open = new Map<string, { document: vscode.TextDocument; panel: GraphPanel; traceId: string }>();
  /** Each open editor's panel and its document listener. */
  private readonly editors = new Set<vscode.Disposable>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly onRendered: (report: FromWebview.Rendered) => void,
    private readonly interventions?: InterventionRunner,
  ) {
    super();
    const options = { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: true };
    this.register(vscode.window.registerCustomEditorProvider(GRAPH_FILE_VIEW_TYPE, this, options));
    this.register(vscode.window.registerCustomEditorProvider(GRAPH_JSON_VIEW_TYPE, this, options));
  }

  override dispose(): void {
    super.dispose();
    disposeAll([...this.editors]);
    this.editors.clear();
  }

  async resolveCustomTextEditor(document: vscode.TextDocument, webviewPanel: vscode.WebviewPanel): Promise<void> {
    const name = document.uri.path.split('/').pop() ?? 'graph.json';
    const text = document.getText();
    if (text.length > MAX_GRAPH_BYTES) {
      webviewPanel.webview.html = messagePage(`${name} is too large to draw`, `Graphs over ${MAX_GRAPH_BYTES / 2 ** 20} MB are not opened; prune it with a higher threshold first.`);
      return;
    }
    const first = parseGraphText(text);
    if (!first.ok) {
      webviewPanel.webview.html = messagePage(`${name} is not an attribution graph`, first.reason);
      return;
    }
    for (const w of first.warnings) this.log.warn(`${document.uri.toString()}: ${w}`);
    // a graph cut to what the panel draws says so, so nobody reads a partial graph as the whole (the file keeps all)
    const cut = first.warnings.filter((w) => w.includes('the panel draws'));
    if (cut.length) void vscode.window.showWarningMessage(`Self-Tracing: ${name}: ${cut.join('; ')}. The file itself keeps every node.`);
    const traceId = `file-${++this.count}-${Date.now().toString(36)}`;
    let graph = first.graph;
    /** The view the document holds now; an edit that would not change it is not made. */
    let current = viewKey(graph, graph.qParams);
    let writing = Promise.resolve();
    const panel = GraphPanel.revive(webviewPanel, this.extensionUri, {
      log: this.log,
      onRendered: this.onRendered,
      onCheckEngine: () => undefined,
      onRevealPiece: () => undefined,
      onGraphState: (id, qParams) => {
        if (id !== traceId || viewKey(graph, qParams) === current) return;
        current = viewKey(graph, qParams);
        writing = writing.then(() => this.writeQParams(document, qParams)).catch((err) => this.log.error(`${name}: could not record the edit (${(err as Error).message})`));
      },
      onRequestFeature: (id, key) => panel.featureDetail(id, key, null),
      onIntervene: (m) => {
        if (!this.interventions) return panel.interventionFailed(m.traceId, m.requestId, 'Interventions are not available here.', false);
        // a result is kept as an edit of the file (selfTracing.interventions): undo removes it, Save keeps it
        void this.interventions.fromFile(m, { graph, panel, keep: (record) => { writing = writing.then(() => this.keepIntervention(document, record)); return writing; } });
      },
      onCancelIntervention: (_id, requestId) => this.interventions?.cancel(requestId),
    });
    const show = (viewFromFile: boolean) => panel.showGraph({ traceId, graph, fileName: name, origin: 'file', ...(viewFromFile ? { viewFromFile } : {}) });
    show(true);
    this.open.set(document.uri.toString(), { document, panel, traceId });
    const subscription = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() !== document.uri.toString() || e.contentChanges.length === 0) return;
      const parsed = parseGraphText(e.document.getText());
      if (!parsed.ok) return; // mid-edit in a text editor: keep showing the last good graph
      const next = viewKey(parsed.graph, parsed.graph.qParams);
      // a kept intervention coming back from our own edit: the panel already shows it
      if (next !== current && viewKey({ ...parsed.graph, selfTracing: graph.selfTracing }, parsed.graph.qParams) === current && (parsed.graph.selfTracing?.interventions?.length ?? 0) === (graph.selfTracing?.interventions?.length ?? 0) + 1 && this.kept.delete(parsed.graph.selfTracing!.interventions!.at(-1)!.id)) {
        graph = parsed.graph;
        current = next;
        return;
      }
      const sameGraph = parsed.graph.nodes.length === graph.nodes.length && parsed.graph.links.length === graph.links.length;
      graph = parsed.graph;
      if (next === current && sameGraph) return; // our own edit coming back
      current = next;
      show(true); // undo/redo or an edit elsewhere: the file's view wins
    });
    const editor = vscode.Disposable.from(subscription, panel);
    this.editors.add(editor);
    webviewPanel.onDidDispose(() => {
      this.editors.delete(editor);
      subscription.dispose();
      if (this.open.get(document.uri.toString())?.traceId === traceId) this.open.delete(document.uri.toString());
    });
  }

  /** Results this editor is writing into files, so their edit coming back does not redraw the panel. */
  private readonly kept = new Set<string>();

  /** Appends an intervention result to the file's selfTracing.interventions (the raw value: nothing else changes). */
  private async keepIntervention(document: vscode.TextDocument, record: InterventionRecord): Promise<void> {
    const text = document.getText();
    let raw: unknown;
    try {
      raw = parseJsonLenient(text).value;
    } catch {
      return;
    }
    const extras = (raw as { selfTracing?: unknown }).selfTracing;
    const base = extras && typeof extras === 'object' && !Array.isArray(extras) ? (extras as Record<string, unknown>) : { version: 1 };
    const list = Array.isArray(base.interventions) ? base.interventions : [];
    this.kept.add(record.id);
    await this.applyText(document, text, replaceTopLevelValueText(text, 'selfTracing', { ...base, interventions: [...list, record] }));
  }

  /** Replaces the document's qParams value: one undoable edit, the tab shows the file dirty until saved. */
  private async writeQParams(document: vscode.TextDocument, qParams: GraphQParams): Promise<void> {
    const text = document.getText();
    const parsed = parseGraphText(text, { cap: false });
    if (!parsed.ok) return;
    // in the file's own form, whatever the page sent; keys the view does not own (sg_pos, gridsnap…) kept
    const { qParams: inForm } = writeSavedView(readSavedView({ qParams, nodes: parsed.graph.nodes }), formOf(parsed.graph), parsed.graph.nodes, parsed.graph.qParams);
    await this.applyText(document, text, replaceQParamsText(text, parsed.graph, inForm));
  }

  private async applyText(document: vscode.TextDocument, text: string, next: string): Promise<void> {
    if (next === text) return;
    // the smallest range that differs, so the text model (and an open text editor) changes only there
    let p = 0;
    while (p < text.length && p < next.length && text.charCodeAt(p) === next.charCodeAt(p)) p++;
    let q = 0;
    while (q < text.length - p && q < next.length - p && text.charCodeAt(text.length - 1 - q) === next.charCodeAt(next.length - 1 - q)) q++;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(p), document.positionAt(text.length - q)), next.slice(p, next.length - q));
    await vscode.workspace.applyEdit(edit);
  }
}
