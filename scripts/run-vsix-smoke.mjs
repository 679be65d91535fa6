// Smoke test of the packaged extension as a user gets it: builds the linux-x64 .vsix (or takes one as argument),
// installs it into a fresh code-server, opens a file, selects its text, runs "Self-Tracing: Trace Selection" from
// the Command Palette, and checks the panel's webview DOM: the graph with the embedded model, or the message that
// says the build has none (and a working engine check). usage: node scripts/run-vsix-smoke.mjs [file.vsix]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './build.mjs';
import { launchChromium, testOutputDir } from './chromium.mjs';
import { deadline, installExtension, makeSandbox, startCodeServer } from './code-server.mjs';
import { paintedPixels } from './drawn-canvas.mjs';

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
let vsix = process.argv[2];
if (!vsix) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/package.mjs'), '--target', 'linux-x64'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  vsix = path.join(root, `${name}-${version}-linux-x64.vsix`);
}
console.log(`packaged after ${since()}`);

/** Whether the .vsix carries the embedded model (models/organism lands on main with the trained model). */
const embedded = fs.existsSync(path.join(root, 'models/organism/config.json')) && fs.existsSync(path.join(root, 'models/organism/transcoders'));
const sandbox = makeSandbox('vsix');
console.log(installExtension(sandbox, path.resolve(vsix)).split('\n').at(-1));
const text = 'The capital of Texas is Austin';
fs.writeFileSync(path.join(sandbox.workspace, 'facts.txt'), text);

let server;
let browser;
const cleanup = async () => { await browser?.close().catch(() => {}); server?.stop(); };
const disarm = deadline(Number(process.env.E2E_TIMEOUT_S || 240), () => server?.output().slice(-4000) ?? '', cleanup);
const shots = testOutputDir('vsix');
let passed = 0;
const check = (ok, what) => {
  if (!ok) throw new Error(`check failed: ${what}`);
  passed++;
  console.log(`  ✔ ${what}`);
};

try {
  server = await startCodeServer(sandbox);
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(sandbox.workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  console.log(`workbench up after ${since()}`);

  await page.getByRole('treeitem', { name: 'facts.txt' }).click({ timeout: 30_000 });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: 'Austin' }).waitFor({ timeout: 30_000 });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+A');

  // The palette's list is computed when it opens: retry until the extension host has registered our commands.
  const runCommand = async (title) => {
    for (let attempt = 0; attempt < 30; attempt++) {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 15_000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      const found = await row.waitFor({ timeout: 2000 }).then(() => true, () => false);
      await page.keyboard.press(found ? 'Enter' : 'Escape');
      if (found) return true;
    }
    return false;
  };
  const title = 'Self-Tracing: Trace Selection';
  check(await runCommand(title), `"${title}" is in the Command Palette`);

  const panel = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  // attached, not visible: with the embedded model the graph replaces the pieces as soon as the trace is done
  await panel.locator('#pieces g.piece').nth(5).waitFor({ state: 'attached', timeout: 60_000 });
  check(await panel.locator('#pieces g.piece').count() === 6, 'the panel shows the 6 pieces of the selection while it traces');
  if (embedded) {
    await panel.locator('.graph-host[data-visible-nodes]').waitFor({ timeout: 120_000 });
    const nodes = Number(await panel.locator('.graph-host').getAttribute('data-visible-nodes'));
    check(nodes > 0, `the embedded model's graph is laid out (${nodes} nodes)`);
    // and drawn: its nodes canvas has the glyphs, the output logits' in their fill colour (a blank canvas fails)
    await panel.locator('.graph-host canvas.layer.nodes').waitFor({ state: 'attached' });
    const paint = await panel.locator('.graph-host canvas.layer.nodes').evaluate(paintedPixels);
    check(paint.painted >= nodes && paint.logit > 0, `the ${nodes} nodes are drawn on the graph's canvas (${paint.painted} px, ${paint.logit} px in the logits' fill)`);
  } else {
    // no model in this build: Trace Selection says so with an action, and the engine still answers a check
    const notice = page.locator('.notification-toast', { hasText: 'embedded model is not part of this build' });
    await notice.waitFor({ timeout: 30_000 });
    check(await notice.getByRole('button', { name: 'Open Settings' }).count() === 1, 'without a model, Trace Selection says so and offers Open Settings');
    check(await runCommand('Self-Tracing: Check Engine'), '"Self-Tracing: Check Engine" is in the Command Palette');
  }
  // attached, not visible: the page hides the engine status once a graph is drawn
  await panel.locator('#engine-state:is([data-state="ready"], [data-state="error"])').waitFor({ state: 'attached', timeout: 60_000 });
  await page.screenshot({ path: path.join(shots, 'workbench.png') });
  const engineMessage = (await panel.locator('#engine-message').textContent()) ?? '';
  check(embedded ? /traced \d+ tokens/.test(engineMessage) : /onnxruntime 1\.30\.0 ready/.test(engineMessage), `the installed extension runs onnxruntime in its worker (panel says: ${engineMessage})`);
  console.log(`screenshot .test-output/vsix/workbench.png (${since()})`);
  console.log(`vsix smoke: ${passed} passed, 0 failed (${since()})`);
} catch (err) {
  console.error(`${err.stack ?? err}\n--- code-server output ---\n${server?.output().slice(-3000) ?? ''}`);
  console.log(`vsix smoke: ${passed} passed, 1 failed (${since()})`);
  process.exitCode = 1;
} finally {
  disarm();
  await cleanup();
  sandbox.remove();
}
