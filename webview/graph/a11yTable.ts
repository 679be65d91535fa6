// The graph as a table, for people who cannot see the canvas: one row per node shown (kind, layer, position and
// token, activation, influence, pinned), in layer then position order, kept in sync with the view. A row's button
// opens the node as a click on it does. Collapsed by default; rendered only while open (big graphs stay cheap).
import { select } from 'd3';
import './a11y.css';
import { displayToken, formatNumber, formatPercent } from './format';
import type { GraphModel } from './model';
import { rowName } from './overlay';
import type { Scene } from './scene';
import type { Store, ViewState } from './store';

const KINDS: Record<string, string> = { feature: 'Feature', attention: 'Attention', error: 'MLP error', embedding: 'Embedding', logit: 'Logit', bias: 'Bias', supernode: 'Supernode' };

export interface NodeTable {
  update(scene: Scene, s: Readonly<ViewState>): void;
}

export function initNodeTable(el: HTMLElement, model: GraphModel, store: Store): NodeTable {
  const details = select(el).append('details').attr('class', 'node-table');
  const summary = details.append('summary').attr('class', 'node-table-summary');
  const table = details.append('table');
  table.append('caption').attr('class', 'sr-only').text('Nodes of the graph shown, by layer and position');
  const headRow = table.append('thead').append('tr');
  for (const h of ['Node', 'Kind', 'Layer', 'Position', 'Activation', 'Influence', 'Pinned']) headRow.append('th').attr('scope', 'col').text(h);
  const body = table.append('tbody');
  let last: { scene: Scene; s: Readonly<ViewState> } | null = null;

  const draw = () => {
    if (!last) return;
    const { scene, s } = last;
    summary.text(`Nodes as a table (${scene.items.length})`);
    if (!(details.node() as HTMLDetailsElement).open) return;
    const rows = scene.items.map((it) => {
      const n = it.kind === 'supernode' ? undefined : model.nodes[it.members[0]];
      return {
        id: it.id, label: it.label, kind: KINDS[it.kind] ?? it.kind, row: it.row, ctx: it.ctx,
        layer: rowName(it.row, model.nLayers),
        position: `${it.ctx} "${displayToken(model.tokens[it.ctx] ?? '')}"`,
        activation: n?.activation != null ? formatNumber(n.activation, 2) : '—',
        influence: !n || n.influence >= 1 ? '—' : `top ${formatPercent(n.influence)}`,
        pinned: s.pinnedIds.includes(it.id) ? 'pinned' : '',
      };
    }).sort((a, b) => a.row - b.row || a.ctx - b.ctx);
    const tr = body.selectAll<HTMLTableRowElement, (typeof rows)[number]>('tr').data(rows, (r) => r.id)
      .join((enter) => {
        const row = enter.append('tr');
        row.append('th').attr('scope', 'row').append('button').attr('type', 'button').attr('class', 'node-open plain');
        for (let i = 0; i < 6; i++) row.append('td');
        return row;
      })
      .attr('data-node', (r) => r.id)
      .attr('aria-current', (r) => (r.id === s.clickedId ? 'true' : null));
    tr.order();
    tr.select('button').attr('data-node', (r) => r.id).text((r) => r.label).on('click', (_e, r) => store.set({ clickedId: r.id, focusId: r.id }));
    tr.selectAll<HTMLTableCellElement, unknown>('td').data((r) => [r.kind, r.layer, r.position, r.activation, r.influence, r.pinned]).text((d) => d);
  };
  details.on('toggle', draw);
  return {
    update(scene, s) {
      last = { scene, s };
      draw();
    },
  };
}
