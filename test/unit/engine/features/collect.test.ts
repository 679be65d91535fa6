import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LayerStats } from '../../../../src/engine/features/collect';

/** a deterministic pseudo-random sparse activation stream */
function makeCorpus(nCtx: number, nPos: number, nF: number, seed = 7) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: nCtx }, () => {
    const a = new Float32Array(nPos * nF);
    for (let i = 0; i < a.length; i++) if (rand() < 0.15) a[i] = rand() * 10 * (1 + (i % nF));
    return a;
  });
}

test('top examples are exactly the contexts with the highest max activation (brute force)', () => {
  const nCtx = 200, nPos = 12, nF = 9;
  const corpus = makeCorpus(nCtx, nPos, nF);
  const stats = new LayerStats(nF, { topK: 5, reservoir: 16, histBins: 8, seed: 3 });
  corpus.forEach((acts, c) => stats.observe(c, acts, nPos, new Set([0])));
  for (let f = 0; f < nF; f++) {
    const brute = corpus
      .map((acts, c) => {
        let best = 0, pos = -1;
        for (let p = 1; p < nPos; p++) if (acts[p * nF + f] > best) [best, pos] = [acts[p * nF + f], p];
        return { ctx: c, act: best, pos };
      })
      .filter((x) => x.pos >= 0)
      .sort((a, b) => b.act - a.act || a.ctx - b.ctx)
      .slice(0, 5);
    const s = stats.summary(f);
    assert.deepEqual(s.top.map((t) => [t.ctx, t.pos]), brute.map((t) => [t.ctx, t.pos]), `feature ${f}`);
    let count = 0, max = 0;
    corpus.forEach((a) => { for (let p = 1; p < nPos; p++) if (a[p * nF + f] !== 0) { count++; max = Math.max(max, a[p * nF + f]); } });
    assert.equal(s.count, count);
    assert.ok(Math.abs(s.max - max) < 1e-4);
    assert.equal(s.histogram.reduce((x, y) => x + y, 0), count, 'histogram counts every positive activation');
    assert.ok(s.histogramEdges[s.histogramEdges.length - 1] > s.max, 'histogram range covers the max');
    assert.ok(s.sample.every((x) => x.act > 0) && s.sample.length === Math.min(16, new Set(s.sample.map((x) => x.ctx)).size));
  }
  assert.equal(stats.tokens, nCtx * (nPos - 1));
});

test('state serialises mid-stream and resumes to the same result', () => {
  const nPos = 6, nF = 5;
  const corpus = makeCorpus(60, nPos, nF, 11);
  const whole = new LayerStats(nF);
  corpus.forEach((a, c) => whole.observe(c, a, nPos));
  const first = new LayerStats(nF);
  corpus.slice(0, 25).forEach((a, c) => first.observe(c, a, nPos));
  const resumed = LayerStats.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
  corpus.slice(25).forEach((a, i) => resumed.observe(25 + i, a, nPos));
  for (let f = 0; f < nF; f++) assert.deepEqual(resumed.summary(f), whole.summary(f));
});

test('a feature that never fires has an empty, well-formed summary', () => {
  const stats = new LayerStats(3);
  stats.observe(0, new Float32Array([0, 1, 0, 0, 2, 0]), 2);
  const s = stats.summary(2);
  assert.equal(s.count, 0);
  assert.equal(s.max, 0);
  assert.deepEqual(s.top, []);
  assert.deepEqual(s.sample, []);
});
