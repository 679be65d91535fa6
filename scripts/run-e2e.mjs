// End-to-end tests in a real extension host: builds the extension and the mocha suite in test/e2e, starts
// code-server, opens the workbench in headless Chromium with the extension loaded through the URL `payload`
// (code-server rejects --extensionDevelopmentPath), relays the extension host's log and exits with mocha's result.
// Until the embedded model ships, the suite traces the tiny fixture model (SELF_TRACING_E2E_MODEL).
// env: E2E_TIMEOUT_S (default 300), E2E_VERBOSE=1 for every workbench log line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { buildAll, e2eBuild, productBuilds, root } from './build.mjs';
import { launchChromium, testOutputDir } from './chromium.mjs';
import { deadline, makeSandbox, startCodeServer } from './code-server.mjs';
import { paintedPixels } from './drawn-canvas.mjs';

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
await buildAll([...productBuilds(), e2eBuild()]);

const sandbox = makeSandbox('e2e');
const shots = testOutputDir('e2e');
const marker = path.join(sandbox.tmp, 'screenshot-now');
sandbox.env.SELF_TRACING_E2E_MARKER = marker; // the suite writes a shot's name into it when the view is ready
const model = e2eModel(sandbox.tmp);
if (model) sandbox.env.SELF_TRACING_E2E_MODEL = model;
console.log(`e2e model: ${model ?? 'the embedded models/organism'}`);

let server;
let browser;
const cleanup = async () => { await browser?.close().catch(() => {}); server?.stop(); };
const disarm = deadline(Number(process.env.E2E_TIMEOUT_S || 300), () => server?.output().slice(-4000) ?? '', cleanup);

server = await startCodeServer(sandbox);
console.log(`code-server up at ${server.url} after ${since()}`);
browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

let passed = 0;
let failed = 0;
let resolveExit;
const exited = new Promise((resolve) => { resolveExit = resolve; });
const noise = /^(Resolving|Resolved|Creating a socket|\[Service Worker\]|ChatSessionStore|Updating additional|getaddrinfo ENOTFOUND)/;
// The workbench calls these globals when it runs extension tests, as test-electron's harness does.
await page.exposeFunction('codeAutomationLog', (type, args) => {
  const line = util.format(...(args ?? []));
  passed = Number(/^\s*(\d+) passing/.exec(line)?.[1] ?? passed);
  failed = Number(/^\s*(\d+) failing/.exec(line)?.[1] ?? failed);
  if (process.env.E2E_VERBOSE || !noise.test(line)) console.log(`[ext-host ${type}] ${line}`);
});
await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));

const remote = (p) => `vscode-remote://${server.authority}${p}`;
const payload = JSON.stringify([
  ['extensionDevelopmentPath', remote(root)],
  ['extensionTestsPath', remote(path.join(root, 'out/test/e2e/index.js'))],
  ['skipWelcome', 'true'],
]);
await page.goto(`${server.url}/?folder=${encodeURIComponent(sandbox.workspace)}&payload=${encodeURIComponent(payload)}`);
console.log(`workbench loaded after ${since()}`);

// Screenshot the workbench each time the suite holds a view open (the marker names the shot), then let it go on.
const screenshot = (async () => {
  for (;;) {
    while (!fs.existsSync(marker)) {
      if (await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))])) return;
    }
    const name = fs.readFileSync(marker, 'utf8').trim().replace(/[^\w-]/g, '') || 'workbench';
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
    // what the shot shows of the graph panels: each visible webview's nodes canvas, read back for the suite to check
    fs.writeFileSync(`${marker}.drawn.json`, JSON.stringify(await drawnGraphs(page)));
    console.log(`screenshot .test-output/e2e/${name}.png (${since()})`);
    fs.rmSync(marker, { force: true });
  }
})();

/** The graph canvases drawn in the workbench's webviews now (test/e2e/screenshot.ts's DrawnGraph): the size of each
 *  visible nodes canvas, its painted pixels and those in the output logits' fill (--st-logit-fill). */
async function drawnGraphs(p) {
  const found = [];
  for (const frame of p.frames()) {
    const graphs = await (async () => {
      const drawn = [];
      for (const canvas of await frame.$$('.graph-host canvas.layer.nodes')) {
        const box = await canvas.evaluate((c) => { const r = c.getBoundingClientRect(); return { width: r.width, height: r.height, empty: r.width === 0 || r.height === 0 || c.width === 0 || c.height === 0 }; });
        drawn.push(box.empty ? { width: 0, height: 0, painted: 0, logit: 0 } : { width: box.width, height: box.height, ...(await canvas.evaluate(paintedPixels)) });
      }
      return drawn;
    })().catch(() => []); // a frame that navigated away or is not ours
    found.push(...graphs);
  }
  return found;
}

const code = await exited;
await screenshot;
disarm();
await cleanup();
sandbox.remove();
if (code !== 0 && failed === 0) failed = 1; // the host died before mocha summarised
console.log(`e2e: ${passed} passed, ${failed} failed (${since()})`);
process.exit(code === 0 && failed === 0 ? 0 : 1);

/**
 * The model the suite traces with: none (the embedded one) once models/organism has its transcoders; until then the
 * tiny fixture model laid out the same way (transcoders/ and a features/ index built here), through the settings.
 */
function e2eModel(tmp) {
  const embedded = path.join(root, 'models/organism');
  if (fs.existsSync(path.join(embedded, 'config.json')) && fs.existsSync(path.join(embedded, 'transcoders'))) return undefined;
  const dir = path.join(tmp, 'fixture-model');
  fs.mkdirSync(dir);
  const fixture = path.join(root, 'test/fixtures/gpt2-tiny');
  for (const f of fs.readdirSync(fixture)) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
  fs.cpSync(path.join(root, 'test/fixtures/interventions/gpt2-tiny-transcoders'), path.join(dir, 'transcoders'), { recursive: true });
  const corpus = path.join(tmp, 'corpus.txt');
  fs.writeFileSync(corpus, ['the cat sat on the mat', 'a dog ran far away', 'the end of the line', 'cats and dogs sat', 'the cat ran'].join('\n'));
  const build = spawnSync(process.execPath, ['dist/cli.js', 'features', 'build', '--model', dir, '--transcoders', path.join(dir, 'transcoders'), '--corpus', corpus, '--out', path.join(dir, 'features')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building the fixture feature index failed:\n${build.stdout}\n${build.stderr}`);
  return dir;
}
