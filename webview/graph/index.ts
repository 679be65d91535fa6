// Mounts the graph panel (summary, toolbar, link graph, side panel) for one graph into a page element.
// Knows nothing about VS Code: the page's main script passes callbacks for persistence and editor actions.
import { mountAutoSupernodes } from '../compare/autoSupernodesView';
import type { FeatureDetail, GraphJson, InterventionRecord } from '../../src/protocol/graph-json';
import { keySentence, nodeSentence, searchSentence } from './a11yAnnounce';
import { keepFocus } from './a11yFocus';
import { initNodeTable } from './a11yTable';
import { renderDetails as drawDetails, type DetailActions } from './details';
import { updateInterveneStatus, type InterveneRequest } from './interveneForm';
import { handleKey } from './keyboard';
import { BUDGET, initLinkGraph, type LinkGraph } from './linkGraph';
import { buildModel, targetNode, type GraphModel } from './model';
import { graphWithState, stateFromGraph } from './qparams';
import { createStore, persisted, type PersistedState, type Store, type ViewState } from './store';
import { interventionMarks, renderResults as drawResults } from './results';
import { renderSummary } from './summary';
import type { ImageFormat, ImageHeader } from './exportImage';
import { displayToken, formatNumber } from './format';
import { renderSupernodeList as drawSupernodeList } from './supernodeList';
import { readPalette, type Palette } from './theme';
import { initToolbar, renderFilterBar, type Toolbar, type ToolbarHooks } from './toolbar';
import { registerToolkit } from './toolkit';

export interface GraphPanelHooks {
  /** View state to keep across reloads (webview setState). Called after changes, debounced. */
  readonly saveState?: (state: PersistedState) => void;
  /** The user asked to see a node's token in the traced editor. */
  readonly revealNode?: (nodeId: string, ctx: number) => void;
  /** The user pointed at or clicked a node (the editor mirrors the position). */
  readonly nodeSelected?: (nodeId: string | null, ctx: number | null) => void;
  /** The user opened a feature whose full details the graph does not carry; answer with `featureDetail`. */
  readonly requestFeature?: (featureKey: string) => void;
  /** The user ran the intervention form; answer with `interventionResult` or `interventionFailed`. */
  readonly intervene?: (request: InterveneRequest) => void;
  readonly cancelIntervention?: (requestId: string) => void;
}

export interface GraphPanel {
  readonly store: Store;
  readonly model: GraphModel;
  readonly graph: LinkGraph;
  /** The graph with pins, supernodes, labels and thresholds saved into qParams. */
  exportGraph(): GraphJson;
  /** PNG data URL of the graph view. */
  snapshot(): Promise<string>;
  /** The whole graph with the prompt, target and a legend: an SVG, or a PNG at 2×. */
  exportImage(format: ImageFormat): Promise<string>;
  /** The host's answer to `requestFeature`: replaces the graph's summary (null: nothing more to show). */
  featureDetail(featureKey: string, detail: FeatureDetail | null): void;
  /** A finished intervention: listed, shown and its changes marked (answers `intervene`, or one run from the editor). */
  interventionResult(record: InterventionRecord, requestId?: string): void;
  /** The host's answer when the intervention `requestId` failed or was cancelled. */
  interventionFailed(requestId: string, message: string, cancelled: boolean): void;
  /** Rings on nodes by id (CSS class `mark <kind>`), e.g. a comparison's shared / only-here features; [] clears. */
  setMarks(marks: readonly { id: string; kind: string }[]): void;
  destroy(): void;
}

/** View state that is not saved: it changes too often or means nothing after a reload. */
const MOMENTARY = new Set<keyof ViewState>(['hoveredId', 'focusId', 'search', 'cursorPosition', 'interventionForm', 'intervening', 'interventionError', 'interventionId', 'markChanges']);

