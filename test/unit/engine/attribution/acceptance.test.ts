import { test } from 'node:test';
import { assertFrozenForwardColumns } from './fixtureChecks';
import { FIXTURE_NAMES, loadFixture } from './fixtureModel';

for (const name of FIXTURE_NAMES) {
  test(`${name}: in the frozen forward, adding any source once more moves pre-activations and demeaned logits by its adjacency column`, async () => {
    await assertFrozenForwardColumns(name, await loadFixture(name));
  });
}
