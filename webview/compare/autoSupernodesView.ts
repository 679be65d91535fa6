// The side panel's "Propose supernodes": groups of features with similar input/output links and labels
// (src/protocol/autoSupernodes.ts) listed for the user to accept (saved as a hand-made supernode: pinned, in
// qParams), rename (the name field), split (× takes a member out) or dismiss. Clicking a member selects it.
import { proposeSupernodes, type SupernodeProposal } from '../../src/protocol/autoSupernodes';
import type { GraphJson } from '../../src/protocol/graph-json';
import { saveGroup } from '../graph/groups';
import type { Store } from '../graph/store';
import './compare.css';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(text: string, cls: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', `plain ${cls}`, text);
  b.type = 'button';
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

export function mountAutoSupernodes(root: HTMLElement, graph: GraphJson, store: Store): void {
  let proposals: SupernodeProposal[] | null = null;
  const labelOf = (id: string) => graph.nodes.find((n) => n.node_id === id)?.clerp || id;

  const render = () => {
    root.replaceChildren();
    root.setAttribute('aria-label', 'Proposed supernodes');
    root.appendChild(el('h3', '', proposals === null ? 'Automatic supernodes' : `Proposed supernodes (${proposals.length})`));
    if (proposals === null) {
      root.appendChild(el('p', 'hint muted', 'Groups features with similar input and output links and labels; accept, rename or split each proposal.'));
      root.appendChild(button('Propose supernodes', 'auto-propose', 'Propose supernodes', () => {
        proposals = proposeSupernodes(graph);
        render();
      }));
      return;
    }
    if (proposals.length === 0) root.appendChild(el('p', 'hint muted', 'No features here play a similar enough role to group.'));
    proposals.forEach((p, k) => {
      const box = el('div', 'auto-proposal');
      box.dataset.proposal = String(k);
      const name = el('input', 'auto-name');
      name.value = p.label;
      name.setAttribute('aria-label', `Name of proposed supernode ${k + 1}`);
      name.addEventListener('input', () => (p.label = name.value));
      box.append(name, el('span', 'muted auto-score', ` similarity ${p.score.toFixed(2)}`));
      const ul = el('ul', 'auto-members');
      for (const id of p.nodeIds) {
        const li = el('li', '');
        li.append(
          button(labelOf(id), 'auto-member', `Select ${labelOf(id)}`, () => store.set({ clickedId: id, focusId: id })),
          button('×', 'auto-split', `Take ${labelOf(id)} out of this group`, () => {
            p.nodeIds = p.nodeIds.filter((x) => x !== id);
            if (p.nodeIds.length < 2) proposals!.splice(k, 1);
            render();
          }),
        );
        ul.appendChild(li);
      }
      const actions = el('div', 'actions');
      actions.append(
        button('Accept', 'auto-accept', `Accept ${p.label}`, () => {
          const s = store.get();
          proposals!.splice(k, 1);
          store.set(saveGroup({ ...s, grouping: p.nodeIds }, p.label));
          render();
        }),
        button('Dismiss', 'auto-dismiss', `Dismiss ${p.label}`, () => {
          proposals!.splice(k, 1);
          render();
        }),
      );
      box.append(ul, actions);
      root.appendChild(box);
    });
  };
  render();
}
