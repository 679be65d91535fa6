// The intervention results view: for the chosen result, the next-token probabilities before and after as paired
// bars, the graph's outputs with their probability change, the continuations, and the features that changed most
// (those in the graph are marked there and open on click). Earlier results stay one pick away.
import { select, type Selection } from 'd3';
import type { InterventionRecord, InterventionToken } from '../../src/protocol/graph-json';
import { displayToken, formatNumber, formatSigned } from './format';
import type { GraphModel } from './model';
import { labelOf } from './scene';
import type { Store } from './store';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- d3 selections are invariant in their element type
type Section = Selection<any, unknown, null, undefined>;

/** Rows of the before/after chart: the clean top tokens, then new ones the intervention brought up. */
const BAR_ROWS = 8;
const CHANGE_ROWS = 10;

const MODE_NAMES: Record<InterventionRecord['mode'], string> = { free: 'free', frozen: 'frozen attention', constrained: 'constrained' };
const pct = (p: number, extra = 0, base = p) => `${(p * 100).toFixed((base >= 0.1 ? 0 : 1) + extra)}%`;
/**
 * `62% → 8.0%` as each value reads alone, unless two different values would read as the same number (`99% → 99%`,
 * `10.0% → 10%`): then both with the decimals the smaller one needs and as many more as tell them apart (at most 3)
 */
export function pctPair(before: number, after: number): string {
  const [a, b] = [pct(before), pct(after)];
  if (before === after || parseFloat(a) !== parseFloat(b)) return `${a} → ${b}`;
  const base = Math.min(before, after);
  let extra = 0;
  while (extra < 3 && pct(before, extra, base) === pct(after, extra, base)) extra++;
  return `${pct(before, extra, base)} → ${pct(after, extra, base)}`;
}

export interface BarRow {
  readonly token: string;
  readonly clean: number;
  readonly after: number;
}

/** Tokens by clean rank, then any the intervened run ranks high that the clean one did not, up to `max` rows. */
export function barRows(record: InterventionRecord, max = BAR_ROWS): BarRow[] {
  const before = new Map(record.clean.top.map((t) => [t.id, t]));
  const after = new Map(record.intervened.top.map((t) => [t.id, t]));
  const target = new Map(record.targets.map((t) => [t.id, t]));
  const prob = (id: number, side: 'clean' | 'after') =>
    (side === 'clean' ? before.get(id)?.prob ?? target.get(id)?.cleanProb : after.get(id)?.prob ?? target.get(id)?.prob) ?? 0;
  const ids: number[] = [];
  const half = Math.ceil(max / 2);
  for (const t of record.clean.top.slice(0, half)) ids.push(t.id);
  for (const t of record.intervened.top) if (!ids.includes(t.id) && ids.length < max) ids.push(t.id);
  for (const t of record.clean.top) if (!ids.includes(t.id) && ids.length < max) ids.push(t.id);
  const token = (id: number) => (before.get(id) ?? after.get(id) ?? (target.get(id) as InterventionToken | undefined))?.token ?? `#${id}`;
  return ids.map((id) => ({ token: token(id), clean: prob(id, 'clean'), after: prob(id, 'after') }));
}

export function renderResults(el: HTMLElement, model: GraphModel, store: Store, results: readonly InterventionRecord[]): void {
  const s = store.get();
  const root = select(el);
  root.selectAll('*').remove();
  root.attr('hidden', results.length ? null : '');
  if (!results.length) return;
  const record = results.find((r) => r.id === s.interventionId);
  root.attr('data-result', record?.id ?? null);
  const head = root.append('div').attr('class', 'results-head');
  head.append('h3').text(`Interventions (${results.length})`);
  if (!record) {
    head.append('vscode-button').attr('class', 'results-show').attr('appearance', 'secondary').text('Show latest')
      .on('click', () => store.set({ interventionId: results.at(-1)!.id }));
    return;
  }
  head.append('button').attr('class', 'results-close plain').attr('type', 'button').attr('title', 'Hide the results').attr('aria-label', 'Hide the results').text('×')
    .on('click', () => store.set({ interventionId: null }));
  if (results.length > 1) {
    const pick = root.append('vscode-dropdown').attr('class', 'results-pick').attr('aria-label', 'Intervention result');
    pick.selectAll('vscode-option').data([...results].reverse()).join('vscode-option')
      .attr('value', (r) => r.id).attr('selected', (r) => (r.id === record.id ? '' : null)).text((r) => r.title);
    pick.property('value', record.id);
    pick.on('change', (event: Event) => store.set({ interventionId: (event.target as HTMLSelectElement).value }));
  }
  root.append('h2').attr('class', 'result-title').text(record.title);
  const where = record.where === 'all' ? 'every position' : record.where === 'generated' ? 'generated tokens' : "each node's position";
  root.append('div').attr('class', 'result-meta muted').text(`${MODE_NAMES[record.mode]} · ${where} · ${record.nodeIds.length} node${record.nodeIds.length === 1 ? '' : 's'}`);

  bars(root, barRows(record));
  targets(root, record);
  if (record.clean.continuation !== undefined || record.intervened.continuation !== undefined) continuations(root, record);
  changes(root, model, store, record);
}

