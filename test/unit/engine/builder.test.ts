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

test('large constants are weight inputs fed by the session (no 2 GiB protobuf limit, no copy), views at any offset', async () => {
  const n = 40_000; // 160 kB: above the external threshold
  const backing = new Float32Array(n + 3).map((_, i) => (i % 7) - 3);
  const w = backing.subarray(3); // a view with a non-zero byte offset, as safetensors reads return
  const g = new GraphBuilder('ext');
  const x = g.input('x', [1, n]);
  g.output(g.matmul(x, g.constant(w, [n, 1])), 'y', [1, 1]);
  const bytes = g.toBytes();
  assert.equal(bytes.weights?.size, 1);
  assert.ok(bytes.byteLength < 1000, `the protobuf holds no weights (${bytes.byteLength} bytes)`);
  const s = await GraphSession.create(bytes, { threads: 1 });
  assert.deepEqual(s.inputNames, ['x'], 'callers feed only their own inputs');
  const ones = new Float32Array(n).fill(1);
  const out = await s.run({ x: { data: ones, dims: [1, n] } });
  let want = 0;
  for (const v of w) want += v;
  assert.equal(out.y.data[0], want);
  s.dispose();
});
