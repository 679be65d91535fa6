// Shows the engine's state in the toolbar: a state tag, a toolkit progress ring while checking, and the status line.
import type { EngineStatus } from '../src/protocol/messages';

export function renderEngineStatus(doc: Document, status: EngineStatus | null): void {
  const tag = doc.getElementById('engine-state');
  const busy = doc.getElementById('engine-busy');
  const message = doc.getElementById('engine-message');
  if (!tag || !busy || !message) return;
  const state = status?.state ?? 'starting';
  tag.textContent = state;
  tag.dataset.state = state;
  busy.hidden = state !== 'checking';
  message.textContent = status?.message ?? 'Waiting for the engine…';
  message.classList.toggle('error', state === 'error');
}