function bars(root: Section, rows: BarRow[]): void {
  const section = root.append('section').attr('class', 'result-bars');
  section.append('h4').text('Next token');
  const legend = section.append('div').attr('class', 'bar-legend muted');
  legend.append('span').attr('class', 'key clean');
  legend.append('span').text('before');
  legend.append('span').attr('class', 'key after');
  legend.append('span').text('after');
  const max = Math.max(1e-9, ...rows.flatMap((r) => [r.clean, r.after]));
  const row = section.selectAll('div.bar-row').data(rows).join('div').attr('class', 'bar-row')
    .attr('title', (r) => `"${displayToken(r.token)}": ${pct(r.clean)} before, ${pct(r.after)} after`);
  row.append('span').attr('class', 'bar-token').text((r) => displayToken(r.token));
  const track = row.append('span').attr('class', 'bar-track');
  track.append('span').attr('class', 'bar clean').style('width', (r) => `${(100 * r.clean) / max}%`);
  track.append('span').attr('class', (r) => `bar after ${r.after >= r.clean ? 'up' : 'down'}`).style('width', (r) => `${(100 * r.after) / max}%`);
  row.append('span').attr('class', 'bar-value').text((r) => pctPair(r.clean, r.after));
}

function targets(root: Section, record: InterventionRecord): void {
  if (!record.targets.length) return;
  const section = root.append('section').attr('class', 'result-targets');
  section.append('h4').text("The graph's outputs");
  const row = section.selectAll('div.target-row').data(record.targets).join('div').attr('class', 'target-row');
  row.append('span').attr('class', 'target-token').text((t) => `"${displayToken(t.token)}"`);
  row.append('span').attr('class', 'target-probs').text((t) => pctPair(t.cleanProb, t.prob));
  row.append('span').attr('class', (t) => `target-delta ${t.prob >= t.cleanProb ? 'up' : 'down'}`)
    .text((t) => `${formatSigned((t.prob - t.cleanProb) * 100, 1)} pts`);
}

function continuations(root: Section, record: InterventionRecord): void {
  const section = root.append('section').attr('class', 'result-continuation');
  section.append('h4').text(`Continuation (${record.generate} tokens)`);
  for (const [name, text] of [['before', record.clean.continuation], ['after', record.intervened.continuation]] as const) {
    const line = section.append('div').attr('class', `continuation ${name}`);
    line.append('span').attr('class', 'muted').text(`${name}: `);
    line.append('span').attr('class', 'continuation-text').text(displayToken(text ?? ''));
  }
}

function changes(root: Section, model: GraphModel, store: Store, record: InterventionRecord): void {
  if (!record.changes.length) return;
  const s = store.get();
  const section = root.append('section').attr('class', 'result-changes');
  const inGraph = record.changes.filter((c) => model.byId.has(c.nodeId)).length;
  section.append('h4').text(`Features that changed most (${inGraph} in the graph)`);
  const mark = section.append('vscode-checkbox').attr('class', 'mark-changes').property('checked', s.markChanges).attr('aria-label', 'Mark them in the graph').text('Mark them in the graph');
  mark.on('change', (event: Event) => store.set({ markChanges: Boolean((event.target as HTMLInputElement).checked) }));
  const rows = section.selectAll('button.change-row').data(record.changes.slice(0, CHANGE_ROWS)).join('button')
    .attr('type', 'button')
    .attr('class', (c) => `change-row conn-row plain ${c.delta >= 0 ? 'up' : 'down'}${model.byId.has(c.nodeId) ? ' in-graph' : ''}`)
    .attr('data-node', (c) => c.nodeId)
    .attr('disabled', (c) => (model.byId.has(c.nodeId) ? null : ''))
    .on('click', (_e, c) => { if (model.byId.has(c.nodeId)) store.set({ clickedId: c.nodeId, focusId: c.nodeId }); });
  rows.append('span').attr('class', 'conn-label').text((c) => {
    const i = model.byId.get(c.nodeId);
    const [layer, feature, pos] = c.nodeId.split('_');
    const where = `L${layer} @"${displayToken(model.tokens[Number(pos)] ?? pos)}"`;
    return i === undefined ? `#${feature} · ${where}` : `${labelOf(model.nodes[i], s.clerps)} · ${where}`;
  });
  rows.append('span').attr('class', 'conn-where').text((c) => `${formatNumber(c.clean, 2)} → ${formatNumber(c.intervened, 2)}`);
  rows.append('span').attr('class', 'conn-weight').text((c) => formatSigned(c.delta, 2));
}

/** The nodes to mark for a result: its most changed nodes in the graph (scale 0…1 by |delta|) and the changed ones. */
export function interventionMarks(record: InterventionRecord | undefined, has: (id: string) => boolean): { id: string; kind: string; scale: number }[] {
  if (!record) return [];
  const shown = record.changes.filter((c) => has(c.nodeId)).slice(0, CHANGE_ROWS * 2);
  const max = Math.max(1e-9, ...shown.map((c) => Math.abs(c.delta)));
  return [
    ...record.nodeIds.filter(has).map((id) => ({ id, kind: 'intervened', scale: 0 })),
    ...shown.map((c) => ({ id: c.nodeId, kind: `changed ${c.delta >= 0 ? 'up' : 'down'}`, scale: Math.abs(c.delta) / max })),
  ];
}
