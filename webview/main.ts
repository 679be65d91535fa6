// Entry of the graph panel page (dist/webview.js): registers the toolkit controls, restores the view state,
// validates each host message, re-renders from the store and reports every render back to the host.
import { assertNever, parseToWebview, type EngineStatus, type ToWebview } from '../src/protocol/messages';
import { renderEngineStatus } from './engineStatusView';
import { registerToolkit } from './graph/toolkit';
import { GraphView } from './graphView';
import './graph/graph.css';
import { renderPieces } from './piecesView';
import { createStore } from './store';
import { loadState, post, saveState } from './vscodeApi';

/** the page's own state (the graph keeps its view state in graph/store.ts) */
interface PageState {
  readonly selection: ToWebview.ShowSelection | null;
  readonly engine: EngineStatus | null;
  /** Index of the piece the user clicked last, if any. */
  readonly activePiece: number | null;
}

registerToolkit();

const saved = loadState();
const store = createStore<PageState>({ selection: saved?.selection ?? null, engine: null, activePiece: saved?.activePiece ?? null });
const piecesRoot = document.getElementById('pieces') as HTMLElement;
const button = document.getElementById('check-engine') as HTMLElement;
let savedGraph = saved?.graph;
const graphView = new GraphView(document.getElementById('graph-root') as HTMLElement, {
  post,
  save: (view) => {
    savedGraph = view;
    saveState({ selection: store.get().selection, activePiece: store.get().activePiece, graph: view });
  },
}, savedGraph);

function render(state: PageState): void {
  const { selection, activePiece } = state;
  (document.getElementById('empty') as HTMLElement).hidden = selection !== null;
  (document.getElementById('source') as HTMLElement).textContent = selection
    ? `${selection.source.fileName}: ${selection.pieces.length} pieces, ${[...selection.source.text].length} characters`
    : '';
  renderPieces(piecesRoot, {
    pieces: selection?.pieces ?? [],
    activePiece,
    width: piecesRoot.clientWidth,
    onSelect: (index) => {
      store.set({ activePiece: index });
      if (selection) post({ type: 'revealPiece', traceId: selection.traceId, index });
    },
  });
  renderEngineStatus(document, state.engine);
  saveState({ selection, activePiece, graph: savedGraph });
  post({
    type: 'rendered',
    traceId: graphView.shownTraceId ?? selection?.traceId ?? null,
    pieceCount: piecesRoot.querySelectorAll('g.piece').length,
    engineState: state.engine?.state ?? null,
    toolkit: customElements.get('vscode-button') !== undefined && button.shadowRoot !== null,
    graphNodes: graphView.drawnNodes,
  });
}

/** After a graph is mounted: what it drew, for the host's log and the end-to-end tests. */
function reportGraph(traceId: string): void {
  post({
    type: 'rendered',
    traceId,
    pieceCount: 0,
    engineState: store.get().engine?.state ?? null,
    toolkit: customElements.get('vscode-button') !== undefined && button.shadowRoot !== null,
    graphNodes: graphView.drawnNodes,
  });
}

function receive(message: ToWebview.Message): void {
  switch (message.type) {
    case 'showSelection':
      return store.set({ selection: message, activePiece: null });
    case 'engineStatus':
      return store.set({ engine: message.status });
    case 'showGraph':
      document.body.classList.add('graph-mode');
      graphView.show(message);
      return reportGraph(message.traceId);
    case 'featureDetail':
      return graphView.featureDetail(message);
    case 'traceStale':
      return graphView.stale(message);
    case 'editorFocus':
      return graphView.editorFocus(message);
    case 'selectNode':
      return graphView.selectNode(message);
    case 'requestSnapshot':
      return void graphView.snapshot(message);
    case 'interventionResult':
      return graphView.interventionResult(message);
    case 'interventionFailed':
      return graphView.interventionFailed(message);
    case 'traceProgress':
      return showProgress(message);
    case 'clearGraph':
      graphView.clear();
      document.body.classList.remove('graph-mode');
      return store.set({ selection: null, activePiece: null });
    case 'showComparison':
      return graphView.comparison(message);
    default:
      return assertNever(message);
  }
}

/** The trace's progress: the first trace fills the page, a re-trace shows a bar under the graph it replaces. */
function showProgress(message: ToWebview.TraceProgress): void {
  const busy = document.getElementById('busy') as HTMLElement;
  busy.hidden = message.done;
  (document.getElementById('busy-text') as HTMLElement).textContent = message.message;
  const bar = busy.querySelector('.busy-bar') as HTMLElement;
  bar.classList.toggle('determinate', message.fraction !== null);
  (bar.firstElementChild as HTMLElement).style.width = message.fraction === null ? '' : `${Math.round(100 * message.fraction)}%`;
}

/** Every failure in the page reaches the user: the host shows it with Show Log (nothing fails silently). */
function reportError(message: string, err?: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : err === undefined ? undefined : String(err);
  post({ type: 'panelError', message, ...(detail === undefined ? {} : { detail }) });
}
window.addEventListener('error', (event: ErrorEvent) => reportError(event.message || 'a script error', event.error));
window.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) =>
  reportError(event.reason instanceof Error ? event.reason.message : String(event.reason), event.reason));

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = parseToWebview(event.data);
  if (!parsed.ok) {
    console.warn(`Self-Tracing panel ignored a message: ${parsed.reason}`);
    const type = (event.data as { type?: unknown } | null)?.type;
    if (type === 'showGraph') reportError(`the graph cannot be shown: ${parsed.reason}`);
    return;
  }
  try {
    receive(parsed.message);
  } catch (err) {
    reportError(`${parsed.message.type === 'showGraph' ? 'the graph could not be drawn' : `handling ${parsed.message.type} failed`}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
});
button.addEventListener('click', () => post({ type: 'checkEngine' }));
let lastWidth = piecesRoot.clientWidth;
new ResizeObserver(() => {
  if (piecesRoot.clientWidth === lastWidth) return; // only a new width changes the wrapping
  lastWidth = piecesRoot.clientWidth;
  render(store.get());
}).observe(piecesRoot);

store.subscribe(render);
render(store.get());
post({ type: 'ready' });
