// The side panel's node details for the clicked node: label (editable for features), layer, position,
// activation, influence, promoted and suppressed tokens, top activating examples, strongest links.
// A clicked supernode shows its name and members instead.
import { select, type Selection } from 'd3';
import { renderConnections } from './connections';
import { renderInterveneForm, type FormHooks } from './interveneForm';
import { displayToken, formatNumber, formatPercent } from './format';
import { membersOf, rename, ungroup, unpin } from './groups';
import { detailsOf, type GraphModel, type ModelNode } from './model';
import { rowName } from './overlay';
import { labelOf } from './scene';
import { toggled, type Store } from './store';
import type { Palette } from './theme';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- d3 selections are invariant in their element type
type Section = Selection<any, unknown, null, undefined>;

export interface DetailActions {
  /** Reveal the node's token in the editor the graph was traced from. */
  readonly revealNode?: (nodeId: string) => void;
  /**
   * Ask the host for a feature's full details (the graph carries a summary); answered through the panel's
   * `featureDetail`. Returns what is shown now: the summary, a load under way, or the full record.
   */
  readonly loadFeature?: (featureKey: string) => 'summary' | 'loading' | 'full';
  /** Ablate, amplify, set or steer the clicked feature or supernode (absent where no engine can run it). */
  readonly intervene?: FormHooks;
}

export const GLYPHS: Record<string, string> = { feature: '●', attention: '▲', error: '◆', embedding: '■', logit: '■', bias: '+', supernode: '▣' };

export function renderDetails(el: HTMLElement, model: GraphModel, store: Store, palette: Palette, actions: DetailActions): void {
  const s = store.get();
  const root = select(el);
  root.selectAll('*').remove();
  const id = s.clickedId;
  if (id?.startsWith('sn:')) return renderSupernode(root, model, store, Number(id.slice(3)), actions);
  const index = id === null ? undefined : model.byId.get(id);
  if (index === undefined) {
    root.attr('data-node', null);
    root.append('p').attr('class', 'muted empty').text('Click a node to see its details. Hover to light up its links; Ctrl/⌘-click or P pins it.');
    return;
  }
  const node = model.nodes[index];
  root.attr('data-node', node.id);
  const header = root.append('header').attr('class', 'node-header');
  header.append('span').attr('class', `glyph kind-${node.kind}`).attr('aria-hidden', 'true').text(GLYPHS[node.kind]);
  header.append('h2').attr('class', 'node-label').text(labelOf(node, s.clerps));
  root.append('div').attr('class', 'node-kind muted').text(kindLine(model, node));

  if (node.kind === 'feature' || node.kind === 'attention') labelEditor(root, node, store);
  stats(root, model, node);

  const buttons = root.append('div').attr('class', 'actions');
  const pinned = s.pinnedIds.includes(node.id);
  button(buttons, pinned ? 'Unpin' : 'Pin', 'pin-button', () => store.set(pinned ? unpin(store.get(), node.id) : { pinnedIds: toggled(store.get().pinnedIds, node.id) }));
  if (actions.revealNode && node.kind !== 'logit') button(buttons, 'Show in editor', 'reveal-button', () => actions.revealNode!(node.id), 'secondary');
  if (actions.intervene) renderInterveneForm(root, model, store, actions.intervene);

  const details = detailsOf(model, node);
  const loading = node.featureKey && actions.loadFeature ? actions.loadFeature(node.featureKey) === 'loading' : false;
  if (details?.top_logits?.length || details?.bottom_logits?.length) {
    const effects = root.append('section').attr('class', 'logit-effects');
    effects.append('h3').text('Token predictions');
    chips(effects, 'Promotes', details.top_logits ?? [], 'positive');
    chips(effects, 'Suppresses', details.bottom_logits ?? [], 'negative');
  }
  if (details?.examples?.length) examples(root, details.examples);
  if (loading) root.append('p').attr('class', 'muted loading-feature').text('Loading more examples…');
  renderConnections(root as Section, model, node, store, palette);
}

function kindLine(model: GraphModel, n: ModelNode): string {
  const kind = { feature: 'Feature', attention: 'Attention feature', error: 'MLP reconstruction error', embedding: 'Embedding', logit: 'Logit', bias: 'Bias' }[n.kind];
  return `${kind} · ${rowName(n.row, model.nLayers)} · position ${n.ctx} "${displayToken(model.tokens[n.ctx] ?? '')}"`;
}

function stats(root: Section, model: GraphModel, n: ModelNode): void {
  const rows: [string, string][] = [];
  if (n.featureKey) rows.push(['Feature', n.featureKey.replace('_', '/')]);
  if (n.kind === 'logit') rows.push(['Probability', formatNumber(n.prob)], ['Token', `"${displayToken(n.token)}"`]);
  if (n.activation !== null) rows.push(['Activation', formatNumber(n.activation, 2)]);
  rows.push(['Influence', n.influence >= 1 ? '— (not ranked)' : `${formatNumber(n.influence)} · in the top ${formatPercent(n.influence)}`]);
  const freq = detailsOf(model, n)?.activation_frequency;
  if (freq !== undefined) rows.push(['Density', `${(freq * 100).toPrecision(2)}% of tokens`]);
  rows.push(['Node id', n.id]);
  const dl = root.append('dl').attr('class', 'stats');
  const row = dl.selectAll('div').data(rows).join('div');
  row.append('dt').text((d) => d[0]);
  row.append('dd').text((d) => d[1]);
}

