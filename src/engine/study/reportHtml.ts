// A study's report as one self-contained HTML page: inline CSS and SVG plots, no script, no network (its own CSP
// says so), readable in any browser and in VS Code's webview. Plots: replacement and completeness per prompt,
// graph depth and width against prompt length (coloured by group), features reused across prompts; tables of
// every prompt and of the top shared features per group. Every number is also in the CSV/JSON next to it.
import type { PromptRow, StudyResults } from './summary';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fmt = (x: number | null, d = 3) => (x === null ? '–' : x.toFixed(d));
const PALETTE = ['#1b7837', '#762a83', '#2166ac', '#b35806', '#c51b7d', '#4d4d4d', '#01665e', '#8c510a'];
const W = 640;
const H = 220;
const M = { l: 44, r: 12, t: 12, b: 56 };

function axes(xLabel: string, yLabel: string, xTicks: [number, string][], yTicks: [number, string][], rotate = false): string {
  const ix = W - M.l - M.r;
  const iy = H - M.t - M.b;
  return [
    `<line x1="${M.l}" y1="${M.t + iy}" x2="${M.l + ix}" y2="${M.t + iy}" class="ax"/>`,
    `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${M.t + iy}" class="ax"/>`,
    ...xTicks.map(([x, t]) => rotate
      ? `<text x="${x.toFixed(1)}" y="${M.t + iy + 10}" class="rot" transform="rotate(-30 ${x.toFixed(1)} ${M.t + iy + 10})">${esc(t.length > 14 ? `${t.slice(0, 13)}…` : t)}</text>`
      : `<text x="${x.toFixed(1)}" y="${M.t + iy + 14}" text-anchor="middle">${esc(t)}</text>`),
    ...yTicks.map(([y, t]) => `<text x="${M.l - 4}" y="${(y + 3).toFixed(1)}" text-anchor="end">${esc(t)}</text><line x1="${M.l}" x2="${M.l + ix}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"/>`),
    `<text x="${M.l + ix / 2}" y="${H - 6}" text-anchor="middle" class="lab">${esc(xLabel)}</text>`,
    `<text x="12" y="${M.t + iy / 2}" text-anchor="middle" class="lab" transform="rotate(-90 12 ${M.t + iy / 2})">${esc(yLabel)}</text>`,
  ].join('');
}

const svgOpen = (title: string) => `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`;

function ticks(max: number, n = 4): number[] {
  if (max <= 0) return [0];
  const step = Math.pow(10, Math.floor(Math.log10(max / n)));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= n) ?? step * 10;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => i * nice);
}

/** Replacement and completeness per prompt: two bars each, 0…1. */
function scoresPlot(rows: PromptRow[]): string {
  const ix = W - M.l - M.r;
  const iy = H - M.t - M.b;
  const band = ix / Math.max(1, rows.length);
  const y = (v: number) => M.t + iy * (1 - v);
  const bars = rows.map((r, i) => {
    const x = M.l + i * band;
    const bw = Math.max(1, band * 0.38);
    const b = (v: number | null, dx: number, cls: string, name: string) => v === null ? '' :
      `<rect x="${(x + dx).toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(iy * v).toFixed(1)}" class="${cls}"><title>${esc(`${r.id}: ${name} ${fmt(v)}`)}</title></rect>`;
    return b(r.replacement, band * 0.1, 'rep', 'replacement') + b(r.completeness, band * 0.52, 'com', 'completeness');
  }).join('');
  const every = Math.max(1, Math.ceil(rows.length / 16));
  const xt = rows.map((r, i) => [M.l + (i + 0.5) * band, r.id] as [number, string]).filter((_, i) => i % every === 0);
  const yt = [0, 0.25, 0.5, 0.75, 1].map((v) => [y(v), v.toFixed(2)] as [number, string]);
  return `${svgOpen('Replacement and completeness per prompt')}${axes('', 'score', xt, yt, true)}${bars}</svg>` +
    '<p class="legend"><span class="sw rep"></span> replacement <span class="sw com"></span> completeness</p>';
}

/** One point per prompt: prompt length (tokens) against a graph measure, coloured by group. */
function scatter(rows: PromptRow[], groups: string[], measure: 'depth' | 'width', label: string): string {
  const ix = W - M.l - M.r;
  const iy = H - M.t - M.b;
  const xMax = Math.max(1, ...rows.map((r) => r.tokens));
  const yMax = Math.max(1, ...rows.map((r) => r[measure]));
  const x = (v: number) => M.l + (ix * v) / xMax;
  const y = (v: number) => M.t + iy * (1 - v / yMax);
  const dots = rows.map((r) => `<circle cx="${x(r.tokens).toFixed(1)}" cy="${y(r[measure]).toFixed(1)}" r="4" fill="${PALETTE[groups.indexOf(r.group) % PALETTE.length]}" fill-opacity="0.8"><title>${esc(`${r.id} (${r.group}): ${r.tokens} tokens, ${measure} ${r[measure]}`)}</title></circle>`).join('');
  return `${svgOpen(`${label} against prompt length`)}${axes('prompt length (tokens)', label, ticks(xMax).map((v) => [x(v), String(v)]), ticks(yMax).map((v) => [y(v), String(v)]))}${dots}</svg>`;
}

