// The graph panel page (dist/webview.js + media/panel.css under the extension's real CSP) in headless Chromium:
// DOM assertions on what the page draws and posts, and screenshots in .test-output/browser/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ToWebview } from '../../src/protocol/messages';
import { servePanel, shots, violations, type PanelServer } from './panelPage';
import { blend, decodePng, drawnPixels, everything, findPixels, graphPaint, modeColour, near, pixelsOfColour, resolveColours } from './pixels';

let server: PanelServer;
before(async () => (server = await servePanel()));
after(async () => server?.close());
const openPanel: PanelServer['open'] = (...args) => server.open(...args);

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

test('engine status shows a progress ring and a busy tag while checking or tracing, then the ready tag and message', async () => {
  const { page, send } = await openPanel();
  await send({ type: 'engineStatus', status: { state: 'checking', message: 'Checking the engine…' } });
  await page.locator('#engine-busy').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#engine-state').textContent(), 'busy');
  // a trace runs in the same state: the tag does not say "checking" beside "Tracing with organism…"
  await send({ type: 'engineStatus', status: { state: 'checking', message: 'Tracing with organism…' } });
  assert.equal(await page.locator('#engine-state').textContent(), 'busy');
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
    const img = decodePng(await page.screenshot({ path: path.join(shots, `panel-${theme}.png`) }));
    // what the shot shows: every piece box in view has its label drawn in it, the clicked one in the selection colour
    const drawn = await page.evaluate(() => {
      const rect = (el: Element) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
      const boxes = [...document.querySelectorAll('#pieces g.piece rect.box')];
      const active = document.querySelector('#pieces g.piece.active rect.box')!;
      return {
        boxes: boxes.map(rect).filter((r) => r.x + r.width <= innerWidth && r.y + r.height <= innerHeight),
        activeIndex: boxes.indexOf(active),
        fill: getComputedStyle(active).fill,
      };
    });
    assert.equal(drawn.activeIndex, 4);
    assert.ok(drawn.boxes.length >= 5, `${drawn.boxes.length} piece boxes in view`);
    const background = modeColour(img, everything(img));
    const [selected] = await resolveColours(page, [drawn.fill]);
    const selectionFill = blend(selected.rgb, selected.alpha, background);
    for (const [i, box] of drawn.boxes.entries()) {
      const inside = { x: box.x + 3, y: box.y + 3, width: box.width - 6, height: box.height - 6 };
      const fill = modeColour(img, inside);
      const ink = findPixels(img, inside, (rgb) => !near(rgb, fill, 24)).count;
      assert.ok(ink >= 3, `piece ${i}: its label is drawn (${ink} px of ink)`); // a full stop is 4 px
      if (i === 4) assert.ok(near(fill, selectionFill, 4), `the clicked piece is filled with the selection colour: ${fill} vs ${selectionFill}`);
      else assert.ok(!near(fill, selectionFill, 4), `piece ${i} is not`);
    }
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
  // what is on the screen: the graph's glyphs, the target logit in its colour at the last token's column, above
  // the token embeddings (before a node is selected: a selection fades the others)
  const paint = await graphPaint(page);
  const shot = decodePng(await page.screenshot());
  const columns = await page.evaluate(() => [...document.querySelectorAll('.token-label')].map((t) => { const r = t.getBoundingClientRect(); return r.x + r.width / 2; }));
  const drawn = drawnPixels(shot, paint.canvas, paint.background);
  assert.ok(drawn > 0.01 * paint.canvas.width * paint.canvas.height, `the graph is drawn: ${drawn} px`);
  const logit = pixelsOfColour(shot, paint.canvas, paint.logit);
  const embedding = pixelsOfColour(shot, paint.canvas, paint.embedding);
  assert.ok(logit.count >= 10 && embedding.count >= 10, `logit ${logit.count} px, embeddings ${embedding.count} px`);
  const column = (columns.at(-1)! - columns[0]) / (columns.length - 1);
  assert.ok(Math.abs(logit.x - columns.at(-1)!) < column / 2, `the target " Austin" sits over the last token: x ${logit.x} vs ${columns.at(-1)}`);
  assert.ok(logit.y < embedding.y, 'the output is above the inputs');
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
  const image = decodePng(snap.png);
  assert.ok(drawnPixels(image, everything(image), modeColour(image, everything(image))) > 0.01 * image.width * image.height, 'the snapshot has the drawing');
  assert.ok(pixelsOfColour(image, everything(image), paint.positive).count >= 100, 'and the selected node\'s strongest links in full colour');
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the panel says whether it shows a graph file or a live trace; a file\'s nodes offer no editor to reveal', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/circuit-tracer-saved.json', 'utf8'));
  const { page, send, problems } = await openPanel('light');
  await send({ type: 'showGraph', traceId: 'file-1', graph, fileName: '<b>saved</b>.graph.json', origin: 'file', viewFromFile: true });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  const origin = page.locator('.graph-origin');
  assert.equal(await origin.getAttribute('data-origin'), 'file');
  assert.match((await origin.textContent())!, /^File: <b>saved<\/b>\.graph\.json — pins, labels and supernodes are edits of this file/);
  assert.equal(await page.locator('.graph-origin b').count(), 0, 'a file name is text, never markup');
  await send({ type: 'selectNode', traceId: 'file-1', nodeId: '20_15589_10' });
  await page.locator('.details[data-node="20_15589_10"]').waitFor();
  assert.equal(await page.locator('.details .reveal-button').count(), 0);
  assert.equal(await page.locator('.details .node-label').textContent(), 'say a capital', "circuit-tracer's feature-keyed label");
  await send({ type: 'showGraph', traceId: 'trace-9', graph, fileName: 'notes.md' });
  await page.locator('.graph-origin[data-origin="trace"]').waitFor();
  assert.match((await origin.textContent())!, /^Live trace: notes\.md — not saved/);
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

