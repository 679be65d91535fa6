// Issue 14: ≥ 80 % of the feature nodes on each case study's pruned graph carry a label that names a concept. Each demo
// prompt (the case studies' prompts, models/organism/demo-prompts.json) is traced on the shipped model through
// tracePrompt with the panel's default options, and each feature node's label is read from the shipped feature index.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { Attributor } from '../../../src/engine/attribution/attribute';
import { conceptShareMarkdown, measureConceptShare } from '../../../src/engine/features/conceptShare';
import { LABEL_RULE } from '../../../src/engine/features/labels';
import { FeatureIndex } from '../../../src/engine/features/records';
import { loadModel } from '../../../src/engine/model/model';
import { loadTranscoders } from '../../../src/engine/model/transcoders';
import { loadLexicon } from '../../../src/engine/reasoning/lexicon';
import { attributionModel } from '../../../src/engine/trace';

const DIR = path.resolve('models/organism');
const prompts = JSON.parse(fs.readFileSync(path.join(DIR, 'demo-prompts.json'), 'utf8')) as { theme: string; prompt: string }[];

test('the shipped feature index was built with the current label rule', () => {
  const index = FeatureIndex.open(path.join(DIR, 'features'));
  for (let l = 0; l < index.nLayers; l++) assert.equal(index.get(l, 0).selfTracing?.label.rule, LABEL_RULE, `layer ${l}: rebuild with self-trace features build`);
});

test('each demo prompt\'s pruned graph: >= 80 % of its feature nodes have a label that names a concept', { timeout: 300_000 }, async () => {
  const model = await loadModel(DIR);
  const tc = loadTranscoders(path.join(DIR, 'transcoders'));
  const attributor = await Attributor.create(attributionModel(model), tc, { threads: 1 });
  try {
    const r = await measureConceptShare({ model, attributor, features: FeatureIndex.open(path.join(DIR, 'features')) }, loadLexicon(DIR), prompts);
    console.log(conceptShareMarkdown(r));
    assert.equal(r.prompts.length, prompts.length);
    assert.deepEqual([...new Set(r.prompts.map((p) => p.theme))].sort(), ['addition', 'known_unknown', 'multilingual', 'reasoning', 'rhyme', 'twohop']);
    for (const p of r.prompts) {
      assert.ok(p.featureNodes >= 5, `${JSON.stringify(p.prompt)}: ${p.featureNodes} feature nodes`);
      assert.ok(p.share >= 0.8, `${JSON.stringify(p.prompt)}: ${p.named}/${p.featureNodes}; no concept: ${p.unnamed.map((u) => u.label).join(', ')}`);
    }
  } finally {
    attributor.dispose();
    tc.close();
    model.dispose();
  }
});

test('self-trace features concepts reports a prompt\'s share and fails under --min', { timeout: 120_000 }, async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'concepts-')), 'prompts.json');
  fs.writeFileSync(file, JSON.stringify([{ theme: 'twohop', prompt: 'Fact: the capital of the state containing Dallas is' }]));
  const run = async (...args: string[]) => {
    const out: string[] = [], err: string[] = [];
    const code = await main(['features', 'concepts', '--prompts', file, ...args], { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, distDir: path.resolve('dist') });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const ok = await run();
  assert.equal(ok.code, 0, ok.err);
  const m = /^\s*([\d.]+)%\s+(\d+)\/(\d+)\s+twohop\s+"Fact: the capital/m.exec(ok.out);
  assert.ok(m, ok.out);
  assert.ok(Number(m[1]) >= 80 && Number(m[2]) <= Number(m[3]), ok.out);
  assert.match(ok.out, /feature nodes over 1 prompts name a concept/);
  const md = await run('--markdown');
  assert.match(md.out, /^\| theme \| prompt \| feature nodes \| named \| share \|$/m);
  // the Dallas graph has a few labels that name no concept, so a bar of 100 % fails
  const strict = await run('--min', '1');
  assert.equal(strict.code, 1, strict.out);
  assert.match(strict.out, /no concept: /);
  assert.equal((await run('--min', 'x')).code, 2);
});