/** How many features occur in exactly k prompts, k = 1…max. */
function reusePlot(reuse: number[]): string {
  const ix = W - M.l - M.r;
  const iy = H - M.t - M.b;
  const yMax = Math.max(1, ...reuse);
  const band = ix / Math.max(1, reuse.length);
  const y = (v: number) => M.t + iy * (1 - v / yMax);
  const bars = reuse.map((n, k) => `<rect x="${(M.l + k * band + band * 0.15).toFixed(1)}" y="${y(n).toFixed(1)}" width="${(band * 0.7).toFixed(1)}" height="${((iy * n) / yMax).toFixed(1)}" class="reuse"><title>${n} features in ${k + 1} prompt(s)</title></rect>`).join('');
  const xt = reuse.map((_, k) => [M.l + (k + 0.5) * band, String(k + 1)] as [number, string]).filter((_, k) => k % Math.max(1, Math.ceil(reuse.length / 16)) === 0);
  return `${svgOpen('Features by the number of prompts they occur in')}${axes('prompts the feature occurs in', 'features', xt, ticks(yMax).map((v) => [y(v), String(v)]))}${bars}</svg>`;
}

export function studyReportHtml(r: StudyResults, title: string): string {
  const groups = [...new Set(r.prompts.map((p) => p.group))];
  const mean = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const shared = r.features.filter((f) => f.prompts >= 2).length;
  const legend = groups.map((g, i) => `<span class="sw" style="background:${PALETTE[i % PALETTE.length]}"></span> ${esc(g)}`).join(' ');
  const promptRows = r.prompts.map((p) => `<tr><td>${esc(p.id)}</td><td>${esc(p.group)}</td><td class="p">${esc(p.prompt)}</td><td>${esc(JSON.stringify(p.target))}</td><td>${fmt(p.targetProb)}</td><td>${fmt(p.replacement)}</td><td>${fmt(p.completeness)}</td><td>${p.tokens}</td><td>${p.features}</td><td>${p.depth}</td><td>${p.width}</td></tr>`).join('\n');
  const groupTables = r.groups.map((g) => `<h3>${esc(g.group)} <small>(${g.prompts} prompts)</small></h3>` + (g.topShared.length === 0
    ? '<p>No feature occurs in two of this group\'s prompts.</p>'
    : `<table><tr><th>feature</th><th>label</th><th>prompts</th><th>mean influence share</th></tr>${g.topShared.map((f) => `<tr><td>L${esc(f.key.replace('_', '/'))}</td><td>${esc(f.label)}</td><td>${f.prompts} of ${g.prompts}</td><td>${(100 * f.meanInfluence).toFixed(1)}%</td></tr>`).join('')}</table>`)).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 13px/1.45 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; max-width: 980px; }
h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 24px; } h3 { font-size: 13px; }
svg text { font-size: 10px; fill: #444; } svg .lab { font-size: 11px; fill: #222; }
.ax { stroke: #666; } .grid { stroke: #ddd; }
.rep { fill: #1b7837; } .com { fill: #762a83; } .reuse { fill: #2166ac; } .sw.rep { background: #1b7837; } .sw.com { background: #762a83; }
svg text.rot { text-anchor: end; }
.sw { display: inline-block; width: 10px; height: 10px; vertical-align: middle; }
table { border-collapse: collapse; margin: 6px 0; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
td.p { max-width: 380px; white-space: pre-wrap; word-break: break-word; }
.facts span { margin-right: 16px; }
@media (prefers-color-scheme: dark) { body { color: #ddd; background: #1e1e1e; } svg text { fill: #bbb; } svg .lab { fill: #ddd; } td, th { border-color: #444; } .grid { stroke: #333; } }
</style></head><body>
<h1>${esc(title)}</h1>
<p class="facts"><span>${r.prompts.length} prompts in ${groups.length} group(s)</span><span>mean replacement ${fmt(mean(r.prompts.map((p) => p.replacement)))}</span><span>mean completeness ${fmt(mean(r.prompts.map((p) => p.completeness)))}</span><span>${r.features.length} distinct features, ${shared} in two or more prompts</span></p>
<h2>Replacement and completeness per prompt</h2>
${scoresPlot(r.prompts)}
<h2>Graph depth against prompt length</h2>
<p>Depth: the longest path of links from a prompt token to an output logit in the pruned graph. ${legend}</p>
${scatter(r.prompts, groups, 'depth', 'depth (links)')}
<h2>Graph width against prompt length</h2>
<p>Width: the most feature nodes on one layer. ${legend}</p>
${scatter(r.prompts, groups, 'width', 'width (feature nodes)')}
<h2>Features reused across prompts</h2>
${reusePlot(r.reuse)}
<h2>Top shared features per group</h2>
${groupTables}
<h2>Every prompt</h2>
<table><tr><th>id</th><th>group</th><th>prompt</th><th>target</th><th>p</th><th>replacement</th><th>completeness</th><th>tokens</th><th>features</th><th>depth</th><th>width</th></tr>
${promptRows}
</table>
<p>All numbers: prompts.csv, features.csv and study.json next to this page.</p>
</body></html>
`;
}
