// Our export, read the way circuit-tracer's local viewer reads a graph folder (written here from its documented
// access paths, frontend/assets at decoderesearch/circuit-tracer 4bb8c0e; none of its code is copied):
//   - the server maps /data/ and /graph_data/ to the folder (frontend/local_server.py);
//   - the page reads data/graph-metadata.json `.graphs[].slug`, then graph_data/{slug}.json (index.html, init-cg.js);
//   - `qParams.clerps` is `JSON.parse`d into a Map and a node's label is `clerps.get(String(node.feature))`;
//     `qParams.pinnedIds` may be a comma-joined string (init-cg.js, util-cg.js);
//   - a scan starting with "./" loads `${scan}/${feature}.json` (init-feature-examples.js);
//   - the percentile is the first i with activation <= quantile_values[i], plus one; the histogram bin is
//     floor((act - act_min) / (act_max - act_min) * bins) (render-act-histogram.js).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { outDir } from './page.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'st-ct-reader-'));
const folder = join(work, 'graphs');
const NONCE = 'Y3QtcmVhZGVyLW5vbmNl';

// the reader page: our own script, following the access paths listed above
const READER = `
const out = { requests: [], errors: [] };
window.__result = out;
try {
  const { graphs } = await (await fetch('./data/graph-metadata.json')).json();
  out.slugs = graphs.map((g) => g.slug);
  const data = await (await fetch('./graph_data/' + graphs[0].slug + '.json')).json();
  const clerps = data.qParams.clerps ? new Map(JSON.parse(data.qParams.clerps)) : new Map();
  let pinned = data.qParams.pinnedIds;
  if (pinned && pinned.replace) pinned = pinned.split(',');
  out.pinned = pinned;
  out.schema = data.metadata.schema_version || 0;
  out.scan = data.metadata.scan;
  out.labels = {};
  for (const d of data.nodes) {
    if (clerps.has(String(d.feature))) d.clerp = clerps.get(String(d.feature));
    if (d.feature_type === 'cross layer transcoder') out.labels[d.node_id] = d.clerp;
  }
  const features = data.nodes.filter((d) => d.feature_type === 'cross layer transcoder');
  out.features = [];
  for (const d of features) {
    if (!out.scan.startsWith('./')) { out.errors.push('scan is not local: ' + out.scan); break; }
    const f = await (await fetch(out.scan + '/' + d.feature + '.json')).json();
    let pct = 0;
    for (let i = 0; i < f.quantile_values.length; i++) if (d.activation <= f.quantile_values[i]) { pct = i + 1; break; }
    if (pct === 0 && d.activation > f.quantile_values[f.quantile_values.length - 1]) pct = 100;
    const n = f.histogram.length;
    const bin = Math.max(0, Math.min(n - 1, Math.floor(((d.activation - f.act_min) / (f.act_max - f.act_min)) * n)));
    out.features.push({ id: d.node_id, act: d.activation, pct, bin, edges: f.selfTracing && f.selfTracing.histogram_edges, quantiles: f.quantile_values, freq: f.activation_frequency });
  }
  const list = document.createElement('ol');
  for (const [id, label] of Object.entries(out.labels)) { const li = document.createElement('li'); li.textContent = id + ': ' + label; list.append(li); }
  document.body.append(list);
} catch (err) {
  out.errors.push(String(err));
}
out.done = true;
`;

let server;
let browser;
let base;
let forms;

before(async () => {
  // a real trace of the embedded model, as the folder circuit-tracer's server serves
  const cli = spawnSync(process.execPath, [join(repo, 'dist/cli.js'), 'trace', '--prompt', 'Fact: the capital of the state containing Dallas is', '--out-dir', folder, '--slug', 'dallas'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const bundled = join(work, 'forms.mjs');
  await build({ entryPoints: [join(repo, 'src/protocol/graphForms.ts')], bundle: true, format: 'esm', platform: 'node', outfile: bundled, logLevel: 'warning' });
  forms = await import(pathToFileURL(bundled).href);
  server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': `default-src 'none'; connect-src 'self'; script-src 'nonce-${NONCE}'` });
      res.end(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><script type="module" nonce="${NONCE}">${READER}</script></body></html>`);
      return;
    }
    const prefix = ['/data/', '/graph_data/'].find((p) => url.pathname.startsWith(p));
    const file = prefix && normalize(join(folder, decodeURIComponent(url.pathname.slice(prefix.length))));
    if (!file || !file.startsWith(folder) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});
after(async () => {
  await browser?.close();
  server?.close();
  rmSync(work, { recursive: true, force: true });
});

async function read(shotName) {
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(base);
  await page.waitForFunction(() => window.__result?.done === true, null, { timeout: 30000 });
  const result = await page.evaluate(() => window.__result);
  mkdirSync(outDir, { recursive: true });
  if (shotName) await page.screenshot({ path: join(outDir, `${shotName}.png`) });
  await page.close();
  return { result, requests };
}

/** Labels and pins put into the file as the panel's export writes them, in `form`. */
function relabel(form) {
  const file = join(folder, 'dallas.json');
  const graph = JSON.parse(readFileSync(file, 'utf8'));
  const feature = graph.nodes.find((n) => n.feature_type === 'cross layer transcoder');
  const view = { ...forms.readSavedView(graph), pinnedIds: [feature.node_id], clerps: { [`${feature.layer}_${feature.feature}_${feature.ctx_idx}`]: 'my label <b>' } };
  graph.qParams = forms.writeSavedView(view, form, graph.nodes, graph.qParams).qParams;
  writeFileSync(file, JSON.stringify(graph, null, 2));
  return feature;
}

test("circuit-tracer's reading of our folder: labels, pins, metadata, local features with their percentiles", async () => {
  const feature = relabel('circuit-tracer');
  const { result, requests } = await read('circuit-tracer-reader');
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.slugs, ['dallas']);
  assert.equal(result.schema, 1);
  assert.equal(result.scan, './data/features');
  assert.deepEqual(result.pinned, [feature.node_id]);
  assert.equal(result.labels[feature.node_id], 'my label <b>', 'the label reaches the node through clerps keyed by feature');
  assert.ok(result.features.length > 5);
  for (const f of result.features) {
    assert.ok(f.pct >= 1 && f.pct <= 100, `${f.id}: percentile ${f.pct}`);
    const q = f.quantiles;
    assert.ok(q.every((v, i) => i === 0 || v >= q[i - 1]), `${f.id}: quantile_values ascend`);
    // the frontend's bin for the activation is the bin our edges put it in (bins span [act_min, act_max])
    const e = f.edges;
    assert.ok(f.act >= e[f.bin] - 1e-3 * Math.abs(e.at(-1)) && (f.act <= e[f.bin + 1] + 1e-3 * Math.abs(e.at(-1)) || f.bin === e.length - 2), `${f.id}: act ${f.act} in bin ${f.bin} [${e[f.bin]}, ${e[f.bin + 1]}]`);
  }
  assert.ok(requests.every((u) => u.startsWith(base)), `nothing fetched from the internet: ${requests.filter((u) => !u.startsWith(base)).join(', ')}`);
  assert.equal(requests.filter((u) => u.includes('/data/features/')).length, result.features.length);
});

test('the Neuronpedia form is not for this reader: JSON.parse of an array label list fails, as in circuit-tracer', async () => {
  relabel('neuronpedia');
  const { result } = await read();
  assert.match(result.errors.join('\n'), /SyntaxError|JSON/);
  relabel('circuit-tracer');
});
