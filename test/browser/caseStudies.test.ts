// Screenshots for docs/case-studies.md: each case study's graph (written by the case-study tests,
// test/unit/engine/caseStudies, when SELF_TRACE_CASES_OUT is set) shown in the real panel page at the default panel
// width (465 px), the case's feature selected so its details are open, saved as docs/case-studies/<slug>.png.
// Regenerate: SELF_TRACE_CASES_OUT=.test-output/case-studies node scripts/run-node-tests.mjs test/unit/engine/caseStudies
// then CASE_SHOTS=docs/case-studies node scripts/run-node-tests.mjs test/browser --test-name-pattern="case study".
// Without the graphs it skips; without CASE_SHOTS it writes to .test-output/browser/case-studies/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { servePanel, shots, type PanelServer } from './panelPage';

const IN = path.resolve('.test-output/case-studies');
const OUT = path.resolve(process.env.CASE_SHOTS ?? path.join(shots, 'case-studies'));
/** the default panel width (newuser.test.ts: VS Code's panel beside the editor in a 1280-px window, side bar open) */
const VIEWPORT = { width: 465, height: 740 };
const cases = fs.existsSync(IN) ? fs.readdirSync(IN).filter((f) => f.endsWith('.case.json')).sort() : [];

let server: PanelServer;
before(async () => { if (cases.length) server = await servePanel(); });
after(async () => server?.close());

test('case study screenshots: each graph renders in the panel with its feature selected', { skip: cases.length === 0 && `no case-study graphs in ${IN} (run the case-study tests with SELF_TRACE_CASES_OUT)` }, async () => {
  fs.mkdirSync(OUT, { recursive: true });
  for (const file of cases) {
    const { slug, selectNode, graph } = JSON.parse(fs.readFileSync(path.join(IN, file), 'utf8'));
    const { page, send, problems } = await server.open('light');
    await page.setViewportSize(VIEWPORT);
    await send({ type: 'engineStatus', status: { state: 'ready', message: 'ready' } });
    await send({ type: 'showGraph', traceId: slug, graph, fileName: `${slug}.md` });
    await page.locator('.graph-host[data-visible-nodes]').waitFor();
    assert.ok(Number(await page.locator('.graph-host').getAttribute('data-visible-nodes')) > 0, `${slug}: nodes are drawn`);
    if (selectNode) {
      await send({ type: 'selectNode', traceId: slug, nodeId: selectNode });
      await page.locator(`.details[data-node="${selectNode}"]`).waitFor();
    }
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const out = path.join(OUT, `${slug}.png`);
    await page.screenshot({ path: `${out}.tmp.png`, fullPage: true });
    fs.renameSync(`${out}.tmp.png`, out);
    assert.deepEqual(problems, [], `${slug}: no page errors`);
    await page.close();
  }
});