export function mountGraphPanel(root: HTMLElement, graphJson: GraphJson, hooks: GraphPanelHooks = {}, restored?: Partial<PersistedState>): GraphPanel {
  registerToolkit();
  const model = buildModel(graphJson);
  const results: InterventionRecord[] = [...(graphJson.selfTracing?.interventions ?? [])];
  const store = createStore({ ...stateFromGraph(graphJson), ...restored, interventionId: results.at(-1)?.id ?? null });
  const parts = createParts(root, graphJson, store);
  // rings set from outside the panel (Compare With…: shared / only here), drawn under the intervention marks
  let outsideMarks: readonly { id: string; kind: string }[] = [];
  const graph = initLinkGraph(parts.graph, model, store, (s) => [
    ...outsideMarks,
    ...(s.markChanges ? interventionMarks(results.find((r) => r.id === s.interventionId), (id) => model.byId.has(id)) : []),
  ]);
  const toolbar = initToolbar(parts.toolbar, model, store, toolbarHooks(graph, model, store, parts.announcer));
  const filterBar = part('div', 'filter-bar', parts.toolbar);
  filterBar.setAttribute('role', 'status');
  const side = new SideViews(parts, model, store, results, hooks);
  renderSummary(parts.summary, model, store);
  bindGraphKeys(parts, graph, model, store, toolbar);
  const nodeTable = initNodeTable(parts.table, model, store);
  const saver = stateSaver(store, hooks);

  const update = (s: Readonly<ViewState>, changed: ReadonlySet<keyof ViewState>) => {
    const scene = graph.scene();
    const any = (...keys: (keyof ViewState)[]) => keys.some((k) => changed.has(k));
    toolbar.update(s, changed, { nodes: scene.items.length, links: scene.edges.length, drawnLimit: BUDGET.wide + BUDGET.hairline });
    if (any('clickedId', 'pinnedIds', 'clerps', 'supernodes', 'positionFilter')) side.details();
    if (any('supernodes', 'grouping', 'clickedId')) side.supernodes();
    if (any('interventionId', 'markChanges', 'clerps')) side.results();
    if (any('intervening', 'interventionError')) side.interventionStatus(s);
    if (any('positionFilter')) renderFilterBar(filterBar, model, s, () => store.set({ positionFilter: null }));
    if (![...changed].every((k) => QUIET.has(k))) keepFocus(parts.table, () => nodeTable.update(scene, s));
    if (any('clickedId', 'hoveredId')) {
      const id = s.hoveredId ?? s.clickedId;
      const i = id === null ? undefined : model.byId.get(id);
      hooks.nodeSelected?.(id, i === undefined ? null : model.nodes[i].ctx);
    }
    saver.changed(changed);
  };
  const unsubscribe = store.subscribe(update);
  update(store.get(), new Set(Object.keys(store.get()) as (keyof ViewState)[]));

  const themeWatcher = new MutationObserver(() => {
    graph.refreshTheme();
    side.refreshTheme();
  });
  themeWatcher.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });

  return {
    store, model, graph,
    exportGraph: () => {
      const g = graphWithState(graphJson, persisted(store.get()));
      return results.length ? { ...g, selfTracing: { ...(g.selfTracing ?? { version: 1 }), interventions: [...results] } } : g;
    },
    snapshot: () => graph.snapshot(),
    exportImage: (format) => graph.exportImage(format, imageHeader(model)),
    featureDetail: (key, detail) => side.featureDetail(key, detail),
    interventionResult(record, requestId) {
      if (!results.some((r) => r.id === record.id)) results.push(record);
      const running = store.get().intervening;
      const done = running !== null && (requestId === undefined || running.requestId === requestId);
      store.set({ interventionId: record.id, ...(done || requestId !== undefined ? { intervening: done ? null : running, interventionError: null } : {}) });
      side.results();
    },
    setMarks(marks) {
      outsideMarks = marks;
      graph.refreshTheme();
    },
    interventionFailed(requestId, message, cancelled) {
      if (store.get().intervening?.requestId !== requestId) return;
      store.set({ intervening: null, interventionError: cancelled ? 'Cancelled.' : message });
    },
    destroy() {
      unsubscribe();
      themeWatcher.disconnect();
      saver.cancel();
      graph.destroy();
      root.replaceChildren();
    },
  };
}

/** View state changes that redraw nothing in the node table. */
const QUIET = new Set<keyof ViewState>(['hoveredId', 'cursorPosition', 'search', 'focusId', 'intervening', 'interventionError', 'interventionForm']);

function part(tag: string, cls: string, parent: HTMLElement): HTMLElement {
  const el = document.createElement(tag);
  el.className = cls;
  parent.appendChild(el);
  return el;
}

