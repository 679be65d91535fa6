// The side panel's list of supernodes and, while grouping, the group being built.
import { select } from 'd3';
import { finishGrouping, ungroup } from './groups';
import type { Store } from './store';

export function renderSupernodeList(el: HTMLElement, store: Store): void {
  const s = store.get();
  const root = select(el);
  root.selectAll('h3').data([0]).join('h3').text(`Supernodes (${s.supernodes.length})`);

  const building = root.selectAll<HTMLDivElement, string[]>('div.grouping').data(s.grouping === null ? [] : [s.grouping])
    .join((enter) => {
      const box = enter.append('div').attr('class', 'grouping').attr('role', 'status');
      box.append('p').attr('class', 'grouping-text');
      const buttons = box.append('div').attr('class', 'actions');
      buttons.append('vscode-button').attr('class', 'save-group').text('Save group').on('click', () => store.set(finishGrouping(store.get())));
      buttons.append('vscode-button').attr('class', 'cancel-group').attr('appearance', 'secondary').text('Cancel').on('click', () => store.set({ grouping: null }));
      return box;
    });
  building.select('p.grouping-text').text((g) => `Grouping: ${g.length} node${g.length === 1 ? '' : 's'} chosen. Click nodes (or press Enter on them) to add or remove, then save.`);

  const rows = root.selectAll<HTMLLIElement, string[]>('ul.supernode-list').data([0]).join('ul').attr('class', 'supernode-list')
    .selectAll<HTMLLIElement, { group: string[]; index: number }>('li')
    .data(s.supernodes.map((group, index) => ({ group, index })), (d) => `${d.index}:${d.group[0]}`)
    .join((enter) => {
      const li = enter.append('li');
      li.append('button').attr('class', 'sn-open plain').attr('type', 'button');
      li.append('button').attr('class', 'sn-ungroup plain').attr('type', 'button').attr('aria-label', 'Ungroup').attr('title', 'Ungroup').text('×');
      return li;
    })
    .attr('data-supernode', (d) => d.index)
    .classed('selected', (d) => s.clickedId === `sn:${d.index}`);
  rows.select('button.sn-open').text((d) => `▣ ${d.group[0]} (${d.group.length - 1})`).on('click', (_e, d) => store.set({ clickedId: `sn:${d.index}` }));
  rows.select('button.sn-ungroup').on('click', (_e, d) => store.set(ungroup(store.get(), d.index)));
  root.selectAll('p.hint').data(s.supernodes.length || s.grouping ? [] : [0]).join('p').attr('class', 'hint muted')
    .text('Pin nodes, then press Group (or G), click the nodes that belong together and save. The pinned subgraph shows each group as one node.');
}
