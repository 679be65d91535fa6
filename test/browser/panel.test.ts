// The graph panel page (dist/webview.js + media/panel.css under the extension's real CSP) in headless Chromium:
// DOM assertions on what the page draws and posts, and screenshots in .test-output/browser/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, testOutputDir } from '../../scripts/chromium.mjs';
import { makeNonce, panelHtml } from '../../src/extension/panelHtml';
import type { InterventionRecord } from '../../src/protocol/graph-json';
import type { FromWebview, ToWebview } from '../../src/protocol/messages';
import { themes, type ThemeName } from './themes';

let server: http.Server;
let origin = '';
let browser: Browser;
const shots = testOutputDir('browser');

const files: Record<string, [string, string]> = {
  '/dist/webview.js': ['dist/webview.js', 'text/javascript'],
  '/media/panel.css': ['media/panel.css', 'text/css'],
  '/dist/webview.css': ['dist/webview.css', 'text/css'],
};

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(panelHtml({ cspSource: origin, nonce: makeNonce(), scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/media/panel.css`, graphStyleUri: `${origin}/dist/webview.css` }));
      return;
    }
    const file = files[req.url ?? ''];
    if (!file) { res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end(); return; }
    res.writeHead(200, { 'content-type': file[1] });
    res.end(fs.readFileSync(path.resolve(file[0])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

interface PageProbe {
  page: Page;
  posted(): Promise<Array<{ type: string; [k: string]: unknown }>>;
  send(message: unknown): Promise<void>;
  problems: string[];
}

/** Opens the panel page with a fake acquireVsCodeApi that records posts and state, and the theme's variables. */
async function openPanel(theme: ThemeName = 'dark', savedState: unknown = undefined): Promise<PageProbe> {
  const page = await browser.newPage({ viewport: { width: 860, height: 400 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  await page.addInitScript(({ theme, savedState }) => {
    const w = window as unknown as Record<string, unknown>;
    w.__posted = [];
    w.__state = savedState;
    w.__violations = [];
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => (w.__posted as unknown[]).push(m),
      getState: () => w.__state,
      setState: (s: unknown) => { w.__state = s; },
    });
    document.addEventListener('securitypolicyviolation', (e) => (w.__violations as string[]).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`));
    document.addEventListener('DOMContentLoaded', () => {
      document.body.classList.add(theme.bodyClass);
      for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty(k, v);
    });
  }, { theme: themes[theme], savedState });
  await page.goto(`${origin}/`);
  const probe: PageProbe = {
    page,
    problems,
    posted: () => page.evaluate(() => (window as unknown as { __posted: never[] }).__posted),
    send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
  };
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return probe;
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

const prompt = 'The capital of the state containing Dallas is Austin.\nFact: 12+34=46';
const pieces = Array.from(prompt.matchAll(/ ?[\p{L}\p{N}]+| ?[^\s\p{L}\p{N}]+|\s+/gu), (m) => ({ text: m[0], offset: m.index ?? 0 }));
const selection: ToWebview.ShowSelection = { type: 'showSelection', traceId: 'trace-1', source: { fileName: 'facts.md', text: prompt }, pieces };
const ready: ToWebview.ShowEngineStatus = { type: 'engineStatus', status: { state: 'ready', message: 'onnxruntime 1.30.0 ready (self-check 4 ms, worker thread 1)' } };