/** The panel's elements: summary, toolbar, the graph, and the side panel's sections. */
interface Parts {
  readonly summary: HTMLElement;
  readonly toolbar: HTMLElement;
  readonly graph: HTMLElement;
  readonly results: HTMLElement;
  readonly details: HTMLElement;
  readonly supernodes: HTMLElement;
  readonly table: HTMLElement;
  /** A polite live region: what the keyboard and search did, in words. */
  readonly announcer: HTMLElement;
}

function createParts(root: HTMLElement, graphJson: GraphJson, store: Store): Parts {
  root.replaceChildren();
  root.classList.add('graph-panel');
  const summary = part('div', 'summary', root);
  const toolbar = part('div', 'toolbar', root);
  const body = part('div', 'panel-body', root);
  const graph = part('div', 'graph-host', body);
  const side = part('aside', 'side', root);
  body.appendChild(side);
  side.setAttribute('aria-label', 'Node details');
  const results = part('section', 'results', side);
  results.setAttribute('aria-label', 'Intervention results');
  const details = part('section', 'details', side);
  const supernodes = part('section', 'supernodes', side);
  mountAutoSupernodes(part('section', 'auto-supernodes', side), graphJson, store);
  const table = part('section', 'node-table-host', side);
  table.setAttribute('aria-label', 'Nodes as a table');
  const announcer = part('div', 'sr-only', root);
  announcer.setAttribute('aria-live', 'polite');
  return { summary, toolbar, graph, results, details, supernodes, table, announcer };
}

function toolbarHooks(graph: LinkGraph, model: GraphModel, store: Store, announcer: HTMLElement): ToolbarHooks {
  return {
    zoomIn: () => graph.zoomBy(1.5),
    zoomOut: () => graph.zoomBy(1 / 1.5),
    resetZoom: () => graph.resetZoom(),
    jumpTo: (query) => {
      const q = query.trim().toLowerCase();
      const hit = graph.scene().items.find((it) => it.label.toLowerCase().includes(q) || model.nodes[it.members[0]]?.token.trim().toLowerCase() === q);
      if (hit) store.set({ clickedId: hit.id, focusId: hit.id });
      if (q) announcer.textContent = searchSentence(model, graph.scene(), store.get(), query, hit?.id ?? null);
    },
  };
}

/** Keyboard use of the graph: entering it by Tab marks a node; the keys move, open, pin and group, and are announced. */
function bindGraphKeys(parts: Parts, graph: LinkGraph, model: GraphModel, store: Store, toolbar: Toolbar): void {
  const { graph: graphEl, announcer } = parts;
  const announce = (id: string) => { announcer.textContent = nodeSentence(model, graph.scene(), store.get(), id); };
  const startId = () => store.get().clickedId ?? targetNode(model)?.id ?? graph.scene().items[0]?.id ?? null;
  // entering the graph by Tab marks a node (the open one, else the target) and says where the keys lead
  graphEl.addEventListener('focus', () => {
    const s = store.get();
    const id = s.focusId !== null && graph.scene().itemOfId.has(s.focusId) ? s.focusId : startId();
    if (id === null) return;
    if (id !== s.focusId) store.set({ focusId: id });
    announcer.textContent = `${nodeSentence(model, graph.scene(), store.get(), id)}. Arrow keys move, Enter opens, P pins, G groups, S toggles the pinned subgraph.`;
  });
  graphEl.addEventListener('keydown', (event) => {
    if (event.target !== graphEl) return;
    const before = store.get();
    const handled = handleKey(event, store, {
      scene: graph.scene, positionOf: graph.positionOf, focusSearch: toolbar.focusSearch, zoomBy: graph.zoomBy, resetZoom: graph.resetZoom, announce,
      startId,
    });
    if (handled) event.preventDefault();
    const said = handled ? keySentence(event.key, before, store.get(), graph.scene(), model) : null;
    if (said) announcer.textContent = said;
  });
}

/** Saves the persisted view state through the hook, 200 ms after the last change that is not momentary. */
function stateSaver(store: Store, hooks: GraphPanelHooks): { changed(keys: ReadonlySet<keyof ViewState>): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    changed(keys) {
      if (!hooks.saveState || [...keys].every((k) => MOMENTARY.has(k))) return;
      clearTimeout(timer);
      timer = setTimeout(() => hooks.saveState!(persisted(store.get())), 200);
    },
    cancel: () => clearTimeout(timer),
  };
}

