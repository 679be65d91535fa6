import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { graphLayout, sparseToDense } from '../../../../src/engine/attribution/graph';
import { familyOf } from '../../../../src/engine/families/registry';
import { GraphSession } from '../../../../src/engine/onnx/session';
import { checkColumns } from '../attribution/constrained';
import { loadFixture } from '../attribution/fixtureModel';
import { FAMILY_FIXTURES, FAMILY_FIXTURE_NAMES } from './fixtures';

for (const name of FAMILY_FIXTURE_NAMES) {
  test(`${name}: the full adjacency matches PyTorch autograd to 1e-4 of the largest edge`, async () => {
    const fx = await loadFixture(name, FAMILY_FIXTURES);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const A = fx.meta.n_active;
    assert.equal(graph.activeFeatures.layer.length, A, 'active feature count');
    const af = fx.expected.active_features;
    for (let i = 0; i < A; i++) {
      assert.deepEqual([graph.activeFeatures.layer[i], graph.activeFeatures.pos[i], graph.activeFeatures.feature[i]], [af[3 * i], af[3 * i + 1], af[3 * i + 2]]);
      assert.ok(Math.abs(graph.activeFeatures.activation[i] - fx.expected.activations[i]) < 1e-4);
    }
    assert.deepEqual(graph.logitTargets.map((t) => t.vocabIdx), Array.from(fx.expected.logit_ids));
    const want = fx.expected.adjacency;
    const got = sparseToDense(graph.adjacency);
    assert.equal(got.length, want.length);
    let max = 0;
    for (const v of want) max = Math.max(max, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    assert.ok(worst <= 1e-4 * max, `max error ${worst} vs largest edge ${max}`);
    if (process.env.SELF_TRACE_VERBOSE) console.log(`${name}: adjacency max error ${(worst / max).toExponential(2)} of the largest edge ${max.toFixed(3)}`);
  });

  test(`${name}: a feature budget selects circuit-tracer's features in influence order`, async () => {
    const fx = await loadFixture(name, FAMILY_FIXTURES);
    const { max_feature_nodes: M, batch_size, update_interval } = fx.meta.budget;
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: M, batchSize: batch_size, updateInterval: update_interval });
    at.dispose();
    assert.deepEqual(Array.from(graph.selectedFeatures), Array.from(fx.expected.selected));
  });

  test(`${name}: circuit-tracer's frozen-forward check: adding a source once more moves pre-activations and logits by its column`, async () => {
    const fx = await loadFixture(name, FAMILY_FIXTURES);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const res = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const spec = { freeze: { patterns: true, normScales: true, mlpOut: true }, mlpOutDelta: true, embedDelta: true };
    const session = await GraphSession.create(familyOf(fx.model.config).forwardGraph(fx.model.config, fx.model.weights, spec), { threads: 1 });
    const lay = graphLayout(res.graph);
    const sources = [
      ...Array.from({ length: lay.nFeatures }, (_, i) => i),
      ...Array.from({ length: lay.tokenStart - lay.errorStart }, (_, i) => lay.errorStart + i).filter((s) => (s - lay.errorStart) % lay.nPos !== 0),
      ...Array.from({ length: lay.nPos - 1 }, (_, i) => lay.tokenStart + 1 + i),
    ];
    const r = await checkColumns(fx.model.config, fx.transcoders, res, session, sources);
    session.dispose();
    assert.ok(r.sources > 50, 'many sources');
    if (process.env.SELF_TRACE_VERBOSE) console.log(name, r);
    assert.ok(r.featureExcess <= 0 && r.logitExcess <= 0, `${r.worst} (excess ${r.featureExcess}, ${r.logitExcess})`);
  });
}
