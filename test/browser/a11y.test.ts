// Accessibility of the graph panel page in headless Chromium, driven by the keyboard alone: select a node, pin it,
// run an intervention, open a changed feature, close the results, follow a link and go back to the graph, checking
// after every step that focus is on the equivalent control and never on <body>.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { InterventionRecord } from '../../src/protocol/graph-json';
import type { FromWebview } from '../../src/protocol/messages';
import { servePanel, shots, type PageProbe, type PanelServer } from './panelPage';

let server: PanelServer;
before(async () => (server = await servePanel()));
after(async () => server?.close());

/** The focused element as `tag.firstClass[data-node]`, or "body" when focus was lost. */
const focused = (page: Page) => page.evaluate(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return 'body';
  const node = a.getAttribute('data-node');
  return `${a.localName}${a.id ? `#${a.id}` : ''}${a.classList[0] ? `.${a.classList[0]}` : ''}${node ? `[${node}]` : ''}`;
});

/** Presses Tab (or Shift+Tab) until focus is on `selector`; fails if it drops to <body> or never gets there. */
async function tabTo(page: Page, selector: string, back = false, max = 80): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    seen.push(await focused(page));
  }
  assert.fail(`never reached ${selector} by ${back ? 'Shift+Tab' : 'Tab'}: ${seen.join(' → ')}`);
}

async function expectFocus(page: Page, pattern: RegExp, step: string): Promise<void> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const now = await focused(page);
  assert.notEqual(now, 'body', `focus dropped to <body> after ${step}`);
  assert.match(now, pattern, `focus after ${step}`);
}

function record(id: string): InterventionRecord {
  const tok = (i: number, token: string, prob: number) => ({ id: i, token, prob });
  return {
    id, at: '2025-01-01T00:00:00.000Z', title: 'Ablate Texas', nodeIds: ['1_230_9'], op: { kind: 'scale', factor: 0 }, where: 'node', mode: 'free', generate: 0,
    clean: { top: [tok(9533, ' Austin', 0.62), tok(3936, ' Texas', 0.11)] },
    intervened: { top: [tok(262, ' the', 0.21), tok(9533, ' Austin', 0.08)] },
    targets: [{ id: 9533, token: ' Austin', cleanProb: 0.62, prob: 0.08, logitDelta: -2.6 }],
    changes: [{ nodeId: '3_77_10', clean: 8.2, intervened: 3.0, delta: -5.2 }, { nodeId: '2_44_10', clean: 5.5, intervened: 0.4, delta: -5.1 }],
  };
}

const pinText = (page: Page, text: string) => page.waitForFunction((t) => document.querySelector('.details .pin-button')?.textContent === t, text);

const postedOf = async (probe: PageProbe, type: string) => (await probe.posted()).filter((m) => m.type === type);

