// Promoted/suppressed tokens on demand (issue 12): a feature index at a published width leaves the logit table out
// and computes one feature's tokens when it is shown. Checked against the table on the family fixtures (per-layer
// and cross-layer), through the worker's featureDetail handler on an index built without the table, and the
// threshold that keeps the embedded model's table.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFeatureIndex, decoderLogits } from '../../../../src/engine/features/build';
import { FeatureLogits, LOGIT_TABLE_LIMIT, logitTableWork, readIndexSource } from '../../../../src/engine/features/lazyLogits';
import { FeatureIndex } from '../../../../src/engine/features/records';
import { loadModel } from '../../../../src/engine/model/model';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';
import { handlers } from '../../../../src/engine/worker/handlers';

const FIX = path.resolve('test/fixtures/families');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-trace-lazy-logits-'));
const ctx = { signal: new AbortController().signal, onProgress: () => undefined };

test('a feature\'s tokens on demand equal its row of the logit table (per-layer and cross-layer sets), and come back from the cache file', async () => {
  for (const name of ['llama', 'llama-clt', 'qwen3']) {
    const dir = path.join(FIX, name);
    const model = await loadModel(dir, { threads: 1 });
    const tc = loadTranscoders(path.join(dir, 'transcoders'));
    const table = await decoderLogits(model, tc);
    const cacheDir = fs.mkdtempSync(path.join(tmp, `${name}-`));
    const lazy = await FeatureLogits.create(model, tc, { cacheDir });
    const keys = Array.from({ length: tc.nLayers * tc.dTranscoder }, (_, i) => ({ layer: Math.floor(i / tc.dTranscoder), feature: i % tc.dTranscoder }));
    const got = await lazy.many(keys);
    keys.forEach(({ layer, feature }, i) => {
      const want = table[layer];
      const where = `${name} ${layer}:${feature}`;
      assert.deepEqual(got[i].top.map((t) => t.token), want.top[feature].map((t) => t.token), where);
      assert.deepEqual(got[i].bottom.map((t) => t.token), want.bottom[feature].map((t) => t.token), where);
      got[i].top.forEach((t, j) => assert.ok(Math.abs(t.value - want.top[feature][j].value) < 1e-5, where));
      assert.ok(Math.abs(got[i].mean - want.mean[feature]) < 1e-5 && Math.abs(got[i].std - want.std[feature]) < 1e-4, where);
    });
    lazy.dispose();
    // a new instance (another process, in effect) reads the cache file instead of computing
    const cached = JSON.parse(fs.readFileSync(path.join(cacheDir, 'logits-cache.json'), 'utf8'));
    assert.equal(Object.keys(cached).length, keys.length);
    cached['0_0'].top[0].token = 'from the cache';
    fs.writeFileSync(path.join(cacheDir, 'logits-cache.json'), JSON.stringify(cached));
    const again = await FeatureLogits.create(model, tc, { cacheDir });
    assert.equal((await again.get(0, 0)).top[0].token, 'from the cache');
    await assert.rejects(again.get(0, tc.dTranscoder), /not in the transcoder set/);
    again.dispose();
    tc.close();
    model.dispose();
  }
});

test('features build leaves the logit table out above the limit and says so; the worker fills a shown feature\'s tokens', async () => {
  const dir = path.join(FIX, 'llama');
  const corpus = path.join(tmp, 'corpus.txt');
  fs.writeFileSync(corpus, 'the cat sat on the mat\nthe dog ate the hat\nin the inn at noon\n');
  const out = path.join(tmp, 'llama-on-demand');
  const s = await buildFeatureIndex({ modelDir: dir, transcoderDir: path.join(dir, 'transcoders'), corpusFile: corpus, outDir: out, logitTable: 'on demand' });
  assert.equal(s.logits, 'on demand');
  assert.deepEqual(readIndexSource(out), { version: 1, model: dir, transcoders: path.join(dir, 'transcoders'), logits: 'on demand' });
  const rec = FeatureIndex.open(out).get(1, 3);
  assert.deepEqual([rec.top_logits, rec.bottom_logits, rec.selfTracing?.logitsOnDemand], [[], [], true]);
  const detail = await handlers.featureDetail({ modelDir: dir, featureDir: out, layer: 1, feature: 3 }, ctx);
  const model = await loadModel(dir, { threads: 1 });
  const tc = loadTranscoders(path.join(dir, 'transcoders'));
  const want = (await decoderLogits(model, tc))[1];
  assert.deepEqual(detail?.top_logits, want.top[3].map((t) => t.token));
  assert.deepEqual(detail?.bottom_logits, want.bottom[3].map((t) => t.token));
  assert.ok(fs.existsSync(path.join(out, 'logits-cache.json')));
  // the default ('auto') keeps the table at this size, as for the embedded model
  const auto = path.join(tmp, 'llama-auto');
  const s2 = await buildFeatureIndex({ modelDir: dir, transcoderDir: path.join(dir, 'transcoders'), corpusFile: corpus, outDir: auto });
  assert.equal(s2.logits, 'table');
  assert.deepEqual(FeatureIndex.open(auto).get(1, 3).top_logits, want.top[3].map((t) => t.token));
  // a rebuild over an index that holds a logit cache is allowed (the folder holds only index files)
  await buildFeatureIndex({ modelDir: dir, transcoderDir: path.join(dir, 'transcoders'), corpusFile: corpus, outDir: out, logitTable: 'on demand' });
  tc.close();
  model.dispose();
});

test('the logit-table limit: the published sets are over it, the embedded model is under it', () => {
  // mntss/transcoder-Llama-3.2-1B (16 × 131,072, vocab 128,256, d 2048), GemmaScope 16k on Gemma-2-2B, Qwen3-0.6B's set
  assert.ok(logitTableWork({ nLayers: 16, dTranscoder: 131072 }, 128256, 2048) > LOGIT_TABLE_LIMIT);
  assert.ok(logitTableWork({ nLayers: 26, dTranscoder: 16384 }, 256000, 2304) > LOGIT_TABLE_LIMIT);
  assert.ok(logitTableWork({ nLayers: 28, dTranscoder: 163840 }, 151936, 1024) > LOGIT_TABLE_LIMIT);
  const organism = path.resolve('models', 'organism');
  const cfg = JSON.parse(fs.readFileSync(path.join(organism, 'config.json'), 'utf8'));
  const tc = loadTranscoders(path.join(organism, 'transcoders'));
  assert.ok(logitTableWork(tc, cfg.vocab_size, cfg.n_embd) <= LOGIT_TABLE_LIMIT, 'the embedded model keeps its logit table');
  tc.close();
});
