// Hosts the graph panel inside the webview page: mounts it for each graph the extension sends, keeps its view
// state across reloads (setState, keyed by trace), and turns its callbacks into protocol messages.
import type { FromWebview, ToWebview } from '../src/protocol/messages';
import { comparisonMarks, renderComparison } from './compare/compareView';
import { mountGraphPanel, type GraphPanel } from './graph/index';
import { qParamsFromState } from './graph/qparams';
import type { PersistedState as GraphViewState } from './graph/store';

export interface SavedGraphView {
  readonly traceId: string;
  readonly view: GraphViewState;
}

export interface GraphViewHost {
  post(message: FromWebview.Message): void;
  save(view: SavedGraphView): void;
}

export class GraphView {
  private panel: GraphPanel | undefined;
  private traceId: string | undefined;
  private readonly banner: HTMLElement;
  private readonly origin: HTMLElement;
  private readonly mount: HTMLElement;
  private readonly compare: HTMLElement;

  constructor(private readonly root: HTMLElement, private readonly host: GraphViewHost, private saved: SavedGraphView | undefined) {
    this.banner = document.createElement('div');
    this.banner.className = 'stale-banner';
    this.banner.hidden = true;
    this.banner.setAttribute('role', 'status');
    this.origin = document.createElement('div');
    this.origin.className = 'graph-origin';
    this.origin.setAttribute('role', 'note');
    this.mount = document.createElement('div');
    this.mount.className = 'graph-mount';
    this.compare = document.createElement('section');
    this.compare.hidden = true;
    root.append(this.origin, this.banner, this.compare, this.mount);
  }

  get current(): GraphPanel | undefined {
    return this.panel;
  }

  show(message: ToWebview.ShowGraph): void {
    this.panel?.destroy();
    const { traceId } = message;
    this.traceId = traceId;
    this.root.hidden = false;
    this.banner.hidden = true;
    this.compare.hidden = true; // a comparison belongs to the graph it was made for
    // textContent only: a file name is never markup
    this.origin.textContent = message.origin === 'file'
      ? `File: ${message.fileName} — pins, labels and supernodes are edits of this file (undo, save)`
      : `Live trace: ${message.fileName} — not saved; Export Graph or Save Trace as Graph File keeps it`;
    this.origin.dataset.origin = message.origin ?? 'trace';
    const restored = this.saved?.traceId === traceId && !message.viewFromFile ? this.saved.view : undefined;
    this.panel = undefined;
    this.mount.replaceChildren();
    try {
      this.panel = this.mountPanel(message, restored);
    } catch (err) {
      // the host shows the error (main.ts reports it); the panel says it in place of the graph
      this.panel = undefined;
      const note = document.createElement('p');
      note.className = 'graph-error';
      note.setAttribute('role', 'alert');
      note.textContent = `This graph could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
      this.mount.replaceChildren(note);
      throw err;
    }
  }

  private mountPanel(message: ToWebview.ShowGraph, restored: GraphViewState | undefined): GraphPanel {
    const { traceId, graph } = message;
    return mountGraphPanel(this.mount, graph, {
      saveState: (view) => {
        this.saved = { traceId, view };
        this.host.save(this.saved);
        this.host.post({ type: 'graphState', traceId, qParams: qParamsFromState(view, graph) });
      },
      // a graph file has no traced text to show a token in
      revealNode: message.origin === 'file' ? undefined : (_id, ctx) => this.host.post({ type: 'revealPosition', traceId, ctx, focus: true }),
      nodeSelected: (_id, ctx) => {
        if (ctx !== null && this.panel?.store.get().clickedId === _id) this.host.post({ type: 'revealPosition', traceId, ctx, focus: false });
      },
      requestFeature: (featureKey) => this.host.post({ type: 'requestFeature', traceId, featureKey }),
      intervene: (request) => this.host.post({ type: 'intervene', traceId, ...request }),
      cancelIntervention: (requestId) => this.host.post({ type: 'cancelIntervention', traceId, requestId }),
    }, restored);
  }

  /** Clear Trace: no graph any more (the page shows its empty state). */
  clear(): void {
    this.panel?.destroy();
    this.panel = undefined;
    this.traceId = undefined;
    this.banner.hidden = true;
    this.root.hidden = true;
  }

  /** The trace whose graph is shown, if any. */
  get shownTraceId(): string | undefined {
    return this.panel ? this.traceId : undefined;
  }

  /** Nodes the graph view draws now (0 when no graph is shown). */
  get drawnNodes(): number {
    return this.panel?.graph.scene().items.length ?? 0;
  }

  featureDetail(message: ToWebview.FeatureDetails): void {
    if (message.traceId === this.traceId) this.panel?.featureDetail(message.featureKey, message.detail);
  }

  interventionResult(message: ToWebview.InterventionResult): void {
    if (message.traceId === this.traceId) this.panel?.interventionResult(message.record, message.requestId);
  }

  interventionFailed(message: ToWebview.InterventionFailed): void {
    if (message.traceId === this.traceId) this.panel?.interventionFailed(message.requestId, message.message, message.cancelled);
  }

  /** Compare With…: the strip above the graph and the rings on its nodes; null clears both. */
  comparison(message: ToWebview.ShowComparison): void {
    if (message.traceId !== this.traceId || !this.panel) return;
    const c = message.comparison;
    if (!c) {
      this.compare.hidden = true;
      this.compare.replaceChildren();
      this.panel.setMarks([]);
      return;
    }
    renderComparison(this.compare, c, message.otherName, () => this.comparison({ ...message, comparison: null }));
    this.panel.setMarks(comparisonMarks(c));
  }

  stale(message: ToWebview.TraceStale): void {
    if (message.traceId !== this.traceId) return;
    this.banner.hidden = !message.stale;
    // positions of the old text mean nothing in the new one: the editor's filter goes with it
    if (message.stale) this.panel?.store.set({ positionFilter: null, cursorPosition: null });
    this.banner.textContent = 'The traced text has changed since this trace; the graph and heatmap describe the old text. Trace again to update.';
  }

  editorFocus(message: ToWebview.EditorFocus): void {
    if (message.traceId !== this.traceId || !this.panel) return;
    this.panel.store.set({ cursorPosition: message.cursor, positionFilter: message.range ? [message.range[0], message.range[1]] : null });
  }

  selectNode(message: ToWebview.SelectNode): void {
    if (message.traceId !== this.traceId || !this.panel) return;
    const s = this.panel.store.get();
    const pinnedIds = message.pin && !s.pinnedIds.includes(message.nodeId) ? [...s.pinnedIds, message.nodeId] : s.pinnedIds;
    this.panel.store.set({ clickedId: message.nodeId, focusId: message.nodeId, pinnedIds });
  }

  async snapshot(message: ToWebview.RequestSnapshot): Promise<void> {
    let png = '';
    try {
      png = !this.panel ? '' : message.format ? await this.panel.exportImage(message.format) : await this.panel.snapshot();
    } catch (err) {
      console.warn(`Self-Tracing could not draw the snapshot: ${String(err)}`);
    }
    this.host.post({ type: 'snapshot', requestId: message.requestId, png });
  }
}
