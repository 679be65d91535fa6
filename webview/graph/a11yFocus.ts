// Keeps keyboard focus on the equivalent control when a part of the side panel is rebuilt or a control becomes
// disabled or hidden (Pin → Unpin, Run while running, the results closed, feature details arriving), so focus never
// falls back to <body>. A control is known across re-renders by its tag, its first class and the node it stands for.

/** Controls that stand in for one another when one of them is gone (by first class). */
const STAND_INS: Record<string, readonly string[]> = {
  'iv-run': ['iv-cancel'],
  'iv-cancel': ['iv-run'],
  'results-close': ['results-show', 'result-title'],
  'results-show': ['results-close', 'result-title'],
};

/** A selector for the same control after a re-render, or null when the element has nothing to know it by. */
export function controlKey(el: Element): string | null {
  if (el.id) return `#${CSS.escape(el.id)}`;
  const cls = el.classList[0];
  if (!cls) return null;
  const node = el.getAttribute('data-node');
  return `${el.localName}.${CSS.escape(cls)}${node ? `[data-node="${CSS.escape(node)}"]` : ''}`;
}

export function usable(el: Element | null): el is HTMLElement {
  if (!el || !el.isConnected || !(el instanceof HTMLElement)) return false;
  if (el.hidden || el.hasAttribute('disabled') || el.closest('[hidden]')) return false;
  return true;
}

/** The element that holds focus inside `container` (a toolkit element's host, not its shadow's input), if any. */
function focusedIn(container: HTMLElement): Element | null {
  const active = document.activeElement;
  return active && active !== document.body && container.contains(active) ? active : null;
}

function focusOn(el: HTMLElement): void {
  if (!el.hasAttribute('tabindex') && !el.matches('button, input, select, textarea, a[href], vscode-button, vscode-text-field, vscode-checkbox, vscode-dropdown')) el.setAttribute('tabindex', '-1');
  el.focus();
  // a toolkit control just enabled updates its inner control a frame later (FAST batches DOM updates): retry then
  if (document.activeElement === el) return;
  const retry = () => { if (usable(el) && (document.activeElement === null || document.activeElement === document.body)) el.focus(); };
  requestAnimationFrame(retry);
  setTimeout(retry, 50);
}

export interface KeepFocusOptions {
  /** Where focus goes when the control is gone and no stand-in is there (e.g. the new node's heading). */
  readonly fallback?: () => HTMLElement | null;
  /** Attribute of the container naming what it shows; when it changes, the fallback is used (another node's view). */
  readonly subjectAttr?: string;
}

/**
 * Runs `change` (a re-render of `container` or a state change that disables controls in it) and, if focus was in
 * the container, puts it back on the same control, its stand-in, or the fallback. Returns what `change` returns.
 */
export function keepFocus<T>(container: HTMLElement, change: () => T, options: KeepFocusOptions = {}): T {
  const before = focusedIn(container);
  if (!before) return change();
  const key = controlKey(before);
  const subject = options.subjectAttr ? container.getAttribute(options.subjectAttr) : null;
  const result = change();
  if (before.isConnected && usable(before) && document.activeElement === before) return result;
  const sameSubject = !options.subjectAttr || container.getAttribute(options.subjectAttr) === subject;
  const candidates: (HTMLElement | null)[] = [];
  if (key && sameSubject) candidates.push(container.querySelector<HTMLElement>(key));
  const first = before.classList[0];
  for (const alt of (first && STAND_INS[first]) || []) candidates.push(container.querySelector<HTMLElement>(`.${alt}`));
  candidates.push(options.fallback?.() ?? null);
  const target = candidates.find(usable);
  if (target) focusOn(target);
  return result;
}
