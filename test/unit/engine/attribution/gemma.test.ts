// Attribution on Gemma-2 and Gemma-3 text: the full adjacency against PyTorch autograd through circuit-tracer's
// local replacement model for Gemma (tools/reference/gemma_attribution_ref.py: patterns and every RMSNorm rsqrt
// detached, transcoders writing at hook_mlp_out), circuit-tracer's frozen-forward acceptance check, and a feature
// budget selecting what circuit-tracer's queue would. Fixtures: GemmaScope-like PLT (ln2.hook_normalized, JumpReLU,
// no skip) and a CLT on hook_resid_mid for Gemma-2; a skip PLT on mlp.hook_in for Gemma-3.
import { test } from 'node:test';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { graphLayout, sparseToDense } from '../../../../src/engine/attribution/graph';
import type { GemmaConfig } from '../../../../src/engine/families/gemma2/config';
import { familyOf } from '../../../../src/engine/families/registry';
import { GraphSession } from '../../../../src/engine/onnx/session';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';
import { checkColumns } from './constrained';
import { FIXTURES, loadFixture } from './fixtureModel';

const GEMMA_FIXTURES = ['gemma2-plt-normalized', 'gemma2-clt-resid', 'gemma3-plt-hookin-skip'];

for (const name of GEMMA_FIXTURES) {
  test(`${name}: the full adjacency matches PyTorch autograd to 1e-4 of the largest edge`, async () => {
    const fx = await loadFixture(name);
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
    graph.logitProbabilities.forEach((p, k) => assert.ok(Math.abs(p - fx.expected.logit_probs[k]) < 1e-5, 'probabilities of the soft-capped logits'));
    const want = fx.expected.adjacency;
    const got = sparseToDense(graph.adjacency);
    assert.equal(got.length, want.length);
    let max = 0;
    for (const v of want) max = Math.max(max, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    if (process.env.SELF_TRACE_VERBOSE) console.log(`${name}: max error ${worst.toExponential(2)}, largest edge ${max.toFixed(3)}`);
    assert.ok(worst <= 1e-4 * max, `max error ${worst} vs largest edge ${max}`);
  });

  test(`${name}: in the frozen forward, adding any source once more moves pre-activations and demeaned logits by its adjacency column`, async () => {
    const fx = await loadFixture(name);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const res = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const spec = { freeze: { patterns: true, normScales: true, mlpOut: true }, mlpOutDelta: true, embedDelta: true };
    // logit edges are for the logits before Gemma-2's final soft-cap: circuit-tracer's tests run this check inside
    // model.zero_softcap(); here the frozen forward is built from the config without it
    const cfg = { ...(fx.model.config as GemmaConfig), finalSoftcap: undefined };
    const session = await GraphSession.create(familyOf(cfg).forwardGraph(cfg, fx.model.weights, spec), { threads: 1 });
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

test('Gemma: a feature budget selects the features circuit-tracer would, in influence order', async () => {
  for (const name of GEMMA_FIXTURES) {
    const fx = await loadFixture(name);
    const { max_feature_nodes: M, batch_size, update_interval } = fx.meta.budget;
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: M, batchSize: batch_size, updateInterval: update_interval });
    at.dispose();
    assert.deepEqual(Array.from(graph.selectedFeatures), Array.from(fx.expected.selected), name);
  }
});

test('Gemma: transcoders that write at mlp.hook_out (before post_feedforward_layernorm) are refused, naming both sides', async () => {
  const fx = await loadFixture('gemma2-plt-normalized');
  const tc = { ...fx.transcoders, outputHook: 'mlp.hook_out' } as typeof fx.transcoders;
  await assert.rejects(
    Attributor.create(fx.model, tc, { threads: 1 }),
    /write at "mlp\.hook_out", which Gemma2ForCausalLM does not provide; its output hooks: hook_mlp_out/,
  );
});

for (const [name, layout] of [['gemma2-plt-normalized', 'gemmascope'], ['gemma3-plt-hookin-skip', 'gemmascope2']]) {
  test(`${name}: the same transcoders in the published ${layout} layout give the reference graph`, async () => {
    const fx = await loadFixture(name);
    const tc = loadTranscoders(path.join(FIXTURES, name, `transcoders-${layout}`));
    assert.equal(tc.outputHook, 'hook_mlp_out');
    const at = await Attributor.create(fx.model, tc, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    assert.equal(graph.activeFeatures.layer.length, fx.meta.n_active, 'active feature count');
    const want = fx.expected.adjacency;
    const got = sparseToDense(graph.adjacency);
    assert.equal(got.length, want.length);
    let max = 0;
    let worst = 0;
    for (let i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs(want[i]));
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
    assert.ok(worst <= 1e-4 * max, `max error ${worst} vs largest edge ${max}`);
  });
}
