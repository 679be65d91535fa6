// The graph panel in headless Chromium: layout, hover, click, pin, supernodes, thresholds, qParams restore,
// keyboard and themes, asserted on the DOM. Screenshots go to .test-output/browser/ (look at them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness, shot } from './page.mjs';

let harness;
before(async () => (harness = await openHarness()));
after(async () => harness?.close());

const visible = (page) => page.locator('.graph-host').evaluate((el) => ({ nodes: Number(el.dataset.visibleNodes), links: Number(el.dataset.visibleLinks), view: el.dataset.view }));

/** Page coordinates of a node, from the panel's own layout. */
async function nodePoint(page, id) {
  const p = await page.evaluate((nodeId) => window.__panel.graph.positionOf(nodeId), id);
  assert.ok(p, `node ${id} is on screen`);
  const box = await page.locator('.graph-host').boundingBox();
  return { x: box.x + p.x, y: box.y + p.y };
}
const settle = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

describe('graph panel', () => {
  test('lays out tokens across, layers upward, with every node kind and no CSP or console errors', async () => {
    const { page, problems } = await harness.open({ graph: 'tiny' });
    await page.locator('#node-threshold').evaluate((el) => { el.value = '1'; el.dispatchEvent(new Event('input')); });
    await settle(page);
    assert.deepEqual(await visible(page), { nodes: 7, links: 6, view: 'graph' });
    assert.equal(await page.locator('.token-label').count(), 3);
    assert.deepEqual(await page.locator('.row-label').allTextContents(), ['Emb', 'L0', 'L1', 'Lgt']);
    const emb = await page.evaluate(() => window.__panel.graph.positionOf('E_612_2'));
    const feature = await page.evaluate(() => window.__panel.graph.positionOf('1_9_2'));
    const logit = await page.evaluate(() => window.__panel.graph.positionOf('2_11_2'));
    assert.ok(emb.y > feature.y && feature.y > logit.y, 'embeddings at the bottom, logits on top');
    const first = await page.evaluate(() => window.__panel.graph.positionOf('E_50256_0'));
    assert.ok(first.x < emb.x, 'positions run left to right');
    assert.deepEqual(problems, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    await page.close();
  });

  test('hover lights up a node and shows a tooltip with label, layer, position, activation and influence', async () => {
    const { page } = await harness.open();
    const p = await nodePoint(page, '1_230_9');
    await page.mouse.move(p.x + 4, p.y + 3);
    await settle(page);
    const tooltip = page.locator('.tooltip');
    assert.equal(await tooltip.isVisible(), true);
    const text = await tooltip.textContent();
    for (const part of ['Texas', 'L1', '9 " Dallas"', '6.30', '0.503']) assert.ok(text.includes(part), `tooltip has ${part}: ${text}`);
    assert.equal(await page.locator('.graph-host').evaluate((el) => el.classList.contains('has-focus')), true);
    assert.equal(await page.locator('circle.mark.hovered').count(), 1);
    assert.match(await page.locator('.graph-host').getAttribute('data-vscode-context'), /"nodeId":"1_230_9"/);
    await shot(page, 'hover-light');
    await page.mouse.move(2, 2);
    await settle(page);
    assert.equal(await tooltip.isVisible(), false);
    await page.close();
  });

  test('click opens the details panel with predictions, examples and clickable links', async () => {
    const { page } = await harness.open();
    const p = await nodePoint(page, '1_230_9');
    await page.mouse.click(p.x, p.y);
    await settle(page);
    const details = page.locator('.details');
    assert.equal(await details.getAttribute('data-node'), '1_230_9');
    assert.equal(await details.locator('.node-label').textContent(), 'Texas');
    assert.match(await details.locator('.node-kind').textContent(), /L1 · position 9 " Dallas"/);
    assert.deepEqual(await details.locator('.chips.positive .chip').allTextContents(), [' Texas', ' Austin', ' Houston']);
    assert.equal(await details.locator('.examples .example').count(), 1);
    const inputs = details.locator('section.connections[data-direction="input"] .conn-label');
    assert.deepEqual(await inputs.allTextContents(), ['Dallas', 'Emb: " Dallas"']);
    await shot(page, 'details-light');
    await details.locator('section.connections[data-direction="output"] .conn-row', { hasText: 'Texas (at the answer)' }).click();
    await settle(page);
    assert.equal(await details.getAttribute('data-node'), '2_44_10');
    assert.equal(await page.locator('circle.mark.clicked').count(), 1);
    await details.locator('.reveal-button').click();
    assert.deepEqual(await page.evaluate(() => window.__revealed), [{ id: '2_44_10', ctx: 10 }]);
    await page.close();
  });

  test('the influence slider and the edge threshold change what is drawn', async () => {
    const { page } = await harness.open();
    assert.deepEqual(await visible(page), { nodes: 21, links: 17, view: 'graph' });
    const setSlider = (id, v) => page.locator(`#${id}`).evaluate((el, value) => {
      el.value = String(value);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, v);
    await setSlider('node-threshold', 1);
    await settle(page);
    assert.deepEqual(await visible(page), { nodes: 29, links: 33, view: 'graph' });
    assert.match(await page.locator('.counts').textContent(), /29 of 29 nodes · 33 of 33 links/);
    await setSlider('node-threshold', 0.3);
    await settle(page);
    const few = await visible(page);
    assert.ok(few.nodes < 21 && few.nodes >= 11 + 3, `embeddings and logits always stay: ${few.nodes}`);
    await setSlider('node-threshold', 1);
    await setSlider('edge-threshold', 0.3);
    await settle(page);
    const strong = await visible(page);
    assert.ok(strong.links < 33 && strong.links > 0, `edge threshold hides weak links: ${strong.links}`);
    assert.match(await page.locator('.slider-value').nth(1).textContent(), /30% of input/);
    const saved = await page.waitForFunction(() => window.__saved.at(-1)?.edgeThreshold === 0.3).then(() => true);
    assert.ok(saved, 'thresholds are saved as view state');
    await page.close();
  });

  test('pin by Ctrl-click and by button, group into a supernode, see it in the subgraph, export qParams', async () => {
    const { page } = await harness.open();
    for (const id of ['1_230_9', '2_44_10']) {
      const p = await nodePoint(page, id);
      await page.keyboard.down('Control');
      await page.mouse.click(p.x, p.y);
      await page.keyboard.up('Control');
    }
    const p = await nodePoint(page, '3_77_10');
    await page.mouse.click(p.x, p.y);
    await page.locator('.details .pin-button').click();
    await settle(page);
    assert.deepEqual(await page.evaluate(() => window.__panel.store.get().pinnedIds), ['1_230_9', '2_44_10', '3_77_10']);
    assert.equal(await page.locator('circle.mark.pinned').count(), 3);

    await page.locator('#group-button').click(); // starts with the clicked node
    for (const id of ['1_230_9', '2_44_10']) {
      const q = await nodePoint(page, id);
      await page.mouse.click(q.x, q.y);
    }
    await settle(page);
    assert.equal(await page.locator('circle.mark.grouping').count(), 3);
    assert.match(await page.locator('.grouping-text').textContent(), /3 nodes chosen/);
    await page.locator('.grouping .save-group').click();
    await settle(page);
    assert.equal(await page.locator('.details').getAttribute('data-node'), 'sn:0');
    await page.locator('.details .supernode-name input').fill('Texas → Austin');
    await page.locator('.details .supernode-name input').press('Enter');
    await settle(page);
    assert.match(await page.locator('.supernode-list li').textContent(), /Texas → Austin \(3\)/);

    await page.locator('.graph-host').focus();
    await page.keyboard.press('s');
    await settle(page);
    const sub = await visible(page);
    assert.equal(sub.view, 'subgraph');
    assert.equal(sub.nodes, 1, 'three pinned members merged into one supernode');
    const labels = await page.locator('.item-label').allTextContents();
    assert.ok(labels.includes('Texas → Austin'), `supernode label drawn: ${labels}`);
    await shot(page, 'subgraph-light');

    const q = await page.evaluate(() => window.__panel.exportGraph().qParams);
    assert.deepEqual(q.pinnedIds, ['1_230_9', '2_44_10', '3_77_10']);
    assert.deepEqual(q.supernodes, [['Texas → Austin', '3_77_10', '1_230_9', '2_44_10']]);
    await page.close();
  });

  test('restores pins, supernodes, the clicked node, labels and threshold from qParams strings', async () => {
    const { page } = await harness.open({ graph: 'dallas-solved' });
    const s = await page.evaluate(() => window.__panel.store.get());
    assert.deepEqual(s.pinnedIds, ['1_230_9', '2_44_10', '0_101_9', '3_77_10', '4_9533_10']);
    assert.deepEqual(s.supernodes, [['Texas', '1_230_9', '2_44_10']]);
    assert.equal(s.clickedId, '3_77_10');
    assert.equal(s.nodeThreshold, 0.6);
    assert.equal(await page.locator('.details .node-label').textContent(), 'say Austin (edited)');
    assert.equal(await page.locator('.details .clerp-input').evaluate((el) => el.value), 'say Austin (edited)');
    await page.locator('#view-mode').evaluate((el) => {
      el.value = 'subgraph';
      el.dispatchEvent(new Event('change'));
    });
    await settle(page);
    assert.deepEqual(await visible(page).then((v) => v.nodes), 4, 'Texas supernode + 3 other pinned nodes');
    await shot(page, 'solved-subgraph-light');
    const exported = await page.evaluate(() => window.__panel.exportGraph());
    // written back in the file's own form (circuit-tracer's: a JSON string keyed by the feature number); the
    // node's own clerp is left as the file has it
    assert.equal(exported.nodes.find((n) => n.node_id === '3_77_10').clerp, 'say Austin');
    assert.equal(exported.qParams.clerps, JSON.stringify([['3317', 'say Austin (edited)']]));
    assert.equal(exported.qParams.pinnedIds, '1_230_9,2_44_10,0_101_9,3_77_10,4_9533_10');
    await page.close();
  });

  test('keyboard: arrows walk nodes, Enter opens, P pins, Escape clears, / searches', async () => {
    const { page } = await harness.open();
    await page.locator('.graph-host').focus();
    await page.keyboard.press('ArrowDown'); // starts at the target logit, moves down a row
    await settle(page);
    const first = await page.evaluate(() => window.__panel.store.get().focusId);
    assert.ok(first && first.startsWith('3_'), `down from the logit row lands in L3: ${first}`);
    await page.keyboard.press('Enter');
    await page.keyboard.press('p');
    await settle(page);
    const s = await page.evaluate(() => window.__panel.store.get());
    assert.equal(s.clickedId, first);
    assert.deepEqual(s.pinnedIds, [first]);
    assert.equal(await page.locator('circle.mark.focused').count(), 1);
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => window.__panel.store.get().clickedId), null);
    await page.keyboard.press('/');
    await page.keyboard.type('texas');
    await settle(page);
    assert.equal(await page.locator('circle.mark.search').count(), 3);
    await page.keyboard.press('Enter');
    assert.match(await page.evaluate(() => window.__panel.store.get().clickedId), /_9$|_10$/);
    await page.close();
  });

  for (const theme of ['vscode-dark', 'vscode-high-contrast']) {
    test(`is legible in ${theme}`, async () => {
      const { page, problems } = await harness.open({ graph: 'dallas-solved', theme });
      const bg = await page.locator('.graph-panel').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(bg, 'rgb(255, 255, 255)');
      await page.locator('#node-threshold').evaluate((el) => { el.value = '1'; el.dispatchEvent(new Event('input')); });
      const p = await nodePoint(page, '2_311_10');
      await page.mouse.move(p.x, p.y);
      await settle(page);
      await shot(page, `solved-${theme}`);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  test('a real graph from the embedded model: the Dallas prompt, its " Austin" target and a labelled state feature', async () => {
    for (const theme of ['vscode-light', 'vscode-dark']) {
      const { page, problems } = await harness.open({ graph: 'organism-dallas', theme, width: 1500, height: 900 });
      const { nodes } = await visible(page);
      assert.ok(nodes > 10, `${nodes} nodes drawn`);
      assert.match(await page.locator('.summary, .graph-summary, body').first().textContent(), /Austin/);
      const p = await nodePoint(page, '3_782_10');
      await page.mouse.click(p.x, p.y);
      await settle(page);
      assert.match(await page.locator('body').textContent(), /Texas \(next\)/, 'the clicked feature shows its automatic label');
      assert.deepEqual(problems, []);
      await shot(page, `organism-dallas-${theme}`);
      await page.close();
    }
  });
});