test('the empty panel loads under the strict CSP, defines the toolkit controls and says what to do', async () => {
  const { page, posted, problems } = await openPanel();
  assert.equal(await page.locator('#empty').isVisible(), true);
  assert.match(await page.locator('#empty').innerText(), /Trace Selection/);
  assert.equal(await page.evaluate(() => customElements.get('vscode-button') !== undefined && document.getElementById('check-engine')?.shadowRoot !== null), true);
  const rendered = (await posted()).find((m) => m.type === 'rendered');
  assert.deepEqual(rendered, { type: 'rendered', traceId: null, pieceCount: 0, engineState: null, toolkit: true, graphNodes: 0 });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('showSelection draws one d3 box per piece, with whitespace made visible, and reports the render', async () => {
  const { page, posted, send, problems } = await openPanel();
  await send(selection);
  await page.locator('#pieces svg g.piece').nth(pieces.length - 1).waitFor();
  assert.equal(await page.locator('#pieces svg g.piece').count(), pieces.length);
  const labels = await page.locator('#pieces g.piece text.label').allTextContents();
  assert.deepEqual(labels.slice(0, 3), ['The', '·capital', '·of']);
  assert.ok(labels.includes('⏎'));
  assert.equal(await page.locator('#empty').isVisible(), false);
  assert.match(await page.locator('#source').innerText(), new RegExp(`facts\\.md: ${pieces.length} pieces`));
  const last = (await posted()).filter((m) => m.type === 'rendered').at(-1);
  assert.deepEqual(last, { type: 'rendered', traceId: 'trace-1', pieceCount: pieces.length, engineState: null, toolkit: true, graphNodes: 0 });
  assert.deepEqual(problems, []);
  await page.close();
});

test('engine status shows a progress ring while checking, then the ready tag and message', async () => {
  const { page, send } = await openPanel();
  await send({ type: 'engineStatus', status: { state: 'checking', message: 'Checking the engine…' } });
  await page.locator('#engine-busy').waitFor({ state: 'visible' });
  await send(ready);
  await page.locator('#engine-busy').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#engine-state').textContent(), 'ready');
  assert.match(await page.locator('#engine-message').innerText(), /onnxruntime 1\.30\.0 ready/);
  await send({ type: 'engineStatus', status: { state: 'error', message: 'onnxruntime-node could not start.' } });
  assert.equal(await page.locator('#engine-message.error').count(), 1);
  await page.close();
});

test('clicking a piece highlights it and asks the host to reveal it; the toolkit button asks for an engine check', async () => {
  const { page, posted, send } = await openPanel();
  await send(selection);
  await page.locator('#pieces g.piece').nth(3).click();
  assert.equal(await page.locator('#pieces g.piece.active').count(), 1);
  assert.equal(await page.locator('#pieces g.piece').nth(3).getAttribute('class'), 'piece active');
  await page.locator('#check-engine').click();
  const sent = await posted();
  assert.deepEqual(sent.find((m) => m.type === 'revealPiece'), { type: 'revealPiece', traceId: 'trace-1', index: 3 });
  assert.ok(sent.some((m) => m.type === 'checkEngine'));
  await page.close();
});

test('malformed messages are ignored with a warning and leave the drawing as it was', async () => {
  const { page, send } = await openPanel();
  const warnings: string[] = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await send(selection);
  await page.locator('#pieces g.piece').first().waitFor();
  await send({ type: 'showSelection', traceId: 'x', source: { fileName: 'a', text: 'b' }, pieces: 'not a list' });
  await send({ type: 'deleteEverything' });
  await page.waitForTimeout(100);
  assert.equal(await page.locator('#pieces g.piece').count(), pieces.length);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  await page.close();
});

test('the view state is saved with setState and restored when the page reloads', async () => {
  const first = await openPanel();
  await first.send(selection);
  await first.page.locator('#pieces g.piece').nth(2).click();
  const saved = await first.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  await first.page.close();
  const { page } = await openPanel('dark', saved);
  assert.equal(await page.locator('#pieces g.piece').count(), pieces.length, 'drawn before any host message');
  assert.equal(await page.locator('#pieces g.piece').nth(2).getAttribute('class'), 'piece active');
  await page.close();
});

for (const theme of ['dark', 'light'] as const) {
  test(`screenshot of a traced selection in the ${theme} theme`, async () => {
    const { page, send } = await openPanel(theme);
    await send(selection);
    await send(ready);
    await page.locator('#pieces g.piece').nth(4).click();
    await page.locator('#engine-busy').waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 860, height: 230 });
    const file = path.join(shots, `panel-${theme}.png`);
    await page.screenshot({ path: file });
    assert.ok(fs.statSync(file).size > 5000, 'a non-empty screenshot');
    await page.close();
  });
}

