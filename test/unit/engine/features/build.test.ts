import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFeatureIndex, extremes, quantileGroups, readCorpus } from '../../../../src/engine/features/build';
import { FeatureIndex } from '../../../../src/engine/features/records';
import { writeRandomTranscoders } from '../attribution/randomTranscoders';
import { loadModel } from '../../../../src/engine/model/model';
import { loadTranscoders, applyActivation } from '../../../../src/engine/model/transcoders';
import { transcoderInput } from '../../../../src/engine/attribution/components';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');


const CORPUS = [
  'the cat sat on the mat',
  'a dog ran far away',
  'hello world, hello again',
  'numbers 12 and 345',
  'Ünïcödé text too',
  'the end of the corpus',
  'one more line here',
  'and another one',
];

test('builds an index whose top examples are the true highest activations over the corpus', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fb-'));
  const tcDir = path.join(tmp, 'tc');
  writeRandomTranscoders(tcDir, { nLayers: 2, dModel: 24, nFeatures: 32, sparsity: 0.5 });
  const corpus = path.join(tmp, 'corpus.txt');
  fs.writeFileSync(corpus, CORPUS.join('\n') + '\n\n');
  const out = path.join(tmp, 'features');
  const progress: number[] = [];
  const summary = await buildFeatureIndex({ modelDir: MODEL, transcoderDir: tcDir, corpusFile: corpus, outDir: out, checkpointEvery: 3, onProgress: (p) => progress.push(p.fraction ?? 0) });
  assert.equal(summary.contexts, CORPUS.length);
  assert.ok(progress.length > 0 && progress[progress.length - 1] === 1);
  assert.ok(!fs.existsSync(path.join(out, '.build-state.json')), 'the checkpoint is removed when the build completes');

  // brute force: every context's activations, independently of the streaming statistics
  const model = await loadModel(MODEL);
  const tc = loadTranscoders(tcDir);
  const n = tc.dTranscoder, d = 24;
  const Ws = [0, 1].map((l) => tc.encoderMatrix(l).data);
  const perCtx: { ids: number[]; acts: Float32Array[] }[] = [];
  for (const line of CORPUS) {
    const ids = model.tokenizer.encode(line).map((t) => t.id).slice(0, model.config.nCtx);
    const fwd = await model.forward(ids);
    const acts = [0, 1].map((l) => {
      const u = transcoderInput(tc, fwd, l, d);
      const a = new Float32Array(ids.length * n);
      for (let p = 0; p < ids.length; p++) {
        for (let f = 0; f < n; f++) {
          let x = tc.layers[l].b_enc[f];
          const Wl = Ws[l];
          for (let i = 0; i < d; i++) x += u[p * d + i] * Wl[f * d + i];
          a[p * n + f] = x;
        }
        applyActivation(tc.activation, a.subarray(p * n, (p + 1) * n));
      }
      return a;
    });
    perCtx.push({ ids, acts });
  }
  const index = FeatureIndex.open(out);
  let checked = 0;
  for (let l = 0; l < 2; l++) {
    for (let f = 0; f < n; f++) {
      const rec = index.get(l, f);
      const maxes = perCtx
        .map(({ ids, acts }, c) => {
          let m = 0;
          for (let p = 1; p < ids.length; p++) m = Math.max(m, acts[l][p * n + f]);
          return { c, m };
        })
        .filter((x) => x.m > 0)
        .sort((a, b) => b.m - a.m);
      const top = rec.examples_quantiles[0].examples;
      assert.equal(top.length, Math.min(10, maxes.length), `L${l}/${f}: one top example per active context`);
      top.forEach((ex, i) => {
        const best = Math.max(...ex.tokens_acts_list);
        assert.ok(Math.abs(best - maxes[i].m) < 1e-4, `L${l}/${f} example ${i}: ${best} vs brute force ${maxes[i].m}`);
        assert.equal(ex.tokens_acts_list[ex.train_token_ind], best);
        assert.equal(ex.tokens.length, perCtx[maxes[i].c].ids.length);
      });
      if (maxes.length) {
        assert.ok(Math.abs(rec.act_max - maxes[0].m) < 1e-4);
        checked++;
      }
      assert.equal(rec.top_logits.length, 10);
      assert.ok(rec.selfTracing!.top_logit_values[0] >= rec.selfTracing!.top_logit_values[9]);
      assert.equal(rec.selfTracing!.label.source, 'auto');
      assert.ok(rec.activation_frequency >= 0 && rec.activation_frequency <= 1);
    }
  }
  assert.ok(checked > 10, 'enough features fired to make the check meaningful');
  model.dispose();
  tc.close();
});

