import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel, type Model } from '../../../src/engine/model/model';
import { forwardNames as N, type ForwardResult } from '../../../src/engine/onnx/forward';
import { TensorStore, writeSafetensors } from '../../../src/engine/model/safetensors';
import { FIXTURES, checkTensor, readReference, type Reference } from './reference';

function compareAll(model: Model, ref: Reference, c: string, r: ForwardResult): void {
  checkTensor(`${c}.logits`, r.logits, ref.get(`${c}.logits`));
  checkTensor(`${c}.resid_final`, r.residFinal, ref.get(`${c}.resid_final`));
  checkTensor(`${c}.lnf_scale`, r.lnfScale, ref.get(`${c}.lnf_scale`));
  r.layers.forEach((a, l) => {
    checkTensor(`${c}.resid_pre.${l}`, a.residPre, ref.get(`${c}.resid_pre.${l}`));
    checkTensor(`${c}.ln1_scale.${l}`, a.scales.ln1, ref.get(`${c}.ln1_scale.${l}`));
    checkTensor(`${c}.pattern.${l}`, a.pattern, ref.get(`${c}.pattern.${l}`));
    checkTensor(`${c}.attn_out.${l}`, a.attnOut, ref.get(`${c}.attn_out.${l}`));
    checkTensor(`${c}.resid_mid.${l}`, a.residMid, ref.get(`${c}.resid_mid.${l}`));
    checkTensor(`${c}.ln2_scale.${l}`, a.scales.ln2, ref.get(`${c}.ln2_scale.${l}`));
    checkTensor(`${c}.mlp_in.${l}`, a.mlpIn, ref.get(`${c}.mlp_in.${l}`));
    checkTensor(`${c}.mlp_out.${l}`, a.mlpOut, ref.get(`${c}.mlp_out.${l}`));
  });
  assert.equal(r.layers.length, model.config.nLayers);
}

for (const fixture of ['gpt2-tiny', 'gpt2-tiny-b']) {
  test(`${fixture}: logits and every intermediate match the PyTorch reference (1 token, mid, full context)`, async () => {
    const model = await loadModel(path.join(FIXTURES, fixture), { threads: 1 });
    const ref = readReference(fixture);
    for (const c of ['one', 'mid', 'full']) {
      const ids = ref.cases[c];
      const r = await model.forward(ids);
      assert.equal(r.nPos, ids.length);
      compareAll(model, ref, c, r);
    }
    assert.equal(ref.cases.full.length, model.config.nCtx);
    assert.equal(ref.cases.one.length, 1);
    model.dispose();
  });

  test(`${fixture}: frozen patterns and norm scales are read from inputs, as in the reference`, async () => {
    const model = await loadModel(path.join(FIXTURES, fixture), { threads: 1 });
    const ref = readReference(fixture);
    const { nLayers, nHeads } = model.config;
    const P = ref.cases.mid.length;
    const s = await model.forwardSession({ freeze: { patterns: true, normScales: true } });
    const feed: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {
      [N.inputIds]: { data: BigInt64Array.from(ref.cases.frozen, BigInt), dims: [1, P] },
      [N.frozen(N.lnfScale)]: { data: ref.get('mid.lnf_scale'), dims: [1, P, 1] },
    };
    for (let l = 0; l < nLayers; l++) {
      feed[N.frozen(N.pattern(l))] = { data: ref.get(`mid.pattern.${l}`), dims: [1, nHeads, P, P] };
      feed[N.frozen(N.ln1Scale(l))] = { data: ref.get(`mid.ln1_scale.${l}`), dims: [1, P, 1] };
      feed[N.frozen(N.ln2Scale(l))] = { data: ref.get(`mid.ln2_scale.${l}`), dims: [1, P, 1] };
    }
    const out = await s.run(feed);
    checkTensor('frozen.logits', out[N.logits].data, ref.get('frozen.logits'));
    for (let l = 0; l < nLayers; l++) checkTensor(`frozen.mlp_out.${l}`, out[N.mlpOut(l)].data, ref.get(`frozen.mlp_out.${l}`));
    s.dispose();
    model.dispose();
  });

  test(`${fixture}: additive deltas at each MLP output change the logits as in the reference`, async () => {
    const model = await loadModel(path.join(FIXTURES, fixture), { threads: 1 });
    const ref = readReference(fixture);
    const { nLayers, dModel } = model.config;
    const P = ref.cases.delta.length;
    const s = await model.forwardSession({ mlpOutDelta: true });
    const feed: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {
      [N.inputIds]: { data: BigInt64Array.from(ref.cases.delta, BigInt), dims: [1, P] },
    };
    for (let l = 0; l < nLayers; l++) feed[N.mlpOutDelta(l)] = { data: ref.get(`delta.mlp_out_delta.${l}`), dims: [1, P, dModel] };
    const out = await s.run(feed);
    checkTensor('delta.logits', out[N.logits].data, ref.get('delta.logits'));
    s.dispose();
    model.dispose();
  });
}

test('a frozen MLP output replaces the MLP, and a batch of sequences runs in one call', async () => {
  const model = await loadModel(path.join(FIXTURES, 'gpt2-tiny'), { threads: 1 });
  const ref = readReference('gpt2-tiny');
  const { nLayers, dModel, dVocab } = model.config;
  const ids = ref.cases.mid;
  const P = ids.length;
  const s = await model.forwardSession({ freeze: { mlpOut: true } });
  // batch of 2: the same ids twice; the frozen MLP outputs (batch 1) broadcast over the batch
  const feed: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {
    [N.inputIds]: { data: BigInt64Array.from([...ids, ...ids], BigInt), dims: [2, P] },
  };
  for (let l = 0; l < nLayers; l++) feed[N.frozen(N.mlpOut(l))] = { data: ref.get(`mid.mlp_out.${l}`), dims: [1, P, dModel] };
  const out = await s.run(feed);
  assert.deepEqual(out[N.logits].dims, [2, P, dVocab]);
  const n = P * dVocab;
  checkTensor('batch[0].logits', out[N.logits].data.subarray(0, n), ref.get('mid.logits'));
  checkTensor('batch[1].logits', out[N.logits].data.subarray(n), ref.get('mid.logits'));
  s.dispose();
  model.dispose();
});

test('checkpoints without the transformer. prefix, sharded with an index, load to the same logits', async () => {
  const src = path.join(FIXTURES, 'gpt2-tiny');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt2-shard-'));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const store = TensorStore.openFolder(src);
  const names = store.names();
  const shards: Record<string, Record<string, { shape: number[]; data: Float32Array }>> = {
    'model-00001-of-00002.safetensors': {},
    'model-00002-of-00002.safetensors': {},
  };
  const weightMap: Record<string, string> = {};
  names.forEach((n, i) => {
    const shard = i < names.length / 2 ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors';
    const bare = n.replace(/^transformer\./, '');
    shards[shard][bare] = { shape: store.info(n).shape, data: store.read(n) };
    weightMap[bare] = shard;
  });
  store.close();
  for (const [f, t] of Object.entries(shards)) writeSafetensors(path.join(dir, f), t);
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));

  const model = await loadModel(dir, { threads: 1 });
  const ref = readReference('gpt2-tiny');
  checkTensor('sharded.logits', await model.logits(ref.cases.mid), ref.get('mid.logits'));
  model.dispose();
});
