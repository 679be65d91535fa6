// The hover tooltip: label, kind, layer, position, activation and influence of one scene item. Text only
// (labels come from files and users), positioned beside the pointer within the graph's box.
import { select } from 'd3';
import { displayToken, formatNumber, formatPercent } from './format';
import type { GraphModel } from './model';
import { axisName, rowName } from './overlay';
import type { SceneItem } from './scene';

const KIND_NAMES: Record<SceneItem['kind'], string> = {
  feature: 'Feature', attention: 'Attention feature', error: 'MLP error', embedding: 'Embedding', logit: 'Logit', bias: 'Bias', supernode: 'Supernode',
};

export function tooltipRows(model: GraphModel, item: SceneItem): [string, string][] {
  if (item.kind === 'supernode') return [['Members', String(item.members.length)]];
  const n = model.nodes[item.members[0]];
  const rows: [string, string][] = [
    ['Layer', rowName(n.row, model.nLayers)],
    ['Position', `${n.ctx} "${displayToken(model.tokens[n.ctx] ?? '')}"`],
  ];
  if (n.kind === 'logit') rows.push(['Probability', formatNumber(n.prob)]);
  if (n.activation !== null) rows.push(['Activation', formatNumber(n.activation, 2)]);
  rows.push(['Influence', n.influence >= 1 ? '—' : `${formatNumber(n.influence)} (top ${formatPercent(n.influence)})`]);
  return rows;
}

export function showTooltip(el: HTMLElement, model: GraphModel, item: SceneItem, x: number, y: number, bounds: { width: number; height: number }): void {
  fillTooltip(el, item.id, item.label, KIND_NAMES[item.kind], tooltipRows(model, item));
  const { offsetWidth: w, offsetHeight: h } = el;
  const left = x + 14 + w > bounds.width ? x - 14 - w : x + 14;
  const top = Math.min(Math.max(4, y - h / 2), bounds.height - h - 4);
  el.style.left = `${Math.max(4, left)}px`;
  el.style.top = `${top}px`;
}

/** A prompt token's tooltip, for the axis labels (abbreviated ones show their whole token here). */
export function showTokenTooltip(el: HTMLElement, model: GraphModel, ctx: number, x: number, y: number, bounds: { width: number; height: number }): void {
  const token = model.tokens[ctx] ?? '';
  const bos = axisName(token, ctx) === 'BOS';
  const score = model.extras?.tokenScores?.total?.[ctx];
  const label = bos ? `BOS (${token})` : `"${displayToken(token)}"`;
  const rows: [string, string][] = [['Position', String(ctx)]];
  if (score !== undefined) rows.push(['Attribution', `${formatNumber(score)} (logit units, all paths)`]);
  fillTooltip(el, `token-${ctx}`, label, bos ? 'Beginning-of-sequence token the tracer puts first' : 'Prompt token', rows);
  const { offsetWidth: w, offsetHeight: h } = el;
  el.style.left = `${Math.max(4, Math.min(x - w / 2, bounds.width - w - 4))}px`;
  el.style.top = `${Math.max(4, y - h - 12)}px`;
}

export function hideTooltip(el: HTMLElement): void {
  el.hidden = true;
}

/** Shows the tooltip element with a title, a kind line and one dt/dd row per [name, value]. */
function fillTooltip(el: HTMLElement, id: string, title: string, kind: string, rows: readonly [string, string][]): void {
  const root = select(el).attr('hidden', null).attr('data-id', id);
  root.selectAll('div.tt-title').data([title]).join('div').attr('class', 'tt-title').text((d) => d);
  root.selectAll('div.tt-kind').data([kind]).join('div').attr('class', 'tt-kind').text((d) => d);
  root.selectAll('dl').data([0]).join('dl')
    .selectAll('div')
    .data(rows)
    .join((enter) => {
      const row = enter.append('div');
      row.append('dt');
      row.append('dd');
      return row;
    })
    .call((row) => row.select('dt').text((d) => d[0]))
    .call((row) => row.select('dd').text((d) => d[1]));
}
