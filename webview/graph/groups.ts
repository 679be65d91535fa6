// Supernodes: group nodes under a label, rename, ungroup. Pure functions from view state to a state patch.
// A group's members are pinned, and a node belongs to at most one group (grouping a member moves it).
import type { ViewState } from './store';

type GroupState = Pick<ViewState, 'supernodes' | 'pinnedIds' | 'grouping'>;

export function saveGroup(s: GroupState, label: string): Partial<ViewState> {
  const members = (s.grouping ?? []).flatMap((id) => (id.startsWith('sn:') ? membersOf(s, id) : [id]));
  const unique = [...new Set(members)];
  if (unique.length === 0) return { grouping: null };
  const name = label.trim() || 'group';
  const absorbed = new Set((s.grouping ?? []).filter((id) => id.startsWith('sn:')).map((id) => Number(id.slice(3))));
  const others = s.supernodes
    .filter((_, g) => !absorbed.has(g))
    .map((g) => [g[0], ...g.slice(1).filter((id) => !unique.includes(id))])
    .filter((g) => g.length > 1);
  return {
    supernodes: [...others, [name, ...unique]],
    pinnedIds: [...new Set([...s.pinnedIds, ...unique])],
    grouping: null,
  };
}

export const membersOf = (s: Pick<ViewState, 'supernodes'>, supernodeId: string): string[] =>
  s.supernodes[Number(supernodeId.slice(3))]?.slice(1) ?? [];

export function ungroup(s: Pick<ViewState, 'supernodes' | 'clickedId'>, index: number): Partial<ViewState> {
  return {
    supernodes: s.supernodes.filter((_, g) => g !== index),
    clickedId: s.clickedId === `sn:${index}` ? null : s.clickedId,
  };
}

export function rename(s: Pick<ViewState, 'supernodes'>, index: number, label: string): Partial<ViewState> {
  const name = label.trim();
  if (!name || !s.supernodes[index]) return {};
  return { supernodes: s.supernodes.map((g, i) => (i === index ? [name, ...g.slice(1)] : g)) };
}

/** Unpinning removes the node from its group too, so groups never hold unpinned members. */
export function unpin(s: Pick<ViewState, 'supernodes' | 'pinnedIds'>, nodeId: string): Partial<ViewState> {
  return {
    pinnedIds: s.pinnedIds.filter((id) => id !== nodeId),
    supernodes: s.supernodes.map((g) => g.filter((id, i) => i === 0 || id !== nodeId)).filter((g) => g.length > 1),
  };
}

export const nextGroupName = (s: Pick<ViewState, 'supernodes'>): string => `group ${s.supernodes.length + 1}`;

/** Saves the group being built under a default name and selects it, so its name field is the next thing to edit. */
export function finishGrouping(s: GroupState & Pick<ViewState, 'clickedId'>): Partial<ViewState> {
  const patch = saveGroup(s, nextGroupName(s));
  return { ...patch, clickedId: patch.supernodes ? `sn:${patch.supernodes.length - 1}` : s.clickedId };
}
