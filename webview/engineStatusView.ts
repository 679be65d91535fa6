// Shows the engine's state in the toolbar: a state tag, a toolkit progress ring while checking, and the status line.
import type { EngineStatus } from '../src/protocol/messages';

const TAGS: Record<EngineStatus['state'], string> = { starting: 'starting', checking: 'busy', ready: 'ready', error: 'error' };

export function renderEngineStatus(doc: Document, status: EngineStatus | null): void {
  const tag = doc.getElementById('engine-state');
  const busy = doc.getElementById('engine-busy');
  const message = doc.getElementById('engine-message');
  if (!tag || !busy || !message) return;
  const state = status?.state ?? 'starting';
  // 'checking' covers a trace too ("Tracing with organism…"): the tag says the engine is busy, not what it does
  tag.textContent = TAGS[state];
  tag.dataset.state = state;
  busy.hidden = state !== 'checking';
  message.textContent = status?.message ?? 'Waiting for the engine…';
  message.classList.toggle('error', state === 'error');
}
