// The graph panel: one webview that shows a graph, either the current trace's (the trace panel, tracePanel.ts) or a
// graph file's (its custom editor, graphFiles/). It owns the webview's lifetime, builds its page, validates what the
// page sends, and replays the latest content whenever the page (re)loads.
import * as vscode from 'vscode';
import { assertNever, parseFromWebview, type EngineStatus, type FromWebview, type ToWebview } from '../protocol/messages';
import type { InterventionRecord } from '../protocol/graph-json';
import { makeNonce, panelHtml } from './panelHtml';

export const GRAPH_VIEW_TYPE = 'selfTracing.graph';

export interface GraphPanelEvents {
  readonly log: vscode.LogOutputChannel;
  readonly onRendered: (report: FromWebview.Rendered) => void;
  readonly onCheckEngine: () => void;
  readonly onRevealPiece: (traceId: string, index: number) => void;
  /** The page's pins, supernodes, labels and thresholds changed (kept for Export Graph). */
  readonly onGraphState?: (traceId: string, qParams: FromWebview.GraphState['qParams']) => void;
  /** A node was clicked: select its prompt position in the traced editor. */
  readonly onRevealPosition?: (traceId: string, ctx: number, focus: boolean) => void;
  /** A feature node was opened: answer with `featureDetail`. */
  readonly onRequestFeature?: (traceId: string, featureKey: string) => void;
  /** The panel's intervention form: run it and answer with `interventionResult` or `interventionFailed`. */
  readonly onIntervene?: (message: FromWebview.Intervene) => void;
  readonly onCancelIntervention?: (traceId: string, requestId: string) => void;
}

