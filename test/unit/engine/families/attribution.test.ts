import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { adjacencyError, assertBudgetSelection, assertFrozenForwardColumns, assertMatchesAutograd } from '../attribution/fixtureChecks';
import { loadFixture } from '../attribution/fixtureModel';
import { FAMILY_FIXTURES, FAMILY_FIXTURE_NAMES } from './fixtures';

for (const name of FAMILY_FIXTURE_NAMES) {
  test(`${name}: the full adjacency matches PyTorch autograd to 1e-4 of the largest edge`, async () => {
    await assertMatchesAutograd(name, await loadFixture(name, FAMILY_FIXTURES));
  });

  test(`${name}: a feature budget selects circuit-tracer's features in influence order`, async () => {
    await assertBudgetSelection(name, await loadFixture(name, FAMILY_FIXTURES));
  });

  test(`${name}: circuit-tracer's frozen-forward check: adding a source once more moves pre-activations and logits by its column`, async () => {
    await assertFrozenForwardColumns(name, await loadFixture(name, FAMILY_FIXTURES));
  });
}

test('one backward session serves every layer after the first (their weights are fed): 5 sessions for 3 layers, the same graph', async () => {
  for (const name of FAMILY_FIXTURE_NAMES) {
    const fx = await loadFixture(name, FAMILY_FIXTURES);
    assert.equal(fx.model.config.nLayers, 3);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    try {
      const res = await at.attribute(fx.ids, { maxFeatureNodes: null });
      // top; layer 0 and layers 1–2, each as an entry step and not (one per layer would be 2 × 3 + 1)
      assert.equal(at.backwardSessions, 5, name);
      const { worst, max } = adjacencyError(res, fx.expected.adjacency);
      assert.ok(worst <= 1e-4 * max, `${name}: max error ${worst} vs largest edge ${max}`);
    } finally {
      at.dispose();
    }
  }
});
