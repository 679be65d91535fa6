// "Compare With…" in the graph panel: the shown graph is A, the chosen one B. A strip above the graph gives the
// headline numbers, the per-layer overlap (inline SVG bars: shared part filled) and the top shared / only-here /
// only-in-B features; A's nodes get rings (solid: shared with B, dashed: only here). Text goes in as textContent
// only (labels come from files). The comparison arrives validated (src/protocol/messages.ts → graphCompare.ts).
import { nodeMarks, type ComparedFeature, type GraphComparison } from '../../src/protocol/graphCompare';
import './compare.css';

const SVG = 'http://www.w3.org/2000/svg';
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** The rings on A's nodes: `compare-shared` / `compare-only`, keyed by node id. */
export function comparisonMarks(c: GraphComparison): { id: string; kind: string }[] {
  return [...nodeMarks(c, 'a')].map(([id, m]) => ({ id, kind: m.mark === 'shared' ? 'compare-shared' : 'compare-only' }));
}

/** Per-layer overlap: for each layer a bar for A and one for B, the shared part filled. */
function layerChart(c: GraphComparison): SVGElement {
  const rowH = 16;
  const labelW = 30;
  const barW = 120;
  const max = Math.max(1, ...c.layers.flatMap((l) => [l.a, l.b]));
  const chart = svg('svg', { class: 'compare-layers', width: labelW + 2 * (barW + 40), height: rowH * (c.layers.length + 1), role: 'img' });
  chart.setAttribute('aria-label', `Per-layer overlap: ${c.layers.map((l) => `layer ${l.layer}: ${l.sharedA} of ${l.a} shared here, ${l.sharedB} of ${l.b} in B`).join('; ')}`);
  const head = (x: number, t: string) => {
    const e = svg('text', { x, y: 11, class: 'compare-axis' });
    e.textContent = t;
    chart.appendChild(e);
  };
  head(labelW, 'this graph');
  head(labelW + barW + 40, 'B');
  c.layers.forEach((l, r) => {
    const y = rowH * (r + 1);
    const name = svg('text', { x: 0, y: y + 11, class: 'compare-axis' });
    name.textContent = `L${l.layer}`;
    chart.appendChild(name);
    const bar = (x0: number, total: number, shared: number) => {
      chart.appendChild(svg('rect', { x: x0, y: y + 2, width: (barW * total) / max, height: rowH - 5, class: 'compare-bar-total' }));
      chart.appendChild(svg('rect', { x: x0, y: y + 2, width: (barW * shared) / max, height: rowH - 5, class: 'compare-bar-shared' }));
      const n = svg('text', { x: x0 + (barW * total) / max + 3, y: y + 11, class: 'compare-axis' });
      n.textContent = `${shared}/${total}`;
      chart.appendChild(n);
    };
    bar(labelW, l.a, l.sharedA);
    bar(labelW + barW + 40, l.b, l.sharedB);
  });
  return chart;
}

function list(title: string, rows: { text: string; value: string }[]): HTMLElement {
  const box = el('div', 'compare-list');
  box.appendChild(el('h4', '', title));
  const ol = el('ol', '');
  for (const r of rows) {
    const li = el('li', '');
    li.append(el('span', 'compare-name', r.text), el('span', 'compare-value', r.value));
    ol.appendChild(li);
  }
  if (rows.length === 0) ol.appendChild(el('li', 'compare-none', 'none'));
  box.appendChild(ol);
  return box;
}

const name = (f: ComparedFeature) => {
  const id = `L${f.layer}/${f.key.split('_')[1]}`;
  return f.label && f.label !== id ? `${id} ${f.label}` : id;
};

/** Draws the comparison strip into `root` (replacing what was there); `onClose` clears it. */
export function renderComparison(root: HTMLElement, c: GraphComparison, otherName: string, onClose: () => void, top = 5): void {
  root.replaceChildren();
  root.hidden = false;
  root.className = 'compare-view';
  root.setAttribute('aria-label', 'Comparison with another graph');
  const h = c.headline;
  const header = el('div', 'compare-header');
  header.append(el('strong', 'compare-title', `Compared with ${otherName}`));
  const mode = el('p', 'compare-mode', c.mode === 'id'
    ? `Matched by (layer, feature id): ${c.modeReason}.`
    : `Matched by label and promoted tokens (score ≥ ${c.minScore}): ${c.modeReason}.`);
  const close = el('button', 'compare-close', 'Close comparison');
  close.type = 'button';
  close.addEventListener('click', onClose);
  header.appendChild(close);
  const headline = el('p', 'compare-headline');
  headline.append(
    el('span', 'compare-big', pct(h.sharedInfluenceA)),
    document.createTextNode(` of this graph's feature influence is carried by the ${h.shared} features it shares with B (${pct(h.sharedInfluenceB)} of B's). `),
    document.createTextNode(`Only here: ${h.onlyA} · only in B: ${h.onlyB} · Jaccard ${h.jaccard.toFixed(2)}.`),
  );
  const legend = el('p', 'compare-legend');
  legend.append(el('span', 'compare-key shared', ''), document.createTextNode(' shared with B   '), el('span', 'compare-key only', ''), document.createTextNode(' only in this graph'));
  const body = el('div', 'compare-body');
  const more = el('details', 'compare-more');
  more.appendChild(el('summary', '', `Top features: shared, only here, only in B`));
  const lists = el('div', 'compare-lists');
  more.appendChild(lists);
  const score = (s: number) => (c.mode === 'label' ? ` · ${s.toFixed(2)}` : '');
  body.append(layerChart(c));
  lists.append(
    list('Top shared', c.shared.slice(0, top).map((s) => ({ text: c.mode === 'id' ? name(s.a) : `${name(s.a)} ≈ ${name(s.b)}`, value: `${pct(s.a.influence)} / ${pct(s.b.influence)}${score(s.score)}` }))),
    list('Only here', c.onlyA.slice(0, top).map((f) => ({ text: name(f), value: pct(f.influence) }))),
    list('Only in B', c.onlyB.slice(0, top).map((f) => ({ text: name(f), value: pct(f.influence) }))),
  );
  root.append(header, mode, headline, legend, body, more);
}
