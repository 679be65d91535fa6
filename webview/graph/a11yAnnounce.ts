// What the graph's live region says: a node in words (the same facts as its tooltip, with the axis's row names),
// and a sentence for every keyboard action (open, pin, group, subgraph, zoom, search, Escape).
import type { GraphModel } from './model';
import type { Scene } from './scene';
import type { ViewState } from './store';
import { tooltipRows } from './tooltip';

/** "Texas (Feature) · Layer L1 · Position 9 " Texas" · Activation 3.2 · Influence …", plus "pinned" when it is. */
export function nodeSentence(model: GraphModel, scene: Scene, s: Readonly<ViewState>, id: string): string {
  const i = scene.itemOfId.get(id);
  if (i === undefined) return id;
  const item = scene.items[i];
  const kind = item.kind === 'feature' ? 'feature' : item.kind === 'supernode' ? 'supernode' : item.kind === 'error' ? 'MLP error' : item.kind;
  const facts = tooltipRows(model, item).map(([k, v]) => `${k.toLowerCase()} ${v}`);
  const pinned = s.pinnedIds.includes(id) ? ', pinned' : '';
  const open = s.clickedId === id ? ', open' : '';
  return `${item.label}, ${kind}${pinned}${open}; ${facts.join('; ')}`;
}

const label = (scene: Scene, id: string | null) => {
  const i = id === null ? undefined : scene.itemOfId.get(id);
  return i === undefined ? (id ?? 'nothing') : scene.items[i].label;
};

/** The sentence for a handled key, from the state before and after it, or null for keys that say nothing new. */
export function keySentence(key: string, before: Readonly<ViewState>, after: Readonly<ViewState>, scene: Scene, model: GraphModel): string | null {
  const focus = after.focusId ?? after.clickedId;
  switch (key) {
    case 'Enter':
    case ' ':
      if (before.grouping !== null && after.grouping !== null) {
        const added = after.grouping.length > before.grouping.length;
        return `${added ? 'Added' : 'Removed'} ${label(scene, focus)} ${added ? 'to' : 'from'} the group (${after.grouping.length} nodes). G saves it, Escape cancels.`;
      }
      return after.clickedId ? `Opened ${nodeSentence(model, scene, after, after.clickedId)}. Its details are in the side panel.` : null;
    case 'p':
    case 'P': {
      if (!focus) return null;
      const pinned = after.pinnedIds.includes(focus);
      return `${pinned ? 'Pinned' : 'Unpinned'} ${label(scene, focus)}. ${after.pinnedIds.length} pinned.`;
    }
    case 'g':
    case 'G':
      if (before.grouping === null) return `Grouping${after.grouping?.length ? ` with ${label(scene, after.grouping[0])}` : ''}: Enter adds or removes the focused node, G saves, Escape cancels.`;
      return after.supernodes.length > before.supernodes.length ? `Saved the group as supernode "${after.supernodes.at(-1)![0]}".` : 'Grouping ended; nothing was saved.';
    case 's':
    case 'S':
      return after.view === 'subgraph' ? `Showing the pinned subgraph: ${scene.items.length} nodes.` : `Showing the full graph: ${scene.items.length} nodes.`;
    case '+':
    case '=':
      return 'Zoomed in.';
    case '-':
      return 'Zoomed out.';
    case '0':
      return 'Zoom reset to fit the graph.';
    case '/':
      return 'Search: type a label or token, Enter jumps to the first match.';
    case 'Escape':
      if (before.grouping !== null) return 'Grouping cancelled.';
      return 'Selection cleared.';
    default:
      return null;
  }
}

/** What a search jump says: the node found, or that nothing matched. */
export function searchSentence(model: GraphModel, scene: Scene, s: Readonly<ViewState>, query: string, hit: string | null): string {
  return hit ? `Found ${nodeSentence(model, scene, s, hit)}` : `No node matches "${query.trim()}".`;
}