test('an interrupted build resumes from its checkpoint and gives the same index', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fr-'));
  const tcDir = path.join(tmp, 'tc');
  writeRandomTranscoders(tcDir, { nLayers: 2, dModel: 24, nFeatures: 32, sparsity: 0.5 });
  const corpus = path.join(tmp, 'corpus.txt');
  fs.writeFileSync(corpus, CORPUS.join('\n'));
  const whole = path.join(tmp, 'whole');
  await buildFeatureIndex({ modelDir: MODEL, transcoderDir: tcDir, corpusFile: corpus, outDir: whole });
  const part = path.join(tmp, 'part');
  const ac = new AbortController();
  let seen = 0;
  await assert.rejects(
    buildFeatureIndex({
      modelDir: MODEL, transcoderDir: tcDir, corpusFile: corpus, outDir: part, checkpointEvery: 2, signal: ac.signal,
      onProgress: (p) => { if (p.message.startsWith('statistics') && ++seen === 5) ac.abort(); },
    }),
    (e: Error & { code?: string }) => e.code === 'cancelled',
  );
  assert.ok(fs.existsSync(path.join(`${part}.partial`, '.build-state.json')), 'the checkpoint sits in the staging folder');
  assert.ok(!fs.existsSync(part), 'nothing half-written where the index goes');
  const resumed = await buildFeatureIndex({ modelDir: MODEL, transcoderDir: tcDir, corpusFile: corpus, outDir: part });
  assert.equal(resumed.resumedFrom, 4);
  const a = FeatureIndex.open(whole), b = FeatureIndex.open(part);
  for (const [l, f] of [[0, 0], [0, 5], [1, 7], [1, 31]]) assert.deepEqual(b.get(l, f), a.get(l, f));
});

test('quantile groups and extremes pick what they say', () => {
  const sample = Array.from({ length: 12 }, (_, i) => ({ ctx: i, act: 12 - i, pos: 1 }));
  const g = quantileGroups(sample, 4, 2);
  assert.deepEqual(g.map((x) => x.map((c) => c.ctx)), [[0, 1], [3, 4], [6, 7], [9, 10]]);
  assert.deepEqual(quantileGroups([]), []);
  const row = new Float32Array([3, -1, 7, 0, 7.5, -4]);
  assert.deepEqual(extremes(row, 2), { top: [4, 2], bottom: [5, 1] });
});

test('a missing corpus or mismatched transcoders give clear errors', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fe-'));
  const tcDir = path.join(tmp, 'tc');
  writeRandomTranscoders(tcDir, { nLayers: 3, dModel: 24, nFeatures: 8 });
  const corpus = path.join(tmp, 'c.txt');
  fs.writeFileSync(corpus, 'x\n');
  await assert.rejects(buildFeatureIndex({ modelDir: MODEL, transcoderDir: tcDir, corpusFile: path.join(tmp, 'none.txt'), outDir: tmp }), /Corpus file not found/);
  await assert.rejects(buildFeatureIndex({ modelDir: MODEL, transcoderDir: tcDir, corpusFile: corpus, outDir: tmp }), /do not fit the model/);
});

test('reads JSONL corpora (multi-line texts) and points at a bad line', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fj-'));
  const f = path.join(tmp, 'c.jsonl');
  fs.writeFileSync(f, [JSON.stringify({ text: 'Poem: a cat,\nand a hat.' }), JSON.stringify({ text: '1+2=3' }), ''].join('\n'));
  assert.deepEqual(readCorpus(f), ['Poem: a cat,\nand a hat.', '1+2=3']);
  fs.writeFileSync(f, [JSON.stringify({ text: 'ok' }), '{"nope": 1}'].join('\n'));
  assert.throws(() => readCorpus(f), /c\.jsonl:2: each JSONL line needs a string "text"/);
});
