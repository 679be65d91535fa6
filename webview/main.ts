// Entry of the graph panel page (dist/webview.js): registers the toolkit controls, restores the view state,
// validates each host message, re-renders from the store and reports every render back to the host.
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeDivider, vsCodeProgressRing } from '@vscode/webview-ui-toolkit';
import { assertNever, parseToWebview, type ToWebview } from '../src/protocol/messages';
import { renderEngineStatus } from './engineStatusView';
import { renderPieces } from './piecesView';
import { createStore, type ViewState } from './store';
import { loadState, post, saveState } from './vscodeApi';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDivider(), vsCodeProgressRing());

const saved = loadState();
const store = createStore({ selection: saved?.selection ?? null, engine: null, activePiece: saved?.activePiece ?? null });
const piecesRoot = document.getElementById('pieces') as HTMLElement;
const button = document.getElementById('check-engine') as HTMLElement;

function render(state: ViewState): void {
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
      store.update({ activePiece: index });
      if (selection) post({ type: 'revealPiece', traceId: selection.traceId, index });
    },
  });
  renderEngineStatus(document, state.engine);
  saveState({ selection, activePiece });
  post({
    type: 'rendered',
    traceId: selection?.traceId ?? null,
    pieceCount: piecesRoot.querySelectorAll('g.piece').length,
    engineState: state.engine?.state ?? null,
    toolkit: customElements.get('vscode-button') !== undefined && button.shadowRoot !== null,
  });
}

function receive(message: ToWebview.Message): void {
  switch (message.type) {
    case 'showSelection':
      return store.update({ selection: message, activePiece: null });
    case 'engineStatus':
      return store.update({ engine: message.status });
    default:
      return assertNever(message);
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = parseToWebview(event.data);
  if (parsed.ok) receive(parsed.message);
  else console.warn(`Self-Tracing panel ignored a message: ${parsed.reason}`);
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
