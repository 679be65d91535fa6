// axe-core on the graph panel page in headless Chromium: no serious or critical WCAG 2 A/AA violations in four
// states (graph shown, a feature open with the intervention form, a result shown, the node table open while
// grouping) in the light, dark and high-contrast themes. axe's source is evaluated through the devtools protocol, which the
// page's CSP does not govern (the product page is not changed to allow it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { InterventionRecord } from '../../src/protocol/graph-json';
import type { FromWebview } from '../../src/protocol/messages';
import { servePanel, shots, type PanelServer } from './panelPage';
import type { ThemeName } from './themes';

const axeSource = fs.readFileSync(createRequire(path.resolve('package.json')).resolve('axe-core/axe.min.js'), 'utf8');

let server: PanelServer;
before(async () => (server = await servePanel()));
after(async () => server?.close());

interface Finding { id: string; impact: string; help: string; nodes: string[] }

/** Serious and critical violations of WCAG 2.0/2.1 A and AA rules on the page as it is now. */
async function axe(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const a = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[]; any: { data?: { fgColor?: string; bgColor?: string; contrastRatio?: number } }[] }[] }[] }> } }).axe;
    const r = await a.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 6).map((n) => {
        const d = n.any[0]?.data;
        return `${n.target.join(' ')}${d?.contrastRatio ? ` (${d.fgColor} on ${d.bgColor}: ${d.contrastRatio})` : ''}`;
      }) }));
  });
}

const frames = (page: Page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

function record(): InterventionRecord {
  const tok = (i: number, token: string, prob: number) => ({ id: i, token, prob });
  return {
    id: 'r1', at: '2025-01-01T00:00:00.000Z', title: 'Ablate Texas', nodeIds: ['1_230_9'], op: { kind: 'scale', factor: 0 }, where: 'node', mode: 'free', generate: 0,
    clean: { top: [tok(9533, ' Austin', 0.62), tok(3936, ' Texas', 0.11)] },
    intervened: { top: [tok(262, ' the', 0.21), tok(9533, ' Austin', 0.08)] },
    targets: [{ id: 9533, token: ' Austin', cleanProb: 0.62, prob: 0.08, logitDelta: -2.6 }],
    changes: [{ nodeId: '3_77_10', clean: 8.2, intervened: 3.0, delta: -5.2 }, { nodeId: '2_44_10', clean: 5.5, intervened: 0.4, delta: -5.1 }],
  };
}

for (const theme of ['light', 'dark', 'hc'] as ThemeName[]) {
  test(`axe-core: no serious or critical violations in four states (${theme})`, async () => {
    const graph = JSON.parse(fs.readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8'));
    const probe = await server.open(theme);
    const { page, send } = probe;
    await page.setViewportSize({ width: 1280, height: 900 });
    await send({ type: 'showGraph', traceId: 't', graph, fileName: 'notes.md' });
    await page.locator('.graph-host[data-visible-nodes]').waitFor();
    await frames(page);
    const found: Record<string, Finding[]> = {};
    found.graph = await axe(page);

    await send({ type: 'selectNode', traceId: 't', nodeId: '1_230_9' });
    await page.locator('.details[data-node="1_230_9"] section.intervene').waitFor();
    await frames(page);
    found.feature = await axe(page);

    await page.locator('.details .iv-run').click();
    const sent = (await probe.posted()).filter((m) => m.type === 'intervene').at(-1) as unknown as FromWebview.Intervene;
    await send({ type: 'interventionResult', traceId: 't', requestId: sent.requestId, record: record() });
    await page.locator('.results[data-result="r1"]').waitFor();
    await frames(page);
    found.result = await axe(page);

    await page.locator('.node-table summary').click();
    await page.locator('.graph-host').focus();
    await page.keyboard.press('g');
    await frames(page);
    found.table = await axe(page);
    await page.screenshot({ path: path.join(shots, `a11y-axe-${theme}.png`) });

    const bad = Object.entries(found).filter(([, v]) => v.length);
    assert.deepEqual(bad, [], `axe found:\n${bad.map(([state, v]) => v.map((f) => `${state}: ${f.impact} ${f.id} (${f.help}) at ${f.nodes.join(', ')}`).join('\n')).join('\n')}`);
    await page.close();
  });
}