/** Scripts only, and only the extension's own build and media folders are reachable from the page. */
function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class GraphPanel implements vscode.Disposable {
  private selection: ToWebview.ShowSelection | undefined;
  private engineStatus: EngineStatus | undefined;
  private graph: ToWebview.ShowGraph | undefined;
  private stale: ToWebview.TraceStale | undefined;
  private comparison: ToWebview.ShowComparison | undefined;
  private progress: ToWebview.TraceProgress | undefined;
  private readonly snapshots = new Map<string, (png: string) => void>();
  private pageReady = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  /** `pending` says what the panel opens for; the page shows it with a moving bar from its first frame. */
  static create(extensionUri: vscode.Uri, events: GraphPanelEvents, pending?: string): GraphPanel {
    const panel = vscode.window.createWebviewPanel(GRAPH_VIEW_TYPE, 'Self-Tracing', vscode.ViewColumn.Beside, webviewOptions(extensionUri));
    return new GraphPanel(panel, extensionUri, events, pending);
  }

  /** Takes over a panel that VS Code restored after a reload; the page restores its own view state. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, events: GraphPanelEvents): GraphPanel {
    panel.webview.options = webviewOptions(extensionUri);
    return new GraphPanel(panel, extensionUri, events);
  }

  private constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly events: GraphPanelEvents, pending?: string) {
    const { webview } = panel;
    const asUri = (...segments: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...segments)).toString();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    webview.html = panelHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asUri('dist', 'webview.js'), styleUri: asUri('media', 'panel.css'), graphStyleUri: asUri('dist', 'webview.css'), pending });
    if (pending) this.progress = { type: 'traceProgress', message: pending, fraction: null, done: false };
    this.disposables.push(
      webview.onDidReceiveMessage((data: unknown) => this.receive(data)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  /** The editor group the panel is in (undefined while it is not shown). */
  get viewColumn(): vscode.ViewColumn | undefined {
    return this.panel.viewColumn;
  }

  showSelection(message: Omit<ToWebview.ShowSelection, 'type'>): void {
    this.selection = { type: 'showSelection', ...message };
    this.post(this.selection);
  }

  /** Shows a graph (traced or opened from a file); the page keeps the view state of each trace. */
  showGraph(message: Omit<ToWebview.ShowGraph, 'type'>): void {
    this.graph = { type: 'showGraph', ...message };
    this.stale = undefined;
    this.comparison = undefined;
    this.post(this.graph);
  }

  /** Clear Trace: the page goes back to its empty state. */
  clearGraph(): void {
    this.graph = undefined;
    this.stale = undefined;
    this.comparison = undefined;
    this.post({ type: 'clearGraph' });
  }

  /** Compare With…: the comparison for the shown graph (replayed after a reload of the page); null clears it. */
  showComparison(message: Omit<ToWebview.ShowComparison, 'type'>): void {
    this.comparison = { type: 'showComparison', ...message };
    this.post(this.comparison);
  }

  get graphTraceId(): string | undefined {
    return this.graph?.traceId;
  }

  markStale(traceId: string, stale: boolean): void {
    this.stale = { type: 'traceStale', traceId, stale };
    this.post(this.stale);
  }

  editorFocus(traceId: string, cursor: number | null, range: readonly [number, number] | null): void {
    this.post({ type: 'editorFocus', traceId, cursor, range });
  }

  selectNode(traceId: string, nodeId: string, pin = false): void {
    this.post({ type: 'selectNode', traceId, nodeId, pin });
  }

  featureDetail(traceId: string, featureKey: string, detail: ToWebview.FeatureDetails['detail']): void {
    this.post({ type: 'featureDetail', traceId, featureKey, detail });
  }

  /** Shows an intervention's result; the cached graph keeps it, so a reloaded page lists it too. */
  interventionResult(traceId: string, record: InterventionRecord, requestId?: string): void {
    const g = this.graph;
    if (g?.traceId === traceId) {
      const extras = g.graph.selfTracing ?? { version: 1 };
      const kept = extras.interventions ?? [];
      const graph = kept.some((r) => r.id === record.id) ? g.graph : { ...g.graph, selfTracing: { ...extras, interventions: [...kept, record] } };
      this.graph = { ...g, graph };
    }
    this.post({ type: 'interventionResult', traceId, record, ...(requestId === undefined ? {} : { requestId }) });
  }

  interventionFailed(traceId: string, requestId: string, message: string, cancelled: boolean): void {
    this.post({ type: 'interventionFailed', traceId, requestId, message, cancelled });
  }

  /** A trace's progress in the page (shown from the page's first frame when the panel opened for it). */
  traceProgress(message: string, fraction: number | null, done: boolean): void {
    this.progress = { type: 'traceProgress', message, fraction, done };
    this.post(this.progress);
  }

  /**
   * A data URL of the graph: without `format` a PNG of the view as drawn now; `png` / `svg` the whole graph with
   * prompt, target and legend (PNG at 2×). Empty when the page cannot draw one in time.
   */
  snapshot(timeoutMs = 10_000, format?: 'png' | 'svg'): Promise<string> {
    if (!this.pageReady || !this.graph) return Promise.resolve('');
    const requestId = `snap-${Date.now().toString(36)}-${this.snapshots.size}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(''), timeoutMs);
      const finish = (png: string) => {
        clearTimeout(timer);
        this.snapshots.delete(requestId);
        resolve(png);
      };
      this.snapshots.set(requestId, finish);
      this.post({ type: 'requestSnapshot', requestId, ...(format ? { format } : {}) });
    });
  }

  showEngineStatus(status: EngineStatus): void {
    this.engineStatus = status;
    this.post({ type: 'engineStatus', status });
  }

  dispose(): void {
    if (this.disposables.length === 0) return;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }

  private post(message: ToWebview.Message): void {
    // Until the page says it is ready it cannot listen; it receives the latest content on `ready`.
    if (this.pageReady) void this.panel.webview.postMessage(message);
  }

  private receive(data: unknown): void {
    const parsed = parseFromWebview(data);
    if (!parsed.ok) {
      this.events.log.warn(`graph panel sent a malformed message (${parsed.reason}); ignored`);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ready': return this.replay();
      case 'rendered': return this.events.onRendered(message);
      case 'checkEngine': return this.events.onCheckEngine();
      case 'revealPiece': return this.events.onRevealPiece(message.traceId, message.index);
      case 'graphState': return this.events.onGraphState?.(message.traceId, message.qParams);
      case 'revealPosition': return this.events.onRevealPosition?.(message.traceId, message.ctx, message.focus);
      case 'snapshot': return this.snapshots.get(message.requestId)?.(message.png);
      case 'requestFeature': return this.events.onRequestFeature?.(message.traceId, message.featureKey);
      case 'intervene': return this.events.onIntervene?.(message);
      case 'cancelIntervention': return this.events.onCancelIntervention?.(message.traceId, message.requestId);
      case 'panelError': {
        this.events.log.error(`graph panel: ${message.message}${message.detail ? `\n${message.detail}` : ''}`);
        void vscode.window.showErrorMessage(`Self-Tracing: the graph panel failed: ${message.message}`, 'Show Log').then((c) => (c ? this.events.log.show(true) : undefined));
        return;
      }
      default: return assertNever(message);
    }
  }

  private replay(): void {
    this.pageReady = true;
    if (this.selection) this.post(this.selection);
    if (this.engineStatus) this.post({ type: 'engineStatus', status: this.engineStatus });
    if (this.graph) this.post(this.graph);
    if (this.stale) this.post(this.stale);
    if (this.comparison) this.post(this.comparison);
    // a finished trace too: the page's HTML shows the bar of the trace the panel opened for, and a page that loads
    // again (the panel hidden behind another tab, then shown) would keep that bar over the graph
    if (this.progress) this.post(this.progress);
  }
}