function labelEditor(root: Section, node: ModelNode, store: Store): void {
  const wrap = root.append('div').attr('class', 'label-editor');
  const field = wrap.append('vscode-text-field').attr('class', 'clerp-input').attr('placeholder', 'Label this feature').attr('aria-label', 'Feature label');
  field.property('value', store.get().clerps[node.featureId] ?? node.raw.clerp ?? '');
  field.append('span').attr('slot', 'start').attr('class', 'codicon-like').text('✎');
  field.on('change', (event: Event) => {
    const value = ((event.target as HTMLInputElement).value ?? '').trim();
    const clerps = { ...store.get().clerps };
    if (value) clerps[node.featureId] = value;
    else delete clerps[node.featureId];
    store.set({ clerps });
  });
  const user = store.get().clerps[node.featureId] !== undefined;
  if (user || node.raw.clerp) wrap.append('div').attr('class', 'muted label-source').text(user ? 'your label' : 'automatic label from the feature index; type to rename');
}

function chips(root: Section, title: string, tokens: readonly string[], sign: string): void {
  if (!tokens.length) return;
  const line = root.append('div').attr('class', `chips ${sign}`);
  line.append('span').attr('class', 'chips-title muted').text(title);
  line.selectAll('span.chip').data(tokens.slice(0, 8)).join('span').attr('class', 'chip').text((t) => displayToken(t));
}

type Example = NonNullable<NonNullable<ReturnType<typeof detailsOf>>['examples']>[number];

/** Examples shaded by activation on one scale; full details come grouped by activation quantile. */
function examples(root: Section, list: readonly Example[]): void {
  const section = root.append('section').attr('class', 'examples');
  const max = Math.max(1e-9, ...list.flatMap((e) => e.tokens_acts_list));
  const groups: { title: string; items: Example[] }[] = [];
  for (const e of list.slice(0, 12)) {
    const title = e.quantile ?? 'Top activations';
    if (groups.at(-1)?.title !== title) groups.push({ title, items: [] });
    groups.at(-1)!.items.push(e);
  }
  for (const g of groups) exampleGroup(section, g.title, g.items, max);
}

function exampleGroup(section: Section, title: string, list: readonly Example[], max: number): void {
  section.append('h3').text(title);
  const rows = section.append('div').attr('class', 'example-group').selectAll('div.example').data(list).join('div').attr('class', 'example');
  rows.selectAll<HTMLSpanElement, unknown>('span').data((e) => e.tokens.map((t, i) => ({ t, a: e.tokens_acts_list[i] ?? 0, top: i === e.train_token_ind })))
    .join('span')
    .attr('class', (d) => (d.top ? 'tok top' : 'tok'))
    .attr('title', (d) => formatNumber(d.a, 2))
    .each(function (d) {
      this.style.setProperty('--act', String(Math.max(0, d.a) / max));
    })
    .text((d) => displayToken(d.t));
}

function button(parent: Section, text: string, cls: string, onClick: () => void, appearance = 'primary'): void {
  parent.append('vscode-button').attr('class', cls).attr('appearance', appearance).text(text).on('click', onClick);
}

function renderSupernode(root: Selection<HTMLElement, unknown, null, undefined>, model: GraphModel, store: Store, g: number, actions: DetailActions): void {
  const s = store.get();
  const group = s.supernodes[g];
  if (!group) return;
  root.attr('data-node', `sn:${g}`);
  const header = root.append('header').attr('class', 'node-header');
  header.append('span').attr('class', 'glyph kind-supernode').text(GLYPHS.supernode);
  header.append('h2').attr('class', 'node-label').text(group[0]);
  root.append('div').attr('class', 'node-kind muted').text(`Supernode · ${group.length - 1} members`);
  const field = root.append('vscode-text-field').attr('class', 'supernode-name').attr('aria-label', 'Supernode name').property('value', group[0]);
  field.on('change', (event: Event) => store.set(rename(store.get(), g, (event.target as HTMLInputElement).value ?? '')));
  const list = root.append('ul').attr('class', 'members');
  list.selectAll('li').data(membersOf(s, `sn:${g}`)).join('li')
    .append('button').attr('class', 'conn-row plain').attr('type', 'button')
    .text((id) => {
      const i = model.byId.get(id);
      return i === undefined ? id : `${labelOf(model.nodes[i], s.clerps)} · ${rowName(model.nodes[i].row, model.nLayers)}`;
    })
    .on('click', (_e, id) => store.set({ clickedId: id, focusId: id }));
  const buttons = root.append('div').attr('class', 'actions');
  button(buttons, 'Ungroup', 'ungroup-button', () => store.set(ungroup(store.get(), g)), 'secondary');
  if (actions.intervene) renderInterveneForm(root, model, store, actions.intervene);
}
