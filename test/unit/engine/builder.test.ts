import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { GraphBuilder } from '../../../src/engine/onnx/builder';
import { GraphSession } from '../../../src/engine/onnx/session';

test('a built graph runs in onnxruntime and matches a JS reference', async () => {
  const g = new GraphBuilder('t');
  const x = g.input('x', ['n', 3]);
  const w = g.constant(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
  const y = g.add(g.matmul(x, w), g.scalar(0.5));
  g.output(g.softmax(y), 'p', ['n', 2]);
  g.output(y, 'y', ['n', 2]);
  const s = await GraphSession.create(g.toBytes(), { threads: 1 });
  const out = await s.run({ x: { data: new Float32Array([1, 0, 0, 0, 1, 1]), dims: [2, 3] } });
  assert.deepEqual([...out.y.data], [1.5, 2.5, 8.5, 10.5]);
  assert.deepEqual(out.p.dims, [2, 2]);
  const e = Math.exp(1);
  assert.ok(Math.abs(out.p.data[1] - e / (1 + e)) < 1e-6);
  s.dispose();
});

test('reshape, transpose, split and int attributes encode correctly', async () => {
  const g = new GraphBuilder('t2');
  const x = g.input('x', [2, 6]);
  const r = g.reshape(x, [2, 2, 3]);
  const t = g.transpose(r, [1, 0, 2]);
  const [a, b] = g.split(t, [1, 1], 0);
  g.output(g.sub(a, b), 'd');
  const s = await GraphSession.create(g.toBytes(), { threads: 1 });
  const out = await s.run({ x: { data: Float32Array.from({ length: 12 }, (_, i) => i), dims: [2, 6] } });
  assert.deepEqual(out.d.dims, [1, 2, 3]);
  assert.deepEqual([...out.d.data], [-3, -3, -3, -3, -3, -3]);
  s.dispose();
});

test('constants over the inline budget become inputs the session feeds itself, with the same results', async () => {
  const build = () => {
    const g = new GraphBuilder('w');
    const x = g.input('x', [2, 4]);
    const big = g.constant(Float32Array.from({ length: 4 * 8 }, (_, i) => Math.sin(i)), [4, 8]);
    const small = g.constant(Float32Array.from({ length: 8 }, (_, i) => i / 8), [8]);
    g.output(g.add(g.matmul(x, big), small), 'y', [2, 8]);
    return g;
  };
  const inline = build().toBytes();
  const fed = build().toBytes(40); // room for the 32-byte vector, not the 128-byte matrix
  assert.equal(inline.weights, undefined);
  assert.deepEqual([...fed.weights!.values()].map((w) => w.dims), [[4, 8]]);
  assert.ok(fed.length < inline.length);
  const x = { x: { data: Float32Array.from({ length: 8 }, (_, i) => i - 3), dims: [2, 4] } };
  const a = await GraphSession.create(inline, { threads: 1 });
  const b = await GraphSession.create(fed, { threads: 1 });
  assert.deepEqual(b.inputNames, ['x'], 'callers feed only their own inputs');
  assert.deepEqual(Array.from((await b.run(x)).y.data), Array.from((await a.run(x)).y.data));
  a.dispose();
  b.dispose();
});
