import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { graphLayout } from '../../../../src/engine/attribution/graph';
import { Intervener } from '../../../../src/engine/interventions/intervene';
import { loadFixture } from '../attribution/fixtureModel';
import { FAMILY_FIXTURES, FAMILY_FIXTURE_NAMES } from './fixtures';

for (const name of FAMILY_FIXTURE_NAMES) {
  test(`${name}: ablating a feature in constrained mode moves each demeaned target logit by minus its graph edge`, async () => {
    const fx = await loadFixture(name, FAMILY_FIXTURES);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const res = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const iv = await Intervener.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph, components: c } = res;
    const lay = graphLayout(graph);
    const adj = graph.adjacency;
    const entry = (t: number, s: number) => {
      for (let e = adj.rowPtr[t]; e < adj.rowPtr[t + 1]; e++) if (adj.cols[e] === s) return adj.vals[e];
      return 0;
    };
    const targets = graph.logitTargets.map((t) => t.vocabIdx);
    // the features with the largest direct effect on the top logit, one per layer at most three
    const order = Array.from({ length: lay.nFeatures }, (_, i) => i).sort((i, j) => Math.abs(entry(lay.logitStart, j)) - Math.abs(entry(lay.logitStart, i)));
    let max = 0;
    for (let e = 0; e < adj.vals.length; e++) max = Math.max(max, Math.abs(adj.vals[e]));
    let worst = 0;
    for (const s of order.slice(0, 4)) {
      const a = graph.selectedFeatures[s];
      const r = await iv.intervene(fx.ids, [{ features: [{ layer: c.layer[a], feature: c.feature[a] }], positions: [c.pos[a]], op: { kind: 'scale', factor: 0 } }], {
        mode: 'constrained',
        targets,
      });
      r.targets.forEach((t, k) => {
        const want = -entry(lay.logitStart + k, s);
        worst = Math.max(worst, Math.abs(t.demeanedLogitDelta - want));
        assert.ok(Math.abs(t.demeanedLogitDelta - want) <= 1e-4 * max + 1e-5, `feature ${s} → logit ${k}: Δ ${t.demeanedLogitDelta} vs −edge ${want}`);
      });
    }
    iv.dispose();
    if (process.env.SELF_TRACE_VERBOSE) console.log(`${name}: constrained ablation vs −edge, worst ${worst.toExponential(2)} (largest edge ${max.toFixed(2)})`);
  });
}
