import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../../../src/engine/model/model';
import { isHalf, weightBytes, type Weight } from '../../../../src/engine/model/weight';
import { checkTensor } from '../reference';
import { FAMILY_FIXTURES, FAMILY_FIXTURE_NAMES, familyReference } from './fixtures';

for (const name of FAMILY_FIXTURE_NAMES) {
  test(`${name}: logits and every intermediate match the PyTorch reference to 1e-4 (1, 7 and 21 tokens)`, async () => {
    const model = await loadModel(path.join(FAMILY_FIXTURES, name), { threads: 1 });
    const ref = familyReference(name);
    let worst = 0;
    const check = (n: string, got: Float32Array) => (worst = Math.max(worst, checkTensor(n, got, ref.get(n))));
    for (const [c, ids] of Object.entries(ref.cases)) {
      const r = await model.forward(ids);
      check(`${c}.logits`, r.logits);
      check(`${c}.resid_final`, r.residFinal);
      check(`${c}.lnf_scale`, r.lnfScale);
      assert.equal(r.layers.length, model.config.nLayers);
      r.layers.forEach((a, l) => {
        check(`${c}.resid_pre.${l}`, a.residPre);
        check(`${c}.ln1_scale.${l}`, a.scales.ln1);
        check(`${c}.pattern.${l}`, a.pattern);
        check(`${c}.attn_out.${l}`, a.attnOut);
        check(`${c}.resid_mid.${l}`, a.residMid);
        check(`${c}.ln2_scale.${l}`, a.scales.ln2);
        check(`${c}.mlp_in.${l}`, a.mlpIn);
        check(`${c}.mlp_normalized.${l}`, a.mlpNormalized);
        check(`${c}.mlp_out.${l}`, a.mlpOut);
      });
    }
    if (process.env.SELF_TRACE_VERBOSE) console.log(`${name}: worst |diff| ${worst.toExponential(2)}`);
    model.dispose();
  });
}

test('BF16 weights held as stored and as fp32 (fp32Weights) give bit-identical forward passes; as stored they take half the bytes', async () => {
  for (const name of ['llama', 'qwen3']) {
    const stored = await loadModel(path.join(FAMILY_FIXTURES, name), { threads: 1 });
    const fp32 = await loadModel(path.join(FAMILY_FIXTURES, name), { threads: 1, fp32Weights: true });
    const w = (m: typeof stored) => m.weights as unknown as { layers: { q_proj: Weight; down_proj: Weight }[]; embed: Weight };
    assert.ok(isHalf(w(stored).embed) && isHalf(w(stored).layers[0].down_proj), 'matrices stay 16-bit');
    assert.ok(!isHalf(w(fp32).embed));
    assert.equal(weightBytes(w(stored).layers[0].q_proj) * 2, weightBytes(w(fp32).layers[0].q_proj));
    const ids = familyReference(name).cases[Object.keys(familyReference(name).cases).pop()!];
    const [a, b] = [await stored.forward(ids), await fp32.forward(ids)];
    assert.deepEqual([...a.logits], [...b.logits]);
    a.layers.forEach((la, l) => assert.deepEqual([...la.mlpOut], [...b.layers[l].mlpOut]));
    stored.dispose();
    fp32.dispose();
  }
});
