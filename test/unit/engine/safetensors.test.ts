import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SafetensorsFile, TensorStore, writeSafetensors } from '../../../src/engine/model/safetensors';
import { EngineError } from '../../../src/engine/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'st-'));

function expectCode(fn: () => unknown, code: string, text?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EngineError, `expected EngineError, got ${e}`);
    assert.equal(e.code, code);
    if (text) assert.match(e.message, text);
    return true;
  });
}

test('round-trips fp32 tensors and reads selected rows', () => {
  const dir = tmp();
  const f = path.join(dir, 'model.safetensors');
  const w = Float32Array.from({ length: 12 }, (_, i) => i * 0.5);
  writeSafetensors(f, { w: { shape: [4, 3], data: w }, b: { shape: [3], data: new Float32Array([1, 2, 3]) } });
  const st = SafetensorsFile.open(f);
  assert.deepEqual(st.info('w').shape, [4, 3]);
  assert.deepEqual([...st.read('w')], [...w]);
  assert.deepEqual([...st.readRows('w', [3, 0, 1])], [4.5, 5, 5.5, 0, 0.5, 1, 1.5, 2, 2.5]);
  expectCode(() => st.readRows('w', [4]), 'badInput', /out of range/);
  expectCode(() => st.read('nope'), 'missingTensor', /"nope"/);
  st.close();
});

test('converts F16 and BF16 to fp32', () => {
  const dir = tmp();
  const f = path.join(dir, 'h.safetensors');
  // 1.0, -2.0, 0.5 in f16 ; 1.0, -2.0, 0.5 in bf16
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x3800]);
  const bf16 = new Uint16Array([0x3f80, 0xc000, 0x3f00]);
  const header = JSON.stringify({ a: { dtype: 'F16', shape: [3], data_offsets: [0, 6] }, b: { dtype: 'BF16', shape: [3], data_offsets: [6, 12] } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(f, Buffer.concat([len, Buffer.from(header), Buffer.from(f16.buffer), Buffer.from(bf16.buffer)]));
  const st = SafetensorsFile.open(f);
  assert.deepEqual([...st.read('a')], [1, -2, 0.5]);
  assert.deepEqual([...st.read('b')], [1, -2, 0.5]);
  st.close();
});

test('rejects truncated files and headers that lie about sizes, naming the file', () => {
  const dir = tmp();
  const f = path.join(dir, 'model.safetensors');
  writeSafetensors(f, { w: { shape: [64, 64], data: new Float32Array(64 * 64) } });
  const bytes = fs.readFileSync(f);
  const cut = path.join(dir, 'cut.safetensors');
  fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  expectCode(() => SafetensorsFile.open(cut), 'badFile', /cut\.safetensors.*truncated/);
  const liar = path.join(dir, 'liar.safetensors');
  const header = JSON.stringify({ w: { dtype: 'F32', shape: [10, 10], data_offsets: [0, 16] } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(liar, Buffer.concat([len, Buffer.from(header), Buffer.alloc(16)]));
  expectCode(() => SafetensorsFile.open(liar), 'badFile', /needs 400 bytes/);
  const tiny = path.join(dir, 'tiny.safetensors');
  fs.writeFileSync(tiny, Buffer.from([1, 2, 3]));
  expectCode(() => SafetensorsFile.open(tiny), 'badFile', /shorter/);
  expectCode(() => SafetensorsFile.open(path.join(dir, 'missing.safetensors')), 'fileNotFound');
});

test('opens sharded checkpoints through the index', () => {
  const dir = tmp();
  writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), { a: { shape: [2], data: new Float32Array([1, 2]) } });
  writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), { b: { shape: [1], data: new Float32Array([3]) } });
  fs.writeFileSync(
    path.join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }),
  );
  const store = TensorStore.openFolder(dir);
  assert.deepEqual(store.names().sort(), ['a', 'b']);
  assert.deepEqual([...store.read('b')], [3]);
  assert.deepEqual([...store.read('a')], [1, 2]);
  store.close();
  fs.rmSync(path.join(dir, 'model-00002-of-00002.safetensors'));
  expectCode(() => TensorStore.openFolder(dir), 'fileNotFound', /model-00002-of-00002/);
});
