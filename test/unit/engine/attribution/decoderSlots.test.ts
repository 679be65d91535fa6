// The decoder table of a layer in slots (attribution/components.ts): every write once, in a slot at its position;
// at most about twice the vectors however unevenly they fall over positions; the backward graph's feature edges
// through it equal grad_in · vector for every write.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decoderSlots } from '../../../../src/engine/attribution/components';
import { GraphBuilder } from '../../../../src/engine/onnx/builder';
import { GraphSession } from '../../../../src/engine/onnx/session';

const P = 6;
const d = 3;
/** position 2 lights up (40 writes), positions 0 and 4 have none */
const counts = [0, 3, 40, 1, 0, 5];
const writes = counts.flatMap((c, p) => Array.from({ length: c }, (_, k) => ({ p, k })));
const layerWrites = writes.map((w, src) => ({ p: w.p, src, vec: Float32Array.from({ length: d }, (_, i) => Math.cos(src * 3.1 + i)) }));

test('each write sits once in a slot of its position; the table holds at most about twice the vectors', () => {
  const t = decoderSlots(layerWrites, P, d);
  const K = layerWrites.length;
  assert.equal(t.slotWidth, Math.ceil(K / 4)); // 4 positions with writes
  const S = t.slotsBefore[P];
  assert.equal(t.table.length, S * d * t.slotWidth);
  assert.ok(S * t.slotWidth <= 2 * K, `${S} slots of ${t.slotWidth} for ${K} writes`);
  assert.ok(S * t.slotWidth < P * Math.max(...counts), 'less than padding every position to the busiest');
  const seen = new Set<number>();
  for (let s = 0; s < S; s++) {
    const p = Number(t.slotPos[s]);
    assert.ok(s >= t.slotsBefore[p] && s < t.slotsBefore[p + 1], 'slots in position order');
    for (let m = 0; m < t.slotWidth; m++) {
      const src = t.source[s * t.slotWidth + m];
      if (src < 0) continue;
      assert.equal(layerWrites[src].p, p);
      assert.ok(!seen.has(src));
      seen.add(src);
      for (let i = 0; i < d; i++) assert.equal(t.table[(s * d + i) * t.slotWidth + m], layerWrites[src].vec[i]);
    }
  }
  assert.equal(seen.size, K);
  assert.deepEqual(decoderSlots([], P, d).slotsBefore, new Int32Array(P + 1));
});

test('feature edges through the slots (gather by slot position, batched matmul) equal grad_in · vector per write', async () => {
  const t = decoderSlots(layerWrites, P, d);
  const B = 2;
  const gIn = Float32Array.from({ length: B * P * d }, (_, i) => Math.sin(i * 0.7));
  const g = new GraphBuilder('slots');
  const gi = g.input('grad_in', [B, P, d]);
  const at = g.gather(g.transpose(gi, [1, 0, 2]), g.input('slot_pos', ['slot'], 'int64'), 0);
  g.output(g.matmul(at, g.input('decoders', ['slot', d, 'm'])), 'fe');
  const s = await GraphSession.create(g.toBytes(), { threads: 1 });
  const S = t.slotsBefore[P];
  const fe = (await s.run({ grad_in: { data: gIn, dims: [B, P, d] }, slot_pos: { data: t.slotPos, dims: [S] }, decoders: { data: t.table, dims: [S, d, t.slotWidth] } })).fe.data;
  s.dispose();
  let checked = 0;
  for (let sl = 0; sl < S; sl++) {
    for (let m = 0; m < t.slotWidth; m++) {
      const src = t.source[sl * t.slotWidth + m];
      if (src < 0) continue;
      for (let b = 0; b < B; b++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += gIn[(b * P + layerWrites[src].p) * d + i] * layerWrites[src].vec[i];
        assert.ok(Math.abs(fe[(sl * B + b) * t.slotWidth + m] - dot) < 1e-6);
        checked++;
      }
    }
  }
  assert.equal(checked, B * layerWrites.length);
});
