// End-to-end tests in a real extension host: builds the extension and the mocha suite in test/e2e, starts
// code-server, opens the workbench in headless Chromium with the extension loaded through the URL `payload`
// (code-server rejects --extensionDevelopmentPath), relays the extension host's log and exits with mocha's result.
// env: E2E_TIMEOUT_S (default 300), E2E_VERBOSE=1 for every workbench log line.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { buildAll, findTests, productBuilds, root, testBuild } from './build.mjs';
import { launchChromium, testOutputDir } from './chromium.mjs';
import { deadline, makeSandbox, startCodeServer } from './code-server.mjs';

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const e2eBuild = testBuild('test/e2e');
await buildAll([...productBuilds(), { ...e2eBuild, entryPoints: ['test/e2e/index.ts', ...findTests('test/e2e')] }]);

const sandbox = makeSandbox('e2e');
const shots = testOutputDir('e2e');
const marker = path.join(sandbox.tmp, 'screenshot-now');
sandbox.env.SELF_TRACING_E2E_MARKER = marker; // the suite creates it when the panel is on screen

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

// Screenshot the workbench while the suite holds the panel open, then let the suite go on.
const screenshot = (async () => {
  while (!fs.existsSync(marker)) {
    if (await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))])) return;
  }
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(shots, 'workbench.png') });
  console.log(`screenshot .test-output/e2e/workbench.png (${since()})`);
  fs.rmSync(marker, { force: true });
})();

const code = await exited;
await screenshot;
disarm();
await cleanup();
sandbox.remove();
if (code !== 0 && failed === 0) failed = 1; // the host died before mocha summarised
console.log(`e2e: ${passed} passed, ${failed} failed (${since()})`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