/**
 * The side panel's views (node details, intervention results, supernodes), each redrawn with keyboard focus kept on
 * the same control (or the new node's heading), never on <body>; and the feature details loaded on demand.
 */
class SideViews {
  private palette: Palette;
  /** Feature details are requested once per feature; the summary shows meanwhile. */
  private readonly featureLoads = new Map<string, 'loading' | 'full'>();
  private readonly actions: DetailActions;

  constructor(private readonly parts: Parts, private readonly model: GraphModel, private readonly store: Store, private readonly shownResults: readonly InterventionRecord[], hooks: GraphPanelHooks) {
    this.palette = readPalette(parts.graph);
    this.actions = {
      revealNode: hooks.revealNode ? (id: string) => hooks.revealNode!(id, model.nodes[model.byId.get(id)!].ctx) : undefined,
      loadFeature: hooks.requestFeature ? (key) => this.loadFeature(key, hooks.requestFeature!) : undefined,
      intervene: hooks.intervene ? { intervene: hooks.intervene, cancel: (id) => hooks.cancelIntervention?.(id) } : undefined,
    };
  }

  details(): void {
    const el = this.parts.details;
    keepFocus(el, () => drawDetails(el, this.model, this.store, this.palette, this.actions), { subjectAttr: 'data-node', fallback: this.detailsHeading });
  }

  results(): void {
    const el = this.parts.results;
    keepFocus(el, () => drawResults(el, this.model, this.store, this.shownResults), { fallback: () => el.querySelector<HTMLElement>('.result-title') ?? this.detailsHeading() });
  }

  supernodes(): void {
    const el = this.parts.supernodes;
    keepFocus(el, () => drawSupernodeList(el, this.store), { fallback: this.detailsHeading });
  }

  interventionStatus(s: Readonly<ViewState>): void {
    keepFocus(this.parts.details, () => updateInterveneStatus(this.parts.details, s));
  }

  refreshTheme(): void {
    this.palette = readPalette(this.parts.graph);
    this.details();
  }

  /** The host's answer to a feature request: merged into the graph's features, redrawn if that feature is open. */
  featureDetail(key: string, detail: FeatureDetail | null): void {
    const { model, store } = this;
    this.featureLoads.set(key, 'full');
    if (detail && model.extras) {
      const features = (model.extras.features ??= {});
      features[key] = { ...features[key], ...detail };
    }
    const clicked = store.get().clickedId;
    const i = clicked === null ? undefined : model.byId.get(clicked);
    if (i !== undefined && model.nodes[i].featureKey === key) this.details();
  }

  private loadFeature(key: string, request: (key: string) => void): 'loading' | 'full' {
    const now = this.featureLoads.get(key);
    if (now) return now;
    this.featureLoads.set(key, 'loading');
    request(key);
    return 'loading';
  }

  private readonly detailsHeading = (): HTMLElement | null =>
    this.parts.details.querySelector<HTMLElement>('.node-label') ?? this.parts.details.querySelector<HTMLElement>('.empty');
}

/** The exported image's header: the prompt, the target and the graph's scores. */
function imageHeader(model: GraphModel): ImageHeader {
  const extras = model.extras;
  const target = targetNode(model);
  const prompt = extras?.source?.text ?? model.tokens.slice(1).join('');
  const targetText = extras?.target?.contrast
    ? `"${displayToken(extras.target.token)}" versus "${displayToken(extras.target.contrast.token)}"`
    : target ? `"${displayToken(target.token)}"${target.prob !== null ? ` (p = ${formatNumber(target.prob)})` : ''}` : 'none';
  const scores = extras?.scores;
  const facts = [
    `Target ${targetText}`,
    scores?.replacement !== undefined ? `replacement ${formatNumber(scores.replacement, 2)}` : '',
    scores?.completeness !== undefined ? `completeness ${formatNumber(scores.completeness, 2)}` : '',
  ].filter(Boolean);
  return { lines: [`Prompt: "${displayToken(prompt)}"`, facts.join(' · ')] };
}
