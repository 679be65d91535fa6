import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { graphLayout } from '../../../../src/engine/attribution/graph';
import { familyOf } from '../../../../src/engine/families/registry';
import { GraphSession } from '../../../../src/engine/onnx/session';
import { checkColumns } from './constrained';
import { FIXTURE_NAMES, loadFixture } from './fixtureModel';

for (const name of FIXTURE_NAMES) {
  test(`${name}: in the frozen forward, adding any source once more moves pre-activations and demeaned logits by its adjacency column`, async () => {
    const fx = await loadFixture(name);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const res = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const spec = { freeze: { patterns: true, normScales: true, mlpOut: true }, mlpOutDelta: true, embedDelta: true };
    const session = await GraphSession.create(familyOf(fx.model.config).forwardGraph(fx.model.config, fx.model.weights, spec), { threads: 1 });
    const lay = graphLayout(res.graph);
    // every feature, every error and token node after BOS
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
