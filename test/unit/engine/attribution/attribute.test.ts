import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { sparseToDense } from '../../../../src/engine/attribution/graph';
import { FIXTURE_NAMES, loadFixture } from './fixtureModel';

for (const name of FIXTURE_NAMES) {
  test(`${name}: the full adjacency matches PyTorch autograd to 1e-4 of the largest edge`, async () => {
    const fx = await loadFixture(name);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const want = fx.expected.adjacency;
    const A = fx.meta.n_active;
    assert.equal(graph.activeFeatures.layer.length, A, 'active feature count');
    const af = fx.expected.active_features;
    for (let i = 0; i < A; i++) {
      assert.deepEqual([graph.activeFeatures.layer[i], graph.activeFeatures.pos[i], graph.activeFeatures.feature[i]], [af[3 * i], af[3 * i + 1], af[3 * i + 2]]);
      assert.ok(Math.abs(graph.activeFeatures.activation[i] - fx.expected.activations[i]) < 1e-4);
    }
    assert.deepEqual(graph.logitTargets.map((t) => t.vocabIdx), Array.from(fx.expected.logit_ids));
    const got = sparseToDense(graph.adjacency);
    assert.equal(got.length, want.length);
    let max = 0;
    for (const v of want) max = Math.max(max, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    assert.ok(worst <= 1e-4 * max, `max error ${worst} vs largest edge ${max}`);
    if (process.env.SELF_TRACE_VERBOSE) console.log(`${name}: max error ${worst.toExponential(2)}, largest edge ${max.toFixed(3)}`);
  });
}

test('a feature budget selects the features circuit-tracer would, in influence order, and keeps their rows exact', async () => {
  for (const name of ['plt-relu-skip', 'clt-relu']) {
    const fx = await loadFixture(name);
    const { max_feature_nodes: M, batch_size, update_interval } = fx.meta.budget;
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: M, batchSize: batch_size, updateInterval: update_interval });
    at.dispose();
    assert.deepEqual(Array.from(graph.selectedFeatures), Array.from(fx.expected.selected), name);
    const full = fx.expected.adjacency;
    const A = fx.meta.n_active;
    const Nfull = Math.sqrt(full.length);
    const N = graph.adjacency.n;
    const F = M;
    const cols = [...graph.selectedFeatures, ...Array.from({ length: Nfull - A }, (_, i) => A + i)];
    const rows = [...graph.selectedFeatures, ...Array.from({ length: N - F - fx.meta.n_logits }, () => -1), ...Array.from({ length: fx.meta.n_logits }, (_, k) => Nfull - fx.meta.n_logits + k)];
    const got = sparseToDense(graph.adjacency);
    let max = 0;
    for (const v of full) max = Math.max(max, Math.abs(v));
    for (let t = 0; t < N; t++) {
      for (let s = 0; s < N; s++) {
        const want = rows[t] < 0 ? 0 : full[rows[t] * Nfull + cols[s]];
        assert.ok(Math.abs(got[t * N + s] - want) <= 1e-4 * max, `${name} [${t},${s}]: ${got[t * N + s]} vs ${want}`);
      }
    }
  }
});
