// The graph toolbar: search, the influence and edge thresholds, view and filter toggles, grouping and zoom.
// Controls are webview-ui-toolkit elements, except the sliders, which the toolkit lacks (native range inputs).
import { select, type Selection } from 'd3';
import { displayToken, formatCount, formatPercent } from './format';
import { finishGrouping } from './groups';
import type { GraphModel } from './model';
import type { Store, ViewState } from './store';

type Root = Selection<HTMLElement, unknown, null, undefined>;

export interface ToolbarHooks {
  readonly zoomIn: () => void;
  readonly zoomOut: () => void;
  readonly resetZoom: () => void;
  readonly jumpTo: (query: string) => void;
}

export interface Toolbar {
  update(state: Readonly<ViewState>, changed: ReadonlySet<keyof ViewState>, counts: { nodes: number; links: number; drawnLimit: number }): void;
  focusSearch(): void;
}

export function initToolbar(el: HTMLElement, model: GraphModel, store: Store, hooks: ToolbarHooks): Toolbar {
  const root: Root = select(el).attr('role', 'toolbar').attr('aria-label', 'Graph controls');

  const search = root.append('vscode-text-field').attr('id', 'search').attr('placeholder', 'Search label or token  ( / )').attr('aria-label', 'Search nodes');
  search.on('input', (event: Event) => store.set({ search: (event.target as HTMLInputElement).value ?? '' }));
  search.on('keydown', (event: KeyboardEvent) => {
    if (event.key === 'Enter') hooks.jumpTo(store.get().search);
    if (event.key === 'Escape') {
      (event.target as HTMLInputElement).value = '';
      store.set({ search: '' });
    }
  });

  const nodeSlider = slider(root, 'node-threshold', 'Show nodes accounting for', 0.05, 1, 0.01, (v) => store.set({ nodeThreshold: v }));
  const edgeSlider = slider(root, 'edge-threshold', 'Hide links under', 0, 0.5, 0.005, (v) => store.set({ edgeThreshold: v }));

  const view = root.append('vscode-dropdown').attr('id', 'view-mode').attr('aria-label', 'View');
  view.append('vscode-option').attr('value', 'graph').text('Full graph');
  view.append('vscode-option').attr('value', 'subgraph').text('Pinned subgraph');
  view.on('change', (event: Event) => store.set({ view: (event.target as HTMLSelectElement).value === 'subgraph' ? 'subgraph' : 'graph' }));

  const checks = root.append('div').attr('class', 'checks');
  const hideErrors = checkbox(checks, 'hide-errors', 'Hide error nodes', (v) => store.set({ hideErrors: v }));
  const hideCommon = checkbox(checks, 'hide-common', `Hide very common features (${model.veryCommon.size})`, (v) => store.set({ hideCommon: v }));

  const buttons = root.append('div').attr('class', 'buttons');
  const group = iconButton(buttons, 'group-button', 'Group', 'Group nodes into a supernode (G)', () => {
    const s = store.get();
    if (s.grouping === null) store.set({ grouping: s.clickedId ? [s.clickedId] : [] });
    else store.set(finishGrouping(s));
  });
  iconButton(buttons, 'clear-pins', 'Clear pins', 'Unpin every node and remove supernodes', () => store.set({ pinnedIds: [], supernodes: [], grouping: null }));
  iconButton(buttons, 'zoom-in', '+', 'Zoom in (+)', hooks.zoomIn).attr('aria-label', 'Zoom in');
  iconButton(buttons, 'zoom-out', '−', 'Zoom out (−)', hooks.zoomOut).attr('aria-label', 'Zoom out');
  iconButton(buttons, 'zoom-reset', 'Fit', 'Reset zoom (0)', hooks.resetZoom);

  const status = root.append('span').attr('class', 'counts muted').attr('aria-live', 'polite');

  return {
    update(s, changed, counts) {
      if (changed.has('nodeThreshold')) nodeSlider.set(s.nodeThreshold, `${formatPercent(s.nodeThreshold)} of influence`);
      if (changed.has('edgeThreshold')) edgeSlider.set(s.edgeThreshold, `${formatPercent(s.edgeThreshold)} of input`);
      if (changed.has('view')) view.property('value', s.view);
      if (changed.has('hideErrors')) hideErrors.property('checked', s.hideErrors);
      if (changed.has('hideCommon')) hideCommon.property('checked', s.hideCommon);
      group.text(s.grouping === null ? 'Group' : `Save group (${s.grouping.length})`).classed('active', s.grouping !== null);
      const drawn = counts.drawnLimit < counts.links ? ` (strongest ${formatCount(counts.drawnLimit)} drawn; hover a node for all of its links)` : '';
      status.text(`${formatCount(counts.nodes)} of ${formatCount(model.nodes.length)} nodes · ${formatCount(counts.links)} of ${formatCount(model.links.length)} links${drawn}`);
      root.attr('data-visible-nodes', counts.nodes);
    },
    focusSearch: () => (search.node() as HTMLElement).focus(),
  };
}

function slider(root: Root, id: string, label: string, min: number, max: number, step: number, onInput: (v: number) => void) {
  const wrap = root.append('label').attr('class', 'slider').attr('for', id);
  wrap.append('span').attr('class', 'slider-label').text(label);
  const input = wrap.append('input').attr('type', 'range').attr('id', id).attr('min', min).attr('max', max).attr('step', step);
  const value = wrap.append('output').attr('for', id).attr('class', 'slider-value');
  // Rendering is cheap enough to follow the slider live; coalescing happens in the graph's frame scheduler.
  input.on('input', (event: Event) => onInput(Number((event.target as HTMLInputElement).value)));
  return {
    set(v: number, text: string) {
      input.property('value', v);
      value.text(text);
      input.attr('aria-valuetext', text);
    },
  };
}

function checkbox(root: Selection<HTMLDivElement, unknown, null, undefined>, id: string, text: string, onChange: (v: boolean) => void) {
  // the toolkit names a checkbox from aria-label only (it copies it before the text exists): name it explicitly
  return root.append('vscode-checkbox').attr('id', id).attr('aria-label', text).text(text)
    .on('change', (event: Event) => onChange(Boolean((event.target as HTMLInputElement).checked)));
}

function iconButton(root: Selection<HTMLDivElement, unknown, null, undefined>, id: string, text: string, title: string, onClick: () => void) {
  // named by the text it shows (a spoken command matches what is seen); the title describes it
  return root.append('vscode-button').attr('id', id).attr('appearance', 'secondary').attr('title', title).text(text).on('click', onClick);
}

/**
 * The editor selection's filter, said out loud: which positions the graph is limited to and a button back to all
 * of them. Hidden when nothing filters the graph. (Clicking a node never filters: only a selection the user makes
 * in the traced editor does.)
 */
export function renderFilterBar(el: HTMLElement, model: GraphModel, s: Readonly<ViewState>, reset: () => void): void {
  const range = s.positionFilter;
  el.hidden = range === null;
  if (range === null) {
    el.replaceChildren();
    return;
  }
  const [from, to] = range;
  const text = model.tokens.slice(from, to + 1).join('');
  const where = from === to ? `position ${from}` : `positions ${from}–${to}`;
  const note = document.createElement('span');
  note.className = 'filter-text';
  note.textContent = `Showing only ${where} ("${displayToken(text)}"), the text selected in the editor.`;
  const button = document.createElement('vscode-button');
  button.id = 'show-all-positions';
  button.setAttribute('appearance', 'secondary');
  button.textContent = 'Show all positions';
  button.addEventListener('click', reset);
  el.replaceChildren(note, button);
}
