// Shared set-up for the browser tests: bundles the harness with esbuild, serves it with the fixtures under a
// strict CSP like the webview's, and opens it in Debian's Chromium through playwright-core.
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { dallasGraph, syntheticGraph, tinyGraph } from '../fixtures/graphs/make-graphs.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const outDir = join(repo, '.test-output', 'browser');

const fixtures = {
  'dallas-austin': () => JSON.parse(readFileSync(join(repo, 'test/fixtures/graphs/dallas-austin.graph.json'), 'utf8')),
  tiny: () => JSON.parse(readFileSync(join(repo, 'test/fixtures/graphs/tiny.graph.json'), 'utf8')),
  // written by the engine on the embedded model: ./bin/self-trace trace --prompt "Fact: the capital of the state
  // containing Dallas is" --slug organism-dallas --out test/fixtures/graphs/organism-dallas.graph.json
  'organism-dallas': () => JSON.parse(readFileSync(join(repo, 'test/fixtures/graphs/organism-dallas.graph.json'), 'utf8')),
  'dallas-fresh': dallasGraph,
  'tiny-fresh': tinyGraph,
  large: () => {
    const g = syntheticGraph({ nNodes: 5000, nLinks: 50000 });
    g.qParams.pruningThreshold = 1; // show every node: the smoothness check is about the full 5,000 / 50,000
    return g;
  },
  // A "solved" graph as circuit-tracer's local server saves it: qParams as strings.
  'dallas-solved': () => {
    const g = dallasGraph();
    g.qParams = {
      pinnedIds: '1_230_9,2_44_10,0_101_9,3_77_10,4_9533_10', clickedId: '3_77_10', linkType: 'both', sg_pos: '',
      supernodes: JSON.stringify([['Texas', '1_230_9', '2_44_10']]),
      clerps: JSON.stringify([['3_3317_10', 'say Austin (edited)']]), pruningThreshold: '0.6',
    };
    return g;
  },
};

const NONCE = 'dGVzdC1ub25jZS1mb3ItYnJvd3Nlci10ZXN0cw';
const CSP = `default-src 'none'; style-src 'self' 'nonce-${NONCE}'; font-src 'self'; img-src 'self' data:; connect-src 'self'; script-src 'nonce-${NONCE}'`;

export async function openHarness() {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(repo, 'test/browser/harness.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'chrome120',
    outdir: join(outDir, 'bundle'), logLevel: 'warning',
  });
  const cache = new Map();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': CSP });
      res.end(`<!DOCTYPE html><html><head><meta charset="utf-8"><meta property="csp-nonce" content="${NONCE}">
<link rel="stylesheet" href="/vscode-theme.css"><link rel="stylesheet" href="/bundle/harness.css"></head>
<body><div id="root"></div><script type="module" nonce="${NONCE}" src="/bundle/harness.js"></script></body></html>`);
    } else if (url.pathname === '/vscode-theme.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end(readFileSync(join(repo, 'test/browser/vscode-theme.css')));
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else if (url.pathname.startsWith('/bundle/')) {
      const type = url.pathname.endsWith('.css') ? 'text/css' : 'text/javascript';
      res.writeHead(200, { 'content-type': type });
      res.end(readFileSync(join(outDir, url.pathname)));
    } else if (url.pathname.startsWith('/fixture/')) {
      const name = url.pathname.slice('/fixture/'.length);
      if (!cache.has(name)) cache.set(name, JSON.stringify(fixtures[name]()));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(cache.get(name));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const config = mkdtempSync(join(tmpdir(), 'st-chromium-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, XDG_CONFIG_HOME: config },
  });
  async function open({ graph = 'dallas-austin', theme = 'vscode-light', width = 1400, height = 860 } = {}) {
    const page = await browser.newPage({ viewport: { width, height } });
    const problems = [];
    await page.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
    });
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${base}/?graph=${graph}&theme=${theme}`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30000 });
    return { page, problems };
  }
  async function close() {
    await browser.close();
    server.close();
    rmSync(config, { recursive: true, force: true });
  }
  return { open, close };
}

export const shot = (page, name) => page.screenshot({ path: join(outDir, `${name}.png`) });
