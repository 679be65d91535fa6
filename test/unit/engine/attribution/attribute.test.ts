import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { sparseToDense } from '../../../../src/engine/attribution/graph';
import { assertBudgetSelection, assertMatchesAutograd } from './fixtureChecks';
import { FIXTURE_NAMES, loadFixture } from './fixtureModel';

for (const name of FIXTURE_NAMES) {
  test(`${name}: the full adjacency matches PyTorch autograd to 1e-4 of the largest edge`, async () => {
    await assertMatchesAutograd(name, await loadFixture(name));
  });
}

test('a feature budget selects the features circuit-tracer would, in influence order, and keeps their rows exact', async () => {
  for (const name of ['plt-relu-skip', 'clt-relu']) {
    const fx = await loadFixture(name);
    const { graph } = await assertBudgetSelection(name, fx);
    const full = fx.expected.adjacency;
    const A = fx.meta.n_active;
    const Nfull = Math.sqrt(full.length);
    const N = graph.adjacency.n;
    const F = fx.meta.budget.max_feature_nodes;
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
