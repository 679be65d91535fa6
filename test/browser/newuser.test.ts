// What a new user sees in the graph panel at the default side-panel width (and down to 320 px): the token axis,
// the controls, the editor-selection filter, non-ASCII tokens, the first frame of a trace and the exported image.
// Screenshots in .test-output/browser/newuser-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { servePanel, shots, violations, type PanelServer } from './panelPage';
import { decodePng, drawnPixels, everything, graphPaint, modeColour, pixelsOfColour } from './pixels';

let server: PanelServer;
before(async () => (server = await servePanel()));
after(async () => server?.close());

/** The width VS Code gives a panel opened beside the editor in a 1280-px window with the side bar open. */
const DEFAULT = { width: 465, height: 740 };
const fixture = (name: string) => JSON.parse(fs.readFileSync(`test/fixtures/graphs/${name}.graph.json`, 'utf8'));

interface Box { x: number; y: number; width: number; height: number; text: string }
const axisBoxes = (page: Page): Promise<Box[]> => page.evaluate(() => [...document.querySelectorAll<SVGTextElement>('.token-label')].map((el) => {
  const b = el.getBoundingClientRect();
  return { x: b.x, y: b.y, width: b.width, height: b.height, text: el.textContent ?? '' };
}));
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function showGraph(page: Page, send: (m: unknown) => Promise<void>, graph: unknown, traceId = 't1') {
  await send({ type: 'showGraph', traceId, graph, fileName: 'notes.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

test('at the default panel width every token label is readable: horizontal, not overlapping, inside the view, BOS said plainly', async () => {
  const { page, send, problems } = await server.open('light');
  await page.setViewportSize(DEFAULT);
  const graph = fixture('organism-dallas');
  await showGraph(page, send, graph);
  const boxes = await axisBoxes(page);
  assert.equal(boxes.length, graph.metadata.prompt_tokens.length, 'one label per prompt token');
  assert.equal(boxes[0].text, 'BOS');
  assert.deepEqual(boxes.map((b) => b.text.trim()).slice(1), ['Fact', ':', 'the', 'capital', 'of', 'the', 'state', 'containing', 'Dallas', 'is'], 'whole tokens, none abbreviated');
  for (let i = 0; i < boxes.length; i++) {
    assert.ok(boxes[i].x >= 0 && boxes[i].x + boxes[i].width <= DEFAULT.width, `"${boxes[i].text}" inside the view`);
    for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlaps(boxes[i], boxes[j]), `"${boxes[i].text}" and "${boxes[j].text}" do not overlap`);
  }
  assert.match(await page.locator('.token-strip .tok').first().innerText(), /^BOS$/);
  await page.screenshot({ path: path.join(shots, 'newuser-default.png'), fullPage: true });
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a contrast target\'s logit label reads "A − B" and stays inside the view', async () => {
  const { page, send } = await server.open('dark');
  await page.setViewportSize(DEFAULT);
  const graph = fixture('organism-dallas');
  const logit = graph.nodes.find((n: { is_target_logit?: boolean }) => n.is_target_logit);
  logit.clerp = 'Output "logit( Austin)-logit( Sacramento)" (p=0.988)';
  await showGraph(page, send, graph);
  const label = await page.locator('.item-label.kind-logit').evaluate((el) => ({ text: el.textContent, ...JSON.parse(JSON.stringify(el.getBoundingClientRect())) }));
  assert.equal(label.text, 'Austin − Sacramento 99%');
  assert.ok(label.x >= 0 && label.x + label.width <= DEFAULT.width, `inside: ${label.x}…${label.x + label.width}`);
  await page.screenshot({ path: path.join(shots, 'newuser-contrast-dark.png') });
  await page.close();
});

test('crowded logits at the default width: the target is named, no two logit labels overlap, a probability under 10% keeps a decimal, a tiny one reads <0.1%', async () => {
  const { page, send, problems } = await server.open('light');
  await page.setViewportSize(DEFAULT);
  const graph = fixture('dallas-austin'); // three logits side by side: Austin 62%, Texas (set to 2e-6 here), the (0.7% here)
  graph.nodes.find((n: { clerp?: string }) => n.clerp?.startsWith('Output " the"')).token_prob = 0.007;
  graph.nodes.find((n: { clerp?: string }) => n.clerp?.startsWith('Output " Texas"')).token_prob = 2e-6;
  await showGraph(page, send, graph);
  const labels = await page.locator('.item-label.kind-logit').evaluateAll((els) => els.map((el) => ({ text: el.textContent ?? '', ...JSON.parse(JSON.stringify(el.getBoundingClientRect())) })));
  assert.ok(labels.some((l) => l.text === 'Austin 62%'), `the target is named: ${labels.map((l) => l.text)}`);
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) assert.ok(!overlaps(labels[i], labels[j]), `"${labels[i].text}" and "${labels[j].text}" do not overlap`);
  }
  for (const l of labels) assert.match(l.text, /^(Austin 62%|Texas <0\.1%|the 0\.7%)$/);
  await page.screenshot({ path: path.join(shots, 'newuser-crowded-logits.png') });
  // zoomed in, the logits have room and every one is named
  for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const zoomed = await page.locator('.item-label.kind-logit').allTextContents();
  assert.deepEqual([...zoomed].sort(), ['Austin 62%', 'Texas <0.1%', 'the 0.7%']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('clicking a node never filters the graph; a filter from the editor selection is shown with a one-click reset', async () => {
  const { page, send, posted } = await server.open('light');
  await page.setViewportSize(DEFAULT);
  await showGraph(page, send, fixture('organism-dallas'));
  const count = () => page.locator('.graph-host').getAttribute('data-visible-nodes');
  const before = await count();
  // click through the graph until a node opens (as a user clicks a circle)
  const clicked = await page.evaluate(async () => {
    const over = document.querySelector('.graph-host svg.over')!;
    const box = over.getBoundingClientRect();
    for (let dy = 0.25; dy < 0.9; dy += 0.05) {
      for (let dx = 0.2; dx < 0.95; dx += 0.02) {
        const cx = box.x + dx * box.width;
        const cy = box.y + dy * box.height;
        over.dispatchEvent(new MouseEvent('click', { clientX: cx, clientY: cy, bubbles: true }));
        await new Promise((r) => requestAnimationFrame(r));
        const d = document.querySelector('.details[data-node]');
        if (d) return d.getAttribute('data-node');
      }
    }
    return null;
  });
  assert.ok(clicked, 'a node was clicked');
  assert.equal(await count(), before, 'the click did not filter');
  assert.equal(await page.locator('.filter-bar').isVisible(), false);
  assert.ok((await posted()).some((m) => m.type === 'revealPosition'), 'the host was asked to show its token');
  // the user selects " Dallas is" in the editor: the graph is limited to those positions, and says so
  await send({ type: 'editorFocus', traceId: 't1', cursor: 10, range: [9, 10] });
  await page.locator('.filter-bar').waitFor({ state: 'visible' });
  assert.match(await page.locator('.filter-bar').innerText(), /positions 9–10 \(" Dallas is"\), the text selected in the editor/);
  assert.ok(Number(await count()) < Number(before));
  // the open node's links to nodes the filter hides are still listed, and say they are not drawn (the logit has
  // inputs from the embeddings before " Dallas")
  await send({ type: 'selectNode', traceId: 't1', nodeId: '5_701_10' });
  await page.locator('.details[data-node="5_701_10"]').waitFor();
  assert.equal(await page.locator('.filter-bar').isVisible(), true, 'opening a node keeps the editor\'s filter');
  const rows = await page.locator('.details button.conn-row').evaluateAll((els) => els.map((el) => ({
    notDrawn: el.classList.contains('not-drawn'), where: el.querySelector('.conn-where')?.textContent ?? '', title: el.getAttribute('title') ?? '',
  })));
  const hidden = rows.filter((r) => r.notDrawn);
  assert.ok(hidden.length > 0, `some of the ${rows.length} link rows point outside positions 9–10`);
  assert.ok(hidden.every((r) => / · not drawn$/.test(r.where) && /not drawn: outside the positions selected in the editor/.test(r.title)));
  assert.ok(rows.filter((r) => !r.notDrawn).every((r) => !/not drawn/.test(r.where)));
  await page.screenshot({ path: path.join(shots, 'newuser-filter.png') });
  await page.locator('#show-all-positions').click();
  await page.locator('.filter-bar').waitFor({ state: 'hidden' });
  assert.equal(await count(), before, 'one click shows every position again');
  assert.equal(await page.locator('.details button.conn-row.not-drawn').count(), 0, 'every listed link is drawn again');
  // an edit under the trace drops the editor's filter with the positions it referred to
  await send({ type: 'editorFocus', traceId: 't1', cursor: 10, range: [9, 10] });
  await page.locator('.filter-bar').waitFor({ state: 'visible' });
  await send({ type: 'traceStale', traceId: 't1', stale: true });
  await page.locator('.filter-bar').waitFor({ state: 'hidden' });
  assert.equal(await count(), before);
  // the stale banner has a line of its own: the summary is not covered
  const bannerBottom = await page.locator('.stale-banner').evaluate((el) => el.getBoundingClientRect().bottom);
  const summaryTop = await page.locator('.summary').evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(summaryTop >= bannerBottom - 0.5, `the summary (top ${summaryTop}) starts below the banner (bottom ${bannerBottom})`);
  await page.close();
});

for (const width of [DEFAULT.width, 320]) {
  test(`at ${width} px every control and the intervention form are inside the view and readable`, async () => {
    const { page, send } = await server.open('light');
    await page.setViewportSize({ width, height: DEFAULT.height });
    const graph = fixture('organism-dallas');
    await showGraph(page, send, graph);
    const feature = graph.nodes.find((n: { feature_type: string; ctx_idx: number }) => n.feature_type === 'cross layer transcoder' && n.ctx_idx === 10).node_id;
    await send({ type: 'selectNode', traceId: 't1', nodeId: feature });
    await page.locator(`.details[data-node="${feature}"] .intervene`).waitFor();
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(shots, `newuser-details-${width}.png`), fullPage: true });
    const outside = await page.evaluate((w) => [...document.querySelectorAll('.toolbar *, .summary *, .details *, .intervene *')]
      .filter((el) => (el as HTMLElement).offsetParent !== null || el instanceof SVGElement)
      .map((el) => ({ el: `${el.tagName.toLowerCase()}#${el.id}.${(el.getAttribute('class') ?? '').split(' ')[0]}`, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && (r.right > w + 0.5 || r.left < -0.5))
      .map(({ el, r }) => `${el} ${Math.round(r.left)}…${Math.round(r.right)}`), width);
    assert.deepEqual(outside, [], 'nothing sticks out of the view');
    // dropdown values are not cut: each dropdown is as wide as its selected text needs
    const cut = await page.evaluate(() => [...document.querySelectorAll('.intervene vscode-dropdown')].map((d) => {
      const shadow = d.shadowRoot?.querySelector('.selected-value') as HTMLElement | null;
      return shadow && shadow.scrollWidth > shadow.clientWidth + 1 ? `${shadow.textContent?.trim()} (${shadow.scrollWidth} > ${shadow.clientWidth}, dropdown ${d.getBoundingClientRect().width})` : null;
    }).filter(Boolean));
    assert.deepEqual(cut, [], 'no dropdown value is cut off');
    // the continuation field's label sits beside its field, not under it
    const [field, label] = await Promise.all(['.iv-generate', '.iv-generate-row > span'].map((s) => page.locator(s).first().evaluate((el) => JSON.parse(JSON.stringify(el.getBoundingClientRect())))));
    assert.ok(Math.abs((field.top + field.bottom) / 2 - (label.top + label.bottom) / 2) < 8, 'the "tokens" label is on the field\'s line');
    await page.close();
  });
}

test('characters split over byte-level tokens show as what they spell in the axis, the strip and the tooltip', async () => {
  const { page, send } = await server.open('light');
  await page.setViewportSize(DEFAULT);
  await showGraph(page, send, fixture('organism-nonascii'));
  const strip = await page.locator('.token-strip .tok').allInnerTexts();
  assert.ok(!strip.some((t) => t.includes('\uFFFD')), strip.join(' | '));
  assert.ok(strip.includes('⟨ñ 1/2⟩') && strip.includes('⟨ñ 2/2⟩'), strip.join(' | '));
  assert.ok(strip.includes('⟨🙂 1/4⟩'), strip.join(' | '));
  const axis = await axisBoxes(page);
  assert.ok(!axis.some((b) => b.text.includes('\uFFFD')), axis.map((b) => b.text).join(' | '));
  await page.screenshot({ path: path.join(shots, 'newuser-nonascii.png'), fullPage: true });
  await page.close();
});

test('the first frame of a panel opened for a trace already shows what is traced and a moving bar; progress updates it', async () => {
  const { page, send } = await server.open('light', undefined, 'Tracing 11 words of notes.md with the embedded model…');
  await page.setViewportSize(DEFAULT);
  assert.equal(await page.locator('#busy').isVisible(), true);
  assert.match(await page.locator('#busy-text').innerText(), /Tracing 11 words of notes\.md/);
  await send({ type: 'traceProgress', message: 'Tracing: backward pass 3 of 8', fraction: 0.4, done: false });
  assert.match(await page.locator('#busy-text').innerText(), /backward pass 3 of 8/);
  await page.screenshot({ path: path.join(shots, 'newuser-first-frame.png') });
  await send({ type: 'traceProgress', message: '', fraction: null, done: true });
  await page.locator('#busy').waitFor({ state: 'hidden' });
  await page.close();
});

test('Export as PNG is the whole graph at 2× with the prompt, target and legend; SVG is vector', async () => {
  const { page, send, posted } = await server.open('light');
  await page.setViewportSize(DEFAULT);
  await showGraph(page, send, fixture('organism-dallas'));
  await page.locator('#zoom-in').click(); // a zoomed view still exports the whole graph
  for (const format of ['png', 'svg'] as const) {
    await send({ type: 'requestSnapshot', requestId: `r-${format}`, format });
    await page.waitForFunction((id) => (window as unknown as { __posted: { type: string; requestId?: string }[] }).__posted.some((m) => m.type === 'snapshot' && m.requestId === id), `r-${format}`);
  }
  const snaps = (await posted()).filter((m) => m.type === 'snapshot') as unknown as { requestId: string; png: string }[];
  const png = snaps.find((s) => s.requestId === 'r-png')!.png;
  const svg = snaps.find((s) => s.requestId === 'r-svg')!.png;
  assert.match(png, /^data:image\/png;base64,/);
  const pngBytes = Buffer.from(png.split(',')[1], 'base64');
  const [w, h] = [pngBytes.readUInt32BE(16), pngBytes.readUInt32BE(20)];
  assert.ok(w >= 1900 && h >= 1400, `2× of the export size: ${w}×${h}`);
  fs.writeFileSync(path.join(shots, 'newuser-export.png'), pngBytes);
  // what the image shows: the drawing (not a blank canvas), every glyph kind in its colour, the output above the inputs
  const image = decodePng(pngBytes);
  const paint = await graphPaint(page);
  const all = everything(image);
  assert.ok(drawnPixels(image, all, modeColour(image, all)) > 0.01 * w * h, 'the exported image has the drawing');
  const logit = pixelsOfColour(image, all, paint.logit);
  const embedding = pixelsOfColour(image, all, paint.embedding);
  assert.ok(logit.count >= 40 && embedding.count >= 40, `logit ${logit.count} px, embeddings ${embedding.count} px at 2×`);
  assert.ok(logit.y < embedding.y, 'the output is above the inputs');
  assert.ok(pixelsOfColour(image, all, paint.positive).count > 0, 'links in the positive colour');
  assert.match(svg, /^data:image\/svg\+xml;base64,/);
  const doc = Buffer.from(svg.split(',')[1], 'base64').toString('utf8').replace(/&#34;/g, '"');
  fs.writeFileSync(path.join(shots, 'newuser-export.svg'), doc);
  assert.match(doc, /Prompt: "Fact: the capital of the state containing Dallas is"/);
  assert.match(doc, /Target " Austin" \(p = 0\.988\)/);
  assert.match(doc, /excites/);
  assert.ok((doc.match(/<path /g) ?? []).length > 10, 'edges and nodes are SVG paths');
  assert.ok(/<path [^>]*stroke-dasharray=/.test(doc), 'inhibitory links are dashed in the image too');
  assert.equal((doc.match(/class="token-label/g) ?? []).length, 11, 'every token on the axis');
  await page.close();
});
