import { test } from 'node:test';
import { assertBudgetSelection, assertFrozenForwardColumns, assertMatchesAutograd } from '../attribution/fixtureChecks';
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
