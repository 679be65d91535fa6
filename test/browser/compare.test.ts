// Compare With… in the graph panel: the French graph (A) against the English one (B) — the strip with the headline,
// the per-layer overlap and the top lists, rings on A's shared / only-here nodes, Close, and a malformed message
// refused. Screenshot in .test-output/browser/compare-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { compareGraphs } from '../../src/engine/compare/compare';
import { readGraphJson } from '../../src/engine/formats/graphJson';
import { servePanel, shots, violations, type PanelServer } from './panelPage';

let server: PanelServer;
before(async () => (server = await servePanel()));
after(async () => server?.close());

const raw = (lang: string) => fs.readFileSync(`test/fixtures/graphs/multilingual/${lang}.graph.json`, 'utf8');

test('Compare With… marks the shared and only-here features on the graph and shows the headline and per-layer overlap', async () => {
  const { page, send, problems } = await server.open('light');
  await page.setViewportSize({ width: 465, height: 900 });
  const fr = JSON.parse(raw('fr'));
  await send({ type: 'showGraph', traceId: 't1', graph: fr, fileName: 'capitale.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  const c = compareGraphs(readGraphJson(raw('fr')), readGraphJson(raw('en')));
  // a comparison for another trace is ignored; a malformed one is refused by the protocol check
  await send({ type: 'showComparison', traceId: 'other', comparison: c, otherName: 'en.graph.json' });
  await send({ type: 'showComparison', traceId: 't1', comparison: { ...c, headline: { shared: 'many' } }, otherName: 'en.graph.json' });
  assert.equal(await page.locator('.compare-view').count(), 0);
  assert.equal(await page.locator('.mark.compare-shared').count(), 0);

  await send({ type: 'showComparison', traceId: 't1', comparison: c, otherName: 'en.graph.json' });
  const strip = page.locator('.compare-view');
  await strip.waitFor();
  const text = await strip.innerText();
  assert.match(text, /Compared with en\.graph\.json/);
  assert.ok(text.includes(`${(100 * c.headline.sharedInfluenceA).toFixed(1)}%`), text);
  assert.match(text, new RegExp(`the ${c.headline.shared} features it shares with B`));
  assert.match(text, new RegExp(`Only here: ${c.headline.onlyA} · only in B: ${c.headline.onlyB}`));
  assert.equal(await page.locator('.compare-layers rect.compare-bar-shared').count(), 2 * c.layers.length, 'a shared bar per layer and side');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  // the rings: every drawn node of a shared feature, dashed for the rest (drawn = in the scene at the threshold)
  const drawn = await page.evaluate(() => [...document.querySelectorAll('.mark.compare-shared, .mark.compare-only')].map((m) => m.getAttribute('class')));
  const shared = drawn.filter((k) => k?.includes('compare-shared')).length;
  assert.ok(shared > 0 && drawn.length > shared, `${shared} shared rings of ${drawn.length}`);
  assert.ok(shared <= c.shared.reduce((t, s) => t + s.a.nodeIds.length, 0));
  await page.screenshot({ path: path.join(shots, 'compare-light.png') });
  await page.locator('.compare-more summary').click();
  assert.match(await strip.innerText(), /TOP SHARED\n[^]*L3\/963/i, 'the most influential shared feature listed');
  await page.screenshot({ path: path.join(shots, 'compare-lists-light.png'), fullPage: true });

  await page.getByRole('button', { name: 'Close comparison' }).click();
  assert.equal(await strip.isHidden(), true);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await page.locator('.mark.compare-shared, .mark.compare-only').count(), 0);
  assert.deepEqual(await violations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Propose supernodes: accept (renamed) saves a supernode in the view state; × splits a member out', async () => {
  const { page, send, posted, problems } = await server.open('light');
  await page.setViewportSize({ width: 465, height: 900 });
  await send({ type: 'showGraph', traceId: 't2', graph: JSON.parse(fs.readFileSync('test/fixtures/graphs/organism-dallas.graph.json', 'utf8')), fileName: 'dallas.md' });
  await page.locator('.graph-host[data-visible-nodes]').waitFor();
  await page.getByRole('button', { name: 'Propose supernodes' }).click();
  const first = page.locator('.auto-proposal').first();
  await first.waitFor();
  const before = await first.locator('.auto-member').count();
  assert.ok(before >= 2);
  if (before > 2) {
    await first.locator('.auto-split').first().click();
    assert.equal(await page.locator('.auto-proposal').first().locator('.auto-member').count(), before - 1, 'split takes one member out');
  }
  const members = await page.locator('.auto-proposal').first().locator('.auto-member').count();
  await page.locator('.auto-proposal').first().locator('.auto-name').fill('Texas route');
  await page.locator('.auto-proposal').first().screenshot({ path: path.join(shots, 'auto-supernodes-light.png') });
  await page.locator('.auto-proposal').first().getByRole('button', { name: /^Accept/ }).click();
  assert.match(await page.locator('section.supernodes').innerText(), /Texas route \(\d+\)/);
  await page.waitForTimeout(400); // the view state is saved after 200 ms of quiet
  const state = (await posted()).filter((m) => m.type === 'graphState').at(-1) as { qParams: { supernodes: string[][] } } | undefined;
  const saved = state?.qParams.supernodes.find((g) => g[0] === 'Texas route');
  assert.ok(saved, JSON.stringify(state?.qParams.supernodes));
  assert.equal(saved.length - 1, members);
  await page.screenshot({ path: path.join(shots, 'auto-supernodes-accepted-light.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
