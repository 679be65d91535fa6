// The three checks every attribution fixture gets (GPT-2 transcoder kinds, the other families, Gemma): the full
// adjacency against PyTorch autograd, circuit-tracer's frozen-forward acceptance check, and a feature budget
// selecting what circuit-tracer's queue would. Each test file says which fixtures; this file says what is checked.
import * as assert from 'node:assert/strict';
import { Attributor, type AttributionResult } from '../../../../src/engine/attribution/attribute';
import { graphLayout, sparseToDense } from '../../../../src/engine/attribution/graph';
import { familyOf } from '../../../../src/engine/families/registry';
import type { ModelConfig } from '../../../../src/engine/model/config';
import type { TranscoderSet } from '../../../../src/engine/model/transcoders';
import { GraphSession } from '../../../../src/engine/onnx/session';
import { checkColumns } from './constrained';
import type { Fixture } from './fixtureModel';

/** Attributes the fixture's prompt with every active feature kept (or with `options`), on one thread. */
export async function attributeFixture(
  fx: Fixture,
  options: Parameters<Attributor['attribute']>[1] = { maxFeatureNodes: null },
  transcoders: TranscoderSet = fx.transcoders,
): Promise<AttributionResult> {
  const at = await Attributor.create(fx.model, transcoders, { threads: 1 });
  try {
    return await at.attribute(fx.ids, options);
  } finally {
    at.dispose();
  }
}

/** The largest |got − want| of a dense adjacency against the reference, and the reference's largest edge. */
export function adjacencyError(res: AttributionResult, want: Float32Array): { worst: number; max: number } {
  const got = sparseToDense(res.graph.adjacency);
  assert.equal(got.length, want.length, 'adjacency size');
  let max = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    max = Math.max(max, Math.abs(want[i]));
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  return { worst, max };
}

/**
 * The full graph against PyTorch autograd: the active features (layer, position, index) and their activations,
 * the logit targets (and, with `probabilities`, their probabilities), and every edge to 1e-4 of the largest.
 */
export async function assertMatchesAutograd(name: string, fx: Fixture, { probabilities = false } = {}): Promise<void> {
  const res = await attributeFixture(fx);
  const { graph } = res;
  const A = fx.meta.n_active;
  assert.equal(graph.activeFeatures.layer.length, A, 'active feature count');
  const af = fx.expected.active_features;
  for (let i = 0; i < A; i++) {
    assert.deepEqual([graph.activeFeatures.layer[i], graph.activeFeatures.pos[i], graph.activeFeatures.feature[i]], [af[3 * i], af[3 * i + 1], af[3 * i + 2]]);
    assert.ok(Math.abs(graph.activeFeatures.activation[i] - fx.expected.activations[i]) < 1e-4);
  }
  assert.deepEqual(graph.logitTargets.map((t) => t.vocabIdx), Array.from(fx.expected.logit_ids));
  if (probabilities) graph.logitProbabilities.forEach((p, k) => assert.ok(Math.abs(p - fx.expected.logit_probs[k]) < 1e-5, 'logit probabilities'));
  const { worst, max } = adjacencyError(res, fx.expected.adjacency);
  if (process.env.SELF_TRACE_VERBOSE) console.log(`${name}: adjacency max error ${worst.toExponential(2)}, largest edge ${max.toFixed(3)}`);
  assert.ok(worst <= 1e-4 * max, `max error ${worst} vs largest edge ${max}`);
}

/**
 * circuit-tracer's acceptance check (constrained.ts) over every feature, every error node and every token after
 * BOS. `config` is the model config the frozen forward is built from (Gemma-2 drops its final soft-cap there).
 */
export async function assertFrozenForwardColumns(name: string, fx: Fixture, config: ModelConfig = fx.model.config): Promise<void> {
  const res = await attributeFixture(fx);
  const spec = { freeze: { patterns: true, normScales: true, mlpOut: true }, mlpOutDelta: true, embedDelta: true };
  const session = await GraphSession.create(familyOf(config).forwardGraph(config, fx.model.weights, spec), { threads: 1 });
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
}

/** Attributes under the fixture's feature budget and checks the selection is circuit-tracer's, in its order. */
export async function assertBudgetSelection(name: string, fx: Fixture): Promise<AttributionResult> {
  const { max_feature_nodes, batch_size, update_interval } = fx.meta.budget;
  const res = await attributeFixture(fx, { maxFeatureNodes: max_feature_nodes, batchSize: batch_size, updateInterval: update_interval });
  assert.deepEqual(Array.from(res.graph.selectedFeatures), Array.from(fx.expected.selected), name);
  return res;
}