test('showGraph replaces the pieces with the graph view; clicking a node asks the host to reveal its token', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
  const { page, posted, send, problems } = await openPanel('light');
  await page.setViewportSize({ width: 1280, height: 760 });
  await send(ready);
  await send({ type: 'showGraph', traceId: 'trace-7', graph, fileName: 'notes.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  assert.equal(await page.locator('.graph-host').getAttribute('data-visible-nodes'), '21');
  assert.equal(await page.locator('#empty').isVisible(), false);
  const p = await page.evaluate(() => {
    const host = document.querySelector('.graph-host')!.getBoundingClientRect();
    const tokens = [...document.querySelectorAll('.token-label')].map((t) => t.getBoundingClientRect());
    return { x: host.x, y: host.y, tokens: tokens.length };
  });
  assert.equal(p.tokens, 11);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
  await send({ type: 'selectNode', traceId: 'trace-7', nodeId: '1_230_9' });
  await page.locator('.details[data-node="1_230_9"]').waitFor();
  const revealed = (await posted()).find((m) => m.type === 'revealPosition');
  assert.deepEqual(revealed, { type: 'revealPosition', traceId: 'trace-7', ctx: 9, focus: false });
  await send({ type: 'traceStale', traceId: 'trace-7', stale: true });
  assert.equal(await page.locator('.stale-banner').isVisible(), true);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'graphState'));
  await send({ type: 'requestSnapshot', requestId: 'r1' });
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'snapshot'));
  const snap = (await posted()).find((m) => m.type === 'snapshot') as unknown as { png: string };
  assert.match(snap.png, /^data:image\/png;base64,/);
  fs.writeFileSync(path.join(shots, 'panel-graph-snapshot.png'), Buffer.from(snap.png.split(',')[1], 'base64'));
  await page.screenshot({ path: path.join(shots, 'panel-graph-light.png') });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('opening a feature asks the host for its full details once, then shows them grouped by quantile', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
  const { page, posted, send, problems } = await openPanel('dark');
  await page.setViewportSize({ width: 1280, height: 760 });
  await send({ type: 'showGraph', traceId: 'trace-8', graph, fileName: 'notes.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  const reported = (await posted()).filter((m) => m.type === 'rendered').at(-1);
  assert.equal(reported?.traceId, 'trace-8');
  assert.ok((reported?.graphNodes as number) > 0, 'the render report counts the drawn nodes');
  await send({ type: 'selectNode', traceId: 'trace-8', nodeId: '0_101_9' });
  await page.locator('.details[data-node="0_101_9"] .loading-feature').waitFor();
  assert.equal(await page.locator('.details .example').count(), 2, 'the summary examples show meanwhile');
  const requests = (await posted()).filter((m) => m.type === 'requestFeature');
  assert.deepEqual(requests, [{ type: 'requestFeature', traceId: 'trace-8', featureKey: '0_101' }]);
  const example = (tokens: string[], acts: number[], quantile: string) => ({ tokens, tokens_acts_list: acts, train_token_ind: acts.indexOf(Math.max(...acts)), quantile });
  await send({
    type: 'featureDetail', traceId: 'trace-8', featureKey: '0_101',
    detail: {
      label: 'Dallas', top_logits: [' Cowboys'], bottom_logits: [' Paris'], activation_frequency: 0.0021, act_max: 8.2,
      examples: [
        example([' in', ' Dallas', ' today'], [0, 8.2, 0.1], 'Top activations'), example([' Dallas', ' is'], [7.5, 0], 'Top activations'),
        example([' near', ' Dall'], [0.2, 3.1], 'Quantile 1 of 3 (highest)'), example([' Texas', ' city'], [1.0, 0.4], 'Quantile 2 of 3'),
      ],
    },
  });
  await page.locator('.details .example-group').nth(2).waitFor();
  assert.deepEqual(await page.locator('.details .examples h3').allTextContents(), ['Top activations', 'Quantile 1 of 3 (highest)', 'Quantile 2 of 3']);
  assert.equal(await page.locator('.details .example').count(), 4);
  assert.equal(await page.locator('.details .loading-feature').count(), 0);
  // opening it again does not ask again
  await send({ type: 'selectNode', traceId: 'trace-8', nodeId: '1_230_9' });
  await send({ type: 'selectNode', traceId: 'trace-8', nodeId: '0_101_9' });
  await page.locator('.details[data-node="0_101_9"]').waitFor();
  assert.equal((await posted()).filter((m) => m.type === 'requestFeature' && m.featureKey === '0_101').length, 1);
  await page.screenshot({ path: path.join(shots, 'panel-feature-details-dark.png') });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

/** A result as the host sends it: Texas ablated, Austin down, a few downstream features changed. */
function ablationRecord(id: string, overrides: Partial<InterventionRecord> = {}): InterventionRecord {
  const tok = (i: number, token: string, prob: number) => ({ id: i, token, prob });
  return {
    id, at: '2025-01-01T00:00:00.000Z', title: 'Ablate Texas', nodeIds: ['1_230_9'], op: { kind: 'scale', factor: 0 }, where: 'node', mode: 'free', generate: 0,
    clean: { top: [tok(9533, ' Austin', 0.62), tok(3936, ' Texas', 0.11), tok(262, ' the', 0.06), tok(1, ' Dallas', 0.03)] },
    intervened: { top: [tok(262, ' the', 0.21), tok(2, ' Sacramento', 0.14), tok(9533, ' Austin', 0.08), tok(3936, ' Texas', 0.02)] },
    targets: [
      { id: 9533, token: ' Austin', cleanProb: 0.62, prob: 0.08, logitDelta: -2.6 },
      { id: 3936, token: ' Texas', cleanProb: 0.11, prob: 0.02, logitDelta: -1.9 },
      { id: 262, token: ' the', cleanProb: 0.06, prob: 0.21, logitDelta: 0.9 },
    ],
    changes: [
      { nodeId: '2_44_10', clean: 5.5, intervened: 0.4, delta: -5.1 },
      { nodeId: '3_77_10', clean: 8.2, intervened: 3.0, delta: -5.2 },
      { nodeId: '3_5_10', clean: 2.4, intervened: 3.1, delta: 0.7 },
      { nodeId: '2_999_10', clean: 0, intervened: 0.5, delta: 0.5 },
    ],
    ...overrides,
  };
}

const postedOf = async (probe: PageProbe, type: string) => (await probe.posted()).filter((m) => m.type === type);

/** Sets a toolkit dropdown as a user's pick does. */
const pick = (page: Page, selector: string, value: string) =>
  page.locator(selector).evaluate((el, v) => { (el as HTMLSelectElement).value = v; el.dispatchEvent(new Event('change')); }, value);

test('the intervention form checks what was typed, posts the change of a feature, and shows the result with bars and marks', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
  const probe = await openPanel('light');
  const { page, send, problems } = probe;
  await page.setViewportSize({ width: 1280, height: 900 });
  await send({ type: 'showGraph', traceId: 'trace-iv', graph, fileName: 'notes.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  assert.equal(await page.locator('.results').isVisible(), false, 'no results yet');
  await send({ type: 'selectNode', traceId: 'trace-iv', nodeId: '1_230_9' });
  const form = page.locator('.details[data-node="1_230_9"] section.intervene');
  await form.waitFor();
  assert.equal(await form.locator('.iv-amount').isHidden(), true, 'ablating needs no amount');

  await pick(page, '.iv-kind', 'amplify');
  await form.locator('.iv-amount input').fill('lots');
  await form.locator('.iv-run').click();
  assert.match(await form.locator('.iv-status.error').innerText(), /The factor k must be a number, not "lots"/);
  assert.deepEqual(await postedOf(probe, 'intervene'), [], 'nothing is sent');
  await form.locator('.iv-amount input').fill('3');
  await form.locator('.iv-generate input').fill('100');
  await form.locator('.iv-run').click();
  assert.match(await form.locator('.iv-status.error').innerText(), /from 0 to 64/);
  await form.locator('.iv-generate input').fill('5');
  await pick(page, '.iv-mode', 'frozen');
  await form.locator('.iv-run').click();
  const [sent] = await postedOf(probe, 'intervene');
  assert.ok(sent, 'the form posted the intervention');
  const { requestId, ...rest } = sent as unknown as FromWebview.Intervene;
  assert.match(requestId, /^iv-/);
  assert.deepEqual(rest, { type: 'intervene', traceId: 'trace-iv', nodeIds: ['1_230_9'], op: { kind: 'scale', factor: 3 }, where: 'node', mode: 'frozen', generate: 5, title: 'Amplify Texas × 3' });
  assert.match(await form.locator('.iv-status').innerText(), /Running “Amplify Texas × 3”/);
  assert.equal(await form.locator('.iv-cancel').isVisible(), true);
  await form.locator('.iv-cancel').click();
  assert.deepEqual((await postedOf(probe, 'cancelIntervention')).at(-1), { type: 'cancelIntervention', traceId: 'trace-iv', requestId });
  await send({ type: 'interventionFailed', traceId: 'trace-iv', requestId, message: 'cancelled', cancelled: true });
  await page.locator('.iv-status.error', { hasText: 'Cancelled.' }).waitFor();

  await form.locator('.iv-run').click();
  const second = (await postedOf(probe, 'intervene')).at(-1) as unknown as FromWebview.Intervene;
  await send({ type: 'interventionResult', traceId: 'trace-iv', requestId: second.requestId, record: ablationRecord('r1') });
  const results = page.locator('.results[data-result="r1"]');
  await results.waitFor();
  assert.equal(await form.locator('.iv-status').innerText(), '', 'the running line clears');
  assert.equal(await results.locator('.result-title').innerText(), 'Ablate Texas');
  const bars = await results.locator('.bar-row .bar-token').allTextContents();
  assert.deepEqual(bars, [' Austin', ' Texas', ' the', ' Dallas', ' Sacramento'], 'the clean top tokens, then one the intervention brought up');
  const austin = results.locator('.bar-row', { hasText: ' Austin' });
  assert.equal(await austin.locator('.bar-value').innerText(), '62% → 8.0%');
  const widths = await austin.locator('.bar').evaluateAll((els) => els.map((e) => (e as HTMLElement).getBoundingClientRect().width));
  assert.ok(widths[0] > widths[1] * 5, `the clean bar is longer: ${widths}`);
  assert.deepEqual(await results.locator('.target-delta').allTextContents(), ['−54.0 pts', '−9.0 pts', '+15.0 pts']);
  assert.equal(await results.locator('.change-row').count(), 4);
  assert.equal(await results.locator('.change-row.in-graph').count(), 3);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await page.locator('.graph-host circle.mark.changed').count(), 3, 'the changed nodes in the graph are ringed');
  assert.equal(await page.locator('.graph-host circle.mark.changed.down').count(), 2);
  assert.equal(await page.locator('.graph-host circle.mark.intervened').count(), 1);
  await page.screenshot({ path: path.join(shots, 'panel-intervention-light.png') });

  await results.locator('.change-row[data-node="3_77_10"]').click();
  await page.locator('.details[data-node="3_77_10"]').waitFor();
  await results.locator('.mark-changes').click();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await page.locator('.graph-host circle.mark.changed').count(), 0, 'marks can be hidden');
  await send({ type: 'interventionFailed', traceId: 'trace-iv', requestId: 'unknown', message: 'x', cancelled: false });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a supernode is ablated as its members; a host error shows in the form; results kept in the graph show again after a reload', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
  graph.qParams = { ...graph.qParams, pinnedIds: ['1_230_9', '2_44_10', '3_77_10'], supernodes: [['Texas', '1_230_9', '2_44_10']] };
  const probe = await openPanel('dark');
  const { page, send, problems } = probe;
  await page.setViewportSize({ width: 1280, height: 900 });
  await send({ type: 'showGraph', traceId: 'trace-sn', graph, fileName: 'notes.md' });
  await page.locator('.supernode-list .sn-open').click();
  const form = page.locator('.details[data-node="sn:0"] section.intervene');
  await form.waitFor();
  assert.match(await form.locator('.iv-subject').innerText(), /2 members/);
  await pick(page, '.iv-where', 'all');
  await form.locator('.iv-run').click();
  const sent = (await postedOf(probe, 'intervene')).at(-1) as unknown as FromWebview.Intervene;
  assert.deepEqual(sent.nodeIds, ['1_230_9', '2_44_10']);
  assert.deepEqual(sent.op, { kind: 'scale', factor: 0 });
  assert.equal(sent.where, 'all');
  assert.equal(sent.title, 'Ablate Texas at every position');
  await send({ type: 'interventionFailed', traceId: 'trace-sn', requestId: sent.requestId, message: 'Only transcoder features can be changed; "1_-1_10" is an error node.', cancelled: false });
  await page.locator('.iv-status.error', { hasText: 'Only transcoder features can be changed' }).waitFor();

  // the pinned nodes as one subject, from a feature's details
  await send({ type: 'selectNode', traceId: 'trace-sn', nodeId: '3_77_10' });
  await pick(page, '.iv-subject', 'pinned');
  await pick(page, '.iv-kind', 'steer');
  await page.locator('.details section.intervene .iv-amount input').fill('-2.5');
  await pick(page, '.iv-where', 'node');
  await page.locator('.details section.intervene .iv-run').click();
  const steer = (await postedOf(probe, 'intervene')).at(-1) as unknown as FromWebview.Intervene;
  assert.deepEqual([steer.nodeIds, steer.op, steer.title], [['1_230_9', '2_44_10', '3_77_10'], { kind: 'steer', strength: -2.5 }, 'Steer 3 pinned nodes by -2.5']);

  // a graph that carries results (a reload, or a file) shows the latest one and marks it
  graph.selfTracing.interventions = [ablationRecord('old', { title: 'Amplify Texas × 2' }), ablationRecord('new', { generate: 3, clean: { ...ablationRecord('x').clean, continuation: ' Austin.' }, intervened: { ...ablationRecord('x').intervened, continuation: ' Sacramento.' } })];
  await send({ type: 'showGraph', traceId: 'trace-file', graph, fileName: 'saved.graph.json' });
  const results = page.locator('.results[data-result="new"]');
  await results.waitFor();
  assert.match(await results.locator('.results-head h3').innerText(), /Interventions \(2\)/i);
  assert.deepEqual(await results.locator('.continuation-text').allTextContents(), [' Austin.', ' Sacramento.']);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.ok(await page.locator('.graph-host circle.mark.changed').count() > 0);
  await page.screenshot({ path: path.join(shots, 'panel-intervention-dark.png') });
  await pick(page, '.results-pick', 'old');
  await page.locator('.results[data-result="old"]').waitFor();
  await page.locator('.results-close').click();
  assert.equal(await page.locator('.results .results-show').isVisible(), true);
  assert.deepEqual(problems, []);
  await page.close();
});
