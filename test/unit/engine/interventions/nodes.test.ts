import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { graphLayout } from '../../../../src/engine/attribution/graph';
import { pruneGraph } from '../../../../src/engine/attribution/prune';
import { EngineError } from '../../../../src/engine/errors';
import { buildGraphFile, nodeKind } from '../../../../src/engine/formats/graphJson';
import { Intervener } from '../../../../src/engine/interventions/intervene';
import { interventionsForNodes } from '../../../../src/engine/interventions/nodes';
import { loadFixture } from '../attribution/fixtureModel';

test('graph feature nodes become interventions at their positions, and the engine sees the activations the graph shows', async () => {
  const fx = await loadFixture('clt-relu');
  const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
  const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
  at.dispose();
  const file = buildGraphFile(graph, pruneGraph(graph.adjacency, graphLayout(graph), graph.logitProbabilities, 0.8, 0.98), { slug: 'nodes', nodeThreshold: 0.8, edgeThreshold: 0.98 });
  const features = file.nodes.filter((n) => nodeKind(n) === 'feature');
  const chosen = [features[0], features[1], features.at(-1)!];
  const ivs = interventionsForNodes(file, chosen.map((n) => n.node_id), { kind: 'scale', factor: 0 });
  assert.equal(ivs.reduce((s, iv) => s + iv.features.length, 0), 3);
  for (const iv of ivs) assert.equal((iv.positions as number[]).length, 1, 'one position per group');

  const engine = await Intervener.create(fx.model, fx.transcoders, { threads: 1 });
  const res = await engine.intervene(fx.ids, ivs, { mode: 'constrained' });
  engine.dispose();
  for (const n of chosen) {
    const [l, f, p] = n.node_id.split('_').map(Number);
    const a = res.applied.find((x) => x.layer === l && x.feature === f && x.pos === p);
    assert.ok(a, `applied ${n.node_id}`);
    assert.ok(Math.abs(a.clean - (n.activation as number)) < 1e-4, `${n.node_id}: ${a.clean} vs ${n.activation}`);
    assert.equal(a.value, 0);
  }

  const everywhere = interventionsForNodes(file, chosen.map((n) => n.node_id), { kind: 'steer', strength: 1 }, 'all');
  assert.equal(everywhere.length, 1);
  assert.equal(everywhere[0].positions, 'all');
  const notFeature = file.nodes.find((n) => nodeKind(n) === 'logit')!;
  assert.throws(
    () => interventionsForNodes(file, [notFeature.node_id], { kind: 'scale', factor: 0 }),
    (e: unknown) => EngineError.is(e, 'badInput') && /Only transcoder features can be changed; ".*" is an output logit/.test(e.message),
  );
  assert.throws(() => interventionsForNodes(file, ['9_9_9'], { kind: 'scale', factor: 0 }), /The graph has no node "9_9_9"/);
});
