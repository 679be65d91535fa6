// 16-bit weights kept as stored (model/weight.ts): read as bit patterns, fed to graphs and converted there exactly,
// shared between graphs, and a large head converted in row blocks with the same result.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../../src/engine/errors';
import { linearTWeight } from '../../../src/engine/families/blocks/linear';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { HalfWeight, isHalf, rowMean, toFloat32, weightRows } from '../../../src/engine/model/weight';
import { GraphBuilder } from '../../../src/engine/onnx/builder';
import { GraphSession } from '../../../src/engine/onnx/session';

/** bf16 patterns of fp32 values (truncation) and the fp32 values they stand for */
function bf16Of(x: Float32Array): { bits: Uint16Array; values: Float32Array } {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const bits = Uint16Array.from(u, (v) => v >>> 16);
  const values = new Float32Array(x.length);
  new Uint32Array(values.buffer).set(Array.from(bits, (b) => b << 16));
  return { bits, values };
}

function writeHalfFile(file: string, tensors: Record<string, { dtype: 'BF16' | 'F16'; shape: number[]; bits: Uint16Array }>): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bits.byteLength] };
    off += t.bits.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, ...Object.values(tensors).map((t) => Buffer.from(t.bits.buffer, t.bits.byteOffset, t.bits.byteLength))]));
}

const sample = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.37) * (1 + (i % 5)) * 1e-2);

test('readStored keeps BF16 and F16 as their bit patterns; rows, means and fp32 copies convert them exactly', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'w16-'));
  const file = path.join(dir, 'm.safetensors');
  const { bits, values } = bf16Of(sample(12, 1));
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x0001, 0x7bff, 0x8400]); // 1, −2, 0.5, 2^-24, 65504, −2^-14
  writeHalfFile(file, { b: { dtype: 'BF16', shape: [4, 3], bits }, h: { dtype: 'F16', shape: [2, 3], bits: f16 } });
  const st = SafetensorsFile.open(file);
  const b = st.readStored('b');
  const h = st.readStored('h');
  assert.ok(isHalf(b) && isHalf(h));
  assert.equal(b.dtype, 'BF16');
  assert.deepEqual([...b.bits], [...bits]);
  assert.deepEqual([...toFloat32(b)], [...values]);
  assert.deepEqual([...toFloat32(b)], [...st.read('b')]);
  assert.deepEqual([...toFloat32(h)], [1, -2, 0.5, 2 ** -24, 65504, -(2 ** -14)]);
  assert.deepEqual([...weightRows(b, 3, [3, 0])], [...values.subarray(9, 12), ...values.subarray(0, 3)]);
  const mean = rowMean(b, 4, 3);
  for (let i = 0; i < 3; i++) assert.equal(mean[i], Math.fround((values[i] + values[3 + i] + values[6 + i] + values[9 + i]) / 4));
  st.close();
});

test('a BF16 tensor holding NaN or Infinity is refused where it is read, naming the tensor and the element', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'w16-'));
  const file = path.join(dir, 'm.safetensors');
  writeHalfFile(file, { w: { dtype: 'BF16', shape: [3], bits: new Uint16Array([0x3f80, 0x7f80, 0]) }, n: { dtype: 'F16', shape: [2], bits: new Uint16Array([0, 0x7e00]) } });
  const st = SafetensorsFile.open(file);
  assert.throws(() => st.readStored('w'), (e: unknown) => e instanceof EngineError && e.code === 'badFile' && /"w".*Infinity \(at element 1 of 3\)/.test(e.message));
  assert.throws(() => st.readStored('n'), (e: unknown) => e instanceof EngineError && /"n".*NaN \(at element 1 of 2\)/.test(e.message));
  // rows read apart (runs of consecutive rows, converted straight into the result) name the element too
  assert.deepEqual([...st.readRows('w', [0, 2])], [1, 0]);
  assert.throws(() => st.readRows('w', [2, 1]), (e: unknown) => e instanceof EngineError && /"w".*Infinity \(at element 1 of 3\)/.test(e.message));
  assert.throws(() => st.readRows('n', [1]), (e: unknown) => e instanceof EngineError && /"n".*NaN \(at element 1 of 2\)/.test(e.message));
  st.close();
});

test('a 16-bit weight is a graph input converted inside the graph: the same results as its fp32 values as a constant', async () => {
  const W = sample(6 * 5, 2);
  const { bits, values } = bf16Of(W);
  const x = sample(2 * 5, 3);
  const run = async (make: (g: GraphBuilder) => string) => {
    const g = new GraphBuilder('w16');
    const xi = g.input('x', [2, 5]);
    g.output(g.op('Gemm', [xi, make(g)], { transB: 1 }), 'y');
    const bytes = g.toBytes();
    const s = await GraphSession.create(bytes, { threads: 1 });
    assert.deepEqual(s.inputNames, ['x'], 'the session feeds the weight itself');
    const y = (await s.run({ x: { data: x, dims: [2, 5] } })).y.data;
    s.dispose();
    return { y: [...y], fed: bytes.weights?.size ?? 0 };
  };
  const ref = await run((g) => g.constant(values, [6, 5]));
  const bf = await run((g) => g.weight(new HalfWeight(bits, 'BF16'), [6, 5], 'W'));
  assert.deepEqual(bf.y, ref.y);
  assert.equal(bf.fed, 1);
  // F16: 1, −2, 0.5 and 0.25 patterns
  const h = new Uint16Array(30).map((_, i) => [0x3c00, 0xc000, 0x3800, 0x3400][i % 4]);
  const hv = Float32Array.from(h, (b) => ({ 0x3c00: 1, 0xc000: -2, 0x3800: 0.5, 0x3400: 0.25 })[b]!);
  assert.deepEqual((await run((g) => g.weight(new HalfWeight(h, 'F16'), [6, 5]))).y, (await run((g) => g.constant(hv, [6, 5]))).y);
});

test('one array used twice in a graph (a tied head) is one input; the head in row blocks gives the same logits', async () => {
  const V = 11;
  const d = 4;
  const { bits, values } = bf16Of(sample(V * d, 4));
  const E = new HalfWeight(bits, 'BF16');
  const ids = BigInt64Array.from([3n, 0n, 10n]);
  const logits = async (blockRows: number) => {
    const g = new GraphBuilder('tied');
    const id = g.input('ids', [1, 3], 'int64');
    const x = g.toFloat(g.gather(g.weightRaw(E, [V, d], 'E'), id), E); // [1, 3, d]
    g.output(x, 'x');
    g.output(linearTWeight(g, x, E, d, V, undefined, blockRows), 'logits');
    const bytes = g.toBytes();
    assert.equal(bytes.weights?.size, 1);
    const s = await GraphSession.create(bytes, { threads: 1 });
    const out = await s.run({ ids: { data: ids, dims: [1, 3] } });
    s.dispose();
    return out;
  };
  const whole = await logits(V);
  const blocks = await logits(3);
  assert.deepEqual([...whole.x.data], [...values.subarray(3 * d, 4 * d), ...values.subarray(0, d), ...values.subarray(10 * d, 11 * d)]);
  assert.deepEqual(blocks.logits.dims, [1, 3, V]);
  assert.deepEqual([...blocks.logits.data], [...whole.logits.data]);
  for (let p = 0; p < 3; p++) {
    for (let v = 0; v < V; v++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += whole.x.data[p * d + k] * values[v * d + k];
      assert.ok(Math.abs(whole.logits.data[p * V + v] - dot) < 1e-6);
    }
  }
});
