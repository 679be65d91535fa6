// The intervention form and results view of the graph panel page in headless Chromium: what the form posts for a
// feature, the pinned nodes or a supernode, what it refuses, and how a result draws (bars, output changes, rings).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { InterventionRecord } from '../../src/protocol/graph-json';
import type { FromWebview } from '../../src/protocol/messages';
import { servePanel, shots, violations, type PageProbe, type PanelServer } from './panelPage';

let server: PanelServer;
before(async () => (server = await servePanel()));
after(async () => server?.close());
const openPanel: PanelServer['open'] = (...args) => server.open(...args);

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
