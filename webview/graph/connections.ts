// A node's strongest incoming and outgoing links, split into positive and negative, as rows coloured by the
// link's colour with contrasting text (circuit-tracer's node-connections panel). Rows hover and click like nodes.
import { select, type Selection } from 'd3';
import { formatSigned } from './format';
import type { GraphModel, ModelNode } from './model';
import { rowName } from './overlay';
import { labelOf, visibleNodes } from './scene';
import type { Store } from './store';
import { edgeBucket, textOn, type Palette } from './theme';

const MAX_ROWS = 8;

interface Row {
  readonly other: ModelNode;
  readonly weight: number;
  readonly pct: number;
}

export function connectionRows(model: GraphModel, node: ModelNode, direction: 'input' | 'output'): { positive: Row[]; negative: Row[] } {
  const list = direction === 'input' ? model.incoming[node.index] : model.outgoing[node.index];
  const rows = list.map((li) => {
    const l = model.links[li];
    // An output link's share is of *its* target's input, the number circuit-tracer shows too.
    return { other: model.nodes[direction === 'input' ? l.source : l.target], weight: l.weight, pct: l.pctInput };
  });
  return { positive: rows.filter((r) => r.weight > 0).slice(0, MAX_ROWS), negative: rows.filter((r) => r.weight < 0).slice(0, MAX_ROWS) };
}

export function renderConnections(
  parent: Selection<HTMLElement, unknown, null, undefined>,
  model: GraphModel,
  node: ModelNode,
  store: Store,
  palette: Palette,
): void {
  const state = store.get();
  const clerps = state.clerps;
  // with a filter from the editor selection, a linked node outside it is listed but not drawn: say so on its row
  const drawn = state.positionFilter ? visibleNodes(model, state) : null;
  const notDrawn = (r: Row) => drawn !== null && !drawn[r.other.index];
  const columns = (['input', 'output'] as const).map((direction) => ({ direction, ...connectionRows(model, node, direction) }));
  const column = parent.selectAll<HTMLElement, (typeof columns)[number]>('section.connections')
    .data(columns, (c) => c.direction)
    .join((enter) => enter.append('section').attr('class', 'connections'))
    .attr('data-direction', (c) => c.direction);
  column.selectAll('h3').data((c) => [c]).join('h3')
    .text((c) => `${c.direction === 'input' ? 'Inputs' : 'Outputs'} (${(c.direction === 'input' ? model.incoming : model.outgoing)[node.index].length})`);
  const groups = column.selectAll<HTMLElement, { sign: string; rows: Row[] }>('div.sign-group')
    .data((c) => [{ sign: 'Positive', rows: c.positive }, { sign: 'Negative', rows: c.negative }].filter((g) => g.rows.length > 0), (g) => g.sign)
    .join((enter) => enter.append('div').attr('class', 'sign-group'));
  groups.selectAll('h4').data((g) => [g.sign]).join('h4').text((d) => d);
  groups.selectAll<HTMLElement, Row>('button.conn-row')
    .data((g) => g.rows, (r) => r.other.id)
    .join((enter) => {
      const b = enter.append('button').attr('class', 'conn-row').attr('type', 'button');
      b.append('span').attr('class', 'conn-label');
      b.append('span').attr('class', 'conn-where');
      b.append('span').attr('class', 'conn-weight');
      return b;
    })
    .attr('data-node', (r) => r.other.id)
    .classed('not-drawn', notDrawn)
    .attr('title', (r) => `${labelOf(r.other, clerps)} — share of input ${Math.round(r.pct * 100)}%${notDrawn(r) ? ' — not drawn: outside the positions selected in the editor' : ''}`)
    .each(function (r) {
      const bg = palette.edgeBuckets[edgeBucket(r.pct)];
      this.style.backgroundColor = bg;
      this.style.color = textOn(bg);
    })
    .call((b) => b.select('.conn-label').text((r) => labelOf(r.other, clerps)))
    .call((b) => b.select('.conn-where').text((r) => `${r.other.ctx < node.ctx ? '← ' : r.other.ctx > node.ctx ? '→ ' : ''}${rowName(r.other.row, model.nLayers)}${notDrawn(r) ? ' · not drawn' : ''}`))
    .call((b) => b.select('.conn-weight').text((r) => formatSigned(r.weight)))
    .on('click', (_e, r) => store.set({ clickedId: r.other.id, focusId: r.other.id }))
    .on('mouseenter', (_e, r) => store.set({ hoveredId: r.other.id }))
    .on('mouseleave', () => store.set({ hoveredId: null }));
  select(parent.node()).selectAll('p.no-connections').data(columns.every((c) => !c.positive.length && !c.negative.length) ? [0] : [])
    .join('p').attr('class', 'no-connections muted').text('No links in this graph.');
}
