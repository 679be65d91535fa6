// The npz reader against files numpy itself wrote (np.savez, np.savez_compressed; test/fixtures/npz) and the
// writer the tests use.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NpzFile } from '../../../../src/engine/model/transcoders/npz';
import { writeNpz } from '../../../../tools/transcoderLayouts';

const W = [-1.8333333730697632, -1.5, -1.1666666269302368, -0.8333333134651184, -0.5, -0.1666666716337204, 0.1666666716337204, 0.5, 0.8333333134651184, 1.1666666269302368, 1.5, 1.8333333730697632];

for (const name of ['stored', 'compressed']) {
  test(`numpy's ${name} npz reads back exactly: float32, float16 and float64 arrays, whole and by rows`, () => {
    const f = NpzFile.open(path.resolve(`test/fixtures/npz/${name}.npz`));
    assert.deepEqual(f.names().sort(), ['W_enc', 'b', 'half']);
    assert.deepEqual(f.info('W_enc').shape, [3, 4]);
    assert.deepEqual(Array.from(f.read('W_enc')), W);
    assert.deepEqual(Array.from(f.readRows('W_enc', [2, 0])), [...W.slice(8, 12), ...W.slice(0, 4)]);
    assert.deepEqual(Array.from(f.read('half')), [0.5, -2, 65504, 1.1920928955078125e-7, 3.25, -0]);
    assert.deepEqual(Array.from(f.read('b')), [-1, -0.5, 0, 0.5, 1]);
    assert.throws(() => f.read('threshold'), /Array "threshold" is missing from .*npz/);
    assert.throws(() => f.readRows('W_enc', [3]), /Row 3 of "W_enc" is out of range/);
    f.close();
  });
}

test('the test writer writes what numpy reads the same way (stored and deflated), and damaged files are named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-npz-'));
  const data = Float32Array.from({ length: 15 }, (_, i) => i * 0.25 - 1);
  for (const compress of [false, true]) {
    const file = path.join(dir, `w${compress}.npz`);
    writeNpz(file, { W_dec: { shape: [5, 3], data }, b: { shape: [3], data: data.subarray(0, 3) } }, { compress });
    const f = NpzFile.open(file);
    assert.deepEqual(Array.from(f.read('W_dec')), Array.from(data));
    assert.deepEqual(Array.from(f.readRows('W_dec', [4])), Array.from(data.subarray(12, 15)));
    assert.deepEqual(f.info('b').shape, [3]);
    f.close();
  }
  const cut = path.join(dir, 'cut.npz');
  fs.writeFileSync(cut, fs.readFileSync(path.join(dir, 'wfalse.npz')).subarray(0, 40));
  assert.throws(() => NpzFile.open(cut), /cut.npz is not a valid npz \(zip\) file: no end-of-central-directory record/);
});