test('keyboard only: select a node, pin, intervene, open a change, close the results, follow a link, return — focus is never lost', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
  const probe = await server.open('dark');
  const { page, send, problems } = probe;
  await page.setViewportSize({ width: 1280, height: 900 });
  await send({ type: 'showGraph', traceId: 't', graph, fileName: 'notes.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();

  // into the graph by Tab; arrows move; Enter opens the focused node
  await tabTo(page, '.graph-host');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const opened = await page.locator('.details[data-node]').getAttribute('data-node');
  assert.ok(opened, 'Enter opened a node');
  await expectFocus(page, /graph-host/, 'Enter in the graph');

  // open Texas (a feature) through the search box, keyboard only
  await page.keyboard.press('/');
  await expectFocus(page, /#search/, '/');
  await page.keyboard.type('Texas');
  await page.keyboard.press('Enter');
  await page.locator('.details[data-node="1_230_9"]').waitFor();

  // Pin, then Unpin: focus stays on the button though the details are rebuilt
  await tabTo(page, '.details .pin-button');
  await page.keyboard.press('Enter');
  await pinText(page, 'Unpin');
  await expectFocus(page, /pin-button/, 'Pin');
  await page.keyboard.press('Enter');
  await pinText(page, 'Pin');
  await expectFocus(page, /pin-button/, 'Unpin');

  // the host's feature details arrive while focus is on Pin: the details are rebuilt, focus stays
  await send({ type: 'featureDetail', traceId: 't', featureKey: '1_230', detail: { examples: [] } });
  await expectFocus(page, /pin-button/, 'feature details arrived');

  // Run: the button is disabled while running, focus moves to Cancel; the result arrives, focus back on Run
  await tabTo(page, '.details .iv-run');
  await page.keyboard.press('Enter');
  await expectFocus(page, /iv-cancel/, 'Run (button disabled)');
  const sent = (await postedOf(probe, 'intervene')).at(-1) as unknown as FromWebview.Intervene;
  assert.ok(sent, 'Run posted the intervention');
  await send({ type: 'interventionResult', traceId: 't', requestId: sent.requestId, record: record('r1') });
  await page.locator('.results[data-result="r1"]').waitFor();
  await expectFocus(page, /iv-run/, 'the result arrived (Cancel hidden)');

  // a changed feature in the results opens with Enter; focus stays on its row
  await tabTo(page, '.results .change-row[data-node="3_77_10"]', true);
  await page.keyboard.press('Enter');
  await page.locator('.details[data-node="3_77_10"]').waitFor();
  await expectFocus(page, /change-row\[3_77_10\]/, 'activating a change row');

  // closing the results: focus on "Show latest"; showing them again: on the close button
  await tabTo(page, '.results .results-close', true);
  await page.keyboard.press('Enter');
  await page.locator('.results .results-show').waitFor();
  await expectFocus(page, /results-show/, 'closing the results');
  await page.keyboard.press('Enter');
  await page.locator('.results[data-result="r1"] .result-title').waitFor();
  await expectFocus(page, /results-close/, 'showing the results again');

  // a link row opens the linked node: focus lands on its heading in the details
  await tabTo(page, '.details .conn-row');
  const linked = await page.evaluate(() => document.activeElement?.getAttribute('data-node'));
  await page.keyboard.press('Enter');
  await page.locator(`.details[data-node="${linked}"]`).waitFor();
  await expectFocus(page, /h2\.node-label/, 'activating a link row');

  // and back to the graph by Shift+Tab, where Escape clears the selection
  await tabTo(page, '.graph-host', true);
  await page.keyboard.press('Escape');
  await expectFocus(page, /graph-host/, 'Escape in the graph');
  await page.screenshot({ path: path.join(shots, 'a11y-keyboard-path.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

const said = (page: Page) => page.locator('.graph-panel > .sr-only[aria-live]').innerText();

test('the graph in words: Tab marks and announces a node with its tooltip, every key says what it did, and the node table follows the view', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
  const { page, send, problems } = await server.open('light');
  await page.setViewportSize({ width: 1280, height: 900 });
  await send({ type: 'showGraph', traceId: 't', graph, fileName: 'notes.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();

  await tabTo(page, '.graph-host');
  assert.match(await said(page), /Austin.*logit.*layer Lgt.*Arrow keys move/i, 'entering the graph names the target and the keys');
  await page.locator('.graph-host .tooltip:not([hidden])').waitFor();
  const start = await page.locator('.graph-host .tooltip').getAttribute('data-id');
  assert.ok(start, 'the keyboard-focused node shows its tooltip');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.details').getAttribute('data-node'), start, 'Enter acts on the node marked on entry, before any arrow');
  assert.match(await said(page), /^Opened .*Austin.*side panel\.$/);
  await page.keyboard.press('ArrowDown');
  assert.match(await said(page), /layer (L\d|Emb); position \d+/, 'arrow moves name the row and position');
  // the view redraws its marks and tooltip on the next animation frame after the store changes
  await page.waitForFunction((was) => document.querySelector('.graph-host .tooltip')?.getAttribute('data-id') !== was, start, { timeout: 5000 }).catch(() => undefined);
  const moved = await page.locator('.graph-host .tooltip').getAttribute('data-id');
  assert.notEqual(moved, start, 'the tooltip follows the keyboard');
  await page.keyboard.press('p');
  assert.match(await said(page), /^Pinned .*\. 1 pinned\.$/);
  await page.keyboard.press('s');
  assert.match(await said(page), /^Showing the pinned subgraph: \d+ nodes\.$/);
  await page.keyboard.press('s');
  assert.match(await said(page), /^Showing the full graph/);
  await page.keyboard.press('+');
  assert.equal(await said(page), 'Zoomed in.');
  await page.keyboard.press('0');
  assert.match(await said(page), /Zoom reset/);
  await page.keyboard.press('g');
  assert.match(await said(page), /^Grouping with/);
  await page.keyboard.press('Escape');
  assert.equal(await said(page), 'Grouping cancelled.');
  await page.keyboard.press('/');
  await page.keyboard.type('Texas');
  await page.keyboard.press('Enter');
  assert.match(await said(page), /^Found Texas, feature/);

  // the node table: one row per node shown, pinned state, opens a node, stays in sync with the thresholds
  await tabTo(page, '.node-table summary');
  await page.keyboard.press('Enter');
  const visible = Number(await page.locator('.graph-host').getAttribute('data-visible-nodes'));
  // the rows are drawn on the details' toggle event, which the browser fires after the click returns
  await page.waitForFunction(() => document.querySelectorAll('.node-table tbody tr').length > 0, undefined, { timeout: 5000 }).catch(() => undefined);
  assert.equal(await page.locator('.node-table tbody tr').count(), visible, 'a row per node shown');
  assert.equal(await page.locator('.node-table tbody tr', { hasText: 'pinned' }).count(), 1);
  assert.deepEqual(await page.locator('.node-table thead th').allTextContents(), ['Node', 'Kind', 'Layer', 'Position', 'Activation', 'Influence', 'Pinned']);
  await tabTo(page, '.node-table button.node-open[data-node="2_44_10"]');
  await page.keyboard.press('Enter');
  await page.locator('.details[data-node="2_44_10"]').waitFor();
  await expectFocus(page, /node-open\[2_44_10\]/, 'opening a node from the table');
  assert.equal(await page.locator('.node-table tr[aria-current="true"]').getAttribute('data-node'), '2_44_10');
  await page.locator('#node-threshold').evaluate((el) => { (el as HTMLInputElement).value = '0.3'; el.dispatchEvent(new Event('input')); });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const fewer = Number(await page.locator('.graph-host').getAttribute('data-visible-nodes'));
  assert.ok(fewer < visible, `the threshold hides nodes (${fewer} < ${visible})`);
  assert.equal(await page.locator('.node-table tbody tr').count(), fewer, 'the table follows the threshold');
  await page.screenshot({ path: path.join(shots, 'a11y-node-table-light.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('colour is never the only cue: inhibit links dashed in the canvas and legend, suppressing tokens dotted, ring patterns differ', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
  const { page, send, problems } = await server.open('light');
  await page.setViewportSize({ width: 1280, height: 900 });
  // record every canvas stroke's colour and dash pattern
  await page.evaluate(() => {
    const w = window as unknown as { __strokes: { style: string; dash: number }[] };
    w.__strokes = [];
    const stroke = CanvasRenderingContext2D.prototype.stroke;
    CanvasRenderingContext2D.prototype.stroke = function (this: CanvasRenderingContext2D, ...args: unknown[]) {
      w.__strokes.push({ style: String(this.strokeStyle), dash: this.getLineDash().length });
      return (stroke as (...a: unknown[]) => void).apply(this, args);
    } as CanvasRenderingContext2D['stroke'];
  });
  await send({ type: 'showGraph', traceId: 't', graph, fileName: 'notes.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const strokes = await page.evaluate(() => (window as unknown as { __strokes: { style: string; dash: number }[] }).__strokes);
  const rgb = (s: string) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
  const dashed = strokes.filter((s) => s.dash > 0);
  assert.ok(dashed.length > 0, 'some links are dashed');
  for (const s of dashed) {
    const [r, g, b] = rgb(s.style);
    assert.ok(b > g && r > g, `only inhibit (purple) links are dashed, not ${s.style}`);
  }
  assert.ok(strokes.some((s) => s.dash === 0 && rgb(s.style)[1] > rgb(s.style)[2]), 'excite (green) links stay solid');

  const style = (sel: string, prop: string) => page.locator(sel).first().evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), prop);
  assert.match(await style('.legend .swatch.neg', 'background-image'), /repeating-linear-gradient/, 'the legend shows inhibit dashed');
  assert.equal(await style('.legend .swatch.pos', 'background-image'), 'none');
  assert.match(await style('.token-strip .tok.neg', 'text-decoration-style'), /dotted/, 'a suppressing token is dotted');
  assert.doesNotMatch(await style('.token-strip .tok.pos', 'text-decoration-line'), /underline/);

  // clicked, keyboard-focused and search rings: three different stroke patterns
  await send({ type: 'selectNode', traceId: 't', nodeId: '1_230_9' });
  await page.locator('.graph-host').focus();
  await page.keyboard.press('ArrowDown');
  await page.locator('#search input').fill('say');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const dash = async (kind: string) => style(`.graph-host circle.mark.${kind}`, 'stroke-dasharray');
  const patterns = [await dash('clicked'), await dash('focused'), await dash('search')];
  assert.equal(new Set(patterns).size, 3, `ring patterns differ: ${patterns.join(' | ')}`);
  await page.locator('.summary').screenshot({ path: path.join(shots, 'a11y-cues-summary.png') });
  await page.screenshot({ path: path.join(shots, 'a11y-cues-light.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('at 320 px the node table scrolls inside its own box; the page never scrolls sideways; focus still has a visible ring', async () => {
  const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
  const { page, send, problems } = await server.open('dark');
  await page.setViewportSize({ width: 320, height: 640 });
  await send({ type: 'showGraph', traceId: 't', graph, fileName: 'notes.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  await send({ type: 'selectNode', traceId: 't', nodeId: '1_230_9' });
  await tabTo(page, '.node-table summary');
  await page.keyboard.press('Enter');
  await tabTo(page, '.node-table button.node-open');
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(sideways <= 0, `the page scrolls sideways by ${sideways} px at 320 px`);
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.notEqual(ring, 'none', 'the focused table button shows a focus ring');
  await page.locator('.node-table').screenshot({ path: path.join(shots, 'a11y-node-table-320.png') });
  await page.screenshot({ path: path.join(shots, 'a11y-320.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
