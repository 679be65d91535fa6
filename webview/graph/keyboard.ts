// Keyboard model of the graph: arrows (or h/j/k/l) walk between nodes across positions and layers, Enter
// opens, P pins, G groups, S switches to the pinned subgraph, / searches, +/−/0 zoom, Esc clears.
import { finishGrouping } from './groups';
import type { Scene } from './scene';
import { toggled, type Store } from './store';

export interface KeyboardHooks {
  readonly scene: () => Scene;
  readonly positionOf: (id: string) => { x: number; y: number } | null;
  readonly startId: () => string | null;
  readonly focusSearch: () => void;
  readonly zoomBy: (factor: number) => void;
  readonly resetZoom: () => void;
  readonly announce: (id: string) => void;
}

const MOVES: Record<string, 'left' | 'right' | 'up' | 'down'> = {
  ArrowLeft: 'left', h: 'left', ArrowRight: 'right', l: 'right', ArrowUp: 'up', k: 'up', ArrowDown: 'down', j: 'down',
};

/** The nearest item in a direction: same row for left/right, the closest row with items for up/down. */
export function neighbourIn(scene: Scene, from: number, direction: 'left' | 'right' | 'up' | 'down', pos: (i: number) => { x: number; y: number }): number {
  const a = pos(from);
  let best = -1;
  let bestScore = Infinity;
  scene.items.forEach((_, i) => {
    if (i === from) return;
    const b = pos(i);
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    let score: number;
    if (direction === 'left' || direction === 'right') {
      if (Math.abs(dy) > 0.5 || (direction === 'left' ? dx >= 0 : dx <= 0)) return;
      score = Math.abs(dx);
    } else {
      if (direction === 'up' ? dy >= -0.5 : dy <= 0.5) return;
      score = Math.abs(dy) * 1000 + Math.abs(dx); // the nearest row first, then the nearest item in it
    }
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}

export function handleKey(event: KeyboardEvent, store: Store, hooks: KeyboardHooks): boolean {
  const s = store.get();
  const scene = hooks.scene();
  const move = MOVES[event.key];
  if (move) {
    const current = s.focusId ?? s.clickedId ?? hooks.startId();
    if (current === null) return false;
    const from = scene.itemOfId.get(current);
    if (from === undefined) {
      store.set({ focusId: current });
      return true;
    }
    const to = neighbourIn(scene, from, move, (i) => hooks.positionOf(scene.items[i].id) ?? { x: 0, y: 0 });
    if (to >= 0) {
      const id = scene.items[to].id;
      store.set({ focusId: id });
      hooks.announce(id);
    }
    return true;
  }
  const focus = s.focusId ?? s.clickedId;
  switch (event.key) {
    case 'Enter':
    case ' ':
      if (!focus) return false;
      if (s.grouping !== null) store.set({ grouping: toggled(s.grouping, focus) });
      else store.set({ clickedId: focus });
      return true;
    case 'p':
    case 'P':
      if (!focus || focus.startsWith('sn:')) return false;
      store.set({ pinnedIds: toggled(s.pinnedIds, focus) });
      return true;
    case 'g':
    case 'G':
      if (s.grouping === null) store.set({ grouping: focus ? [focus] : [] });
      else store.set(finishGrouping(s));
      return true;
    case 's':
    case 'S':
      store.set({ view: s.view === 'graph' ? 'subgraph' : 'graph' });
      return true;
    case '/':
      hooks.focusSearch();
      return true;
    case '+':
    case '=':
      hooks.zoomBy(1.5);
      return true;
    case '-':
      hooks.zoomBy(1 / 1.5);
      return true;
    case '0':
      hooks.resetZoom();
      return true;
    case 'Escape':
      if (s.grouping !== null) store.set({ grouping: null });
      else store.set({ clickedId: null, focusId: null, search: '' });
      return true;
    default:
      return false;
  }
}
