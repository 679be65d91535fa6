import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { decoderLogits } from '../../../../src/engine/features/build';
import { loadModel } from '../../../../src/engine/model/model';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';

test("decoder rows through the unembedding in chunks (a published set's logits do not fit at once) give the same tokens and moments", async () => {
  for (const name of ['llama', 'llama-clt']) {
    const dir = path.resolve('test/fixtures/families', name);
    const model = await loadModel(dir, { threads: 1 });
    const tc = loadTranscoders(path.join(dir, 'transcoders'));
    const whole = await decoderLogits(model, tc);
    const chunked = await decoderLogits(model, tc, 5); // 16 features: chunks of 5, 5, 5, 1
    assert.equal(chunked.length, tc.nLayers);
    chunked.forEach((c, l) => {
      assert.deepEqual(c.top, whole[l].top, `${name} layer ${l}`);
      assert.deepEqual(c.bottom, whole[l].bottom);
      assert.deepEqual(c.mean, whole[l].mean);
      assert.deepEqual(c.std, whole[l].std);
      assert.ok(c.top.every((t) => t.length === 10));
    });
    tc.close();
    model.dispose();
  }
});
