// The acceptance check from the attribution issue, through the user-facing intervention API: in constrained mode,
// doubling a feature (a → 2a) moves every other active feature's pre-activation and every target's demeaned logit
// by exactly that feature's adjacency column (circuit-tracer's tolerances: features 5e-4 + 1e-5·|adj|, logits
// 1e-5 + 1e-3·|adj|, fp32).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { graphLayout } from '../../../../src/engine/attribution/graph';
import { Intervener } from '../../../../src/engine/interventions/intervene';
import { FIXTURE_NAMES, loadFixture } from '../attribution/fixtureModel';

for (const name of FIXTURE_NAMES) {
  test(`${name}: constrained mode reproduces every feature's adjacency column (pre-activations and demeaned logits)`, async () => {
    const fx = await loadFixture(name);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const iv = await Intervener.create(fx.model, fx.transcoders, { threads: 1 });
    const lay = graphLayout(graph);
    const adj = graph.adjacency;
    const entry = (t: number, s: number) => {
      for (let e = adj.rowPtr[t]; e < adj.rowPtr[t + 1]; e++) if (adj.cols[e] === s) return adj.vals[e];
      return 0;
    };
    const af = graph.activeFeatures;
    const key = (l: number, p: number, f: number) => `${l}:${p}:${f}`;
    const targets = graph.logitTargets.map((t) => t.vocabIdx);
    let worstFeature = -Infinity;
    let worstLogit = -Infinity;
    let where = '';
    let largest = 0;
    let maxFeatureError = 0;
    let maxLogitError = 0;
    for (let s = 0; s < lay.nFeatures; s++) {
      const a = graph.selectedFeatures[s];
      const res = await iv.intervene(
        fx.ids,
        [{ features: [{ layer: af.layer[a], feature: af.feature[a] }], positions: [af.pos[a]], op: { kind: 'scale', factor: 2 } }],
        { mode: 'constrained', preActivations: true, maxChanges: Infinity, targets },
      );
      assert.equal(res.applied.length, 1);
      assert.ok(Math.abs(res.applied[0].value - 2 * af.activation[a]) < 1e-5 * Math.max(1, af.activation[a]), 'applied value is 2a');
      const delta = new Map(res.changes.map((c) => [key(c.layer, c.pos, c.feature), c.delta]));
      for (let t = 0; t < lay.nFeatures; t++) {
        if (t === s) continue;
        const b = graph.selectedFeatures[t];
        const got = delta.get(key(af.layer[b], af.pos[b], af.feature[b])) ?? 0;
        const want = entry(t, s);
        largest = Math.max(largest, Math.abs(want));
        maxFeatureError = Math.max(maxFeatureError, Math.abs(got - want));
        const ex = Math.abs(got - want) - (5e-4 + 1e-5 * Math.abs(want));
        if (ex > worstFeature) [worstFeature, where] = [ex, `feature ${t} <- ${s}: ${got} vs ${want}`];
      }
      res.targets.forEach((tc, k) => {
        const want = entry(lay.logitStart + k, s);
        maxLogitError = Math.max(maxLogitError, Math.abs(tc.demeanedLogitDelta - want));
        const ex = Math.abs(tc.demeanedLogitDelta - want) - (1e-5 + 1e-3 * Math.abs(want));
        if (ex > worstLogit) worstLogit = ex;
        if (ex > 0) where = `logit ${k} <- ${s}: ${tc.demeanedLogitDelta} vs ${want}`;
      });
    }
    iv.dispose();
    if (process.env.SELF_TRACE_VERBOSE) console.log(name, { features: lay.nFeatures, maxFeatureError, maxLogitError, largest });
    assert.ok(largest > 0.05, 'the columns are not trivially zero');
    assert.ok(worstFeature <= 0 && worstLogit <= 0, `${where} (excess ${worstFeature}, ${worstLogit})`);
  });
}
