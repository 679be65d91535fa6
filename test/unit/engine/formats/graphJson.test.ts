import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Ajv from 'ajv';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { graphLayout } from '../../../../src/engine/attribution/graph';
import { keepAll, pruneGraph } from '../../../../src/engine/attribution/prune';
import { buildGraphFile, cantor, featureOf, nodeKind, readGraphJson, writeGraphJson } from '../../../../src/engine/formats/graphJson';
import { uncantor, type GraphJson } from '../../../../src/protocol/graph-json';
import { loadFixture } from '../attribution/fixtureModel';

const schema = JSON.parse(fs.readFileSync('test/fixtures/graph-schema.json', 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const assertValid = (f: unknown) => assert.ok(validate(f), JSON.stringify(validate.errors));

/** Ids of every selected feature of the last fixture graph, pruned or not. */
let selectedFeatureIds = new Set<string>();

async function fixtureGraphFile(nodeThreshold = 0.8, edgeThreshold = 0.98, prune = true): Promise<GraphJson> {
  const fx = await loadFixture('plt-relu-skip');
  const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
  const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
  at.dispose();
  const lay = graphLayout(graph);
  selectedFeatureIds = new Set(Array.from(graph.selectedFeatures, (a) => `${graph.activeFeatures.layer[a]}_${graph.activeFeatures.feature[a]}_${graph.activeFeatures.pos[a]}`));
  const pruned = prune ? pruneGraph(graph.adjacency, lay, graph.logitProbabilities, nodeThreshold, edgeThreshold) : keepAll(graph.adjacency, lay, graph.logitProbabilities);
  return buildGraphFile(graph, pruned, { slug: 'fixture', nodeThreshold, edgeThreshold });
}

test('a written graph validates against the Neuronpedia schema and has circuit-tracer ids', async () => {
  const f = await fixtureGraphFile();
  assertValid(f);
  assert.equal(f.metadata.schema_version, 1);
  const ids = new Set(f.nodes.map((n) => n.node_id));
  assert.equal(ids.size, f.nodes.length, 'node ids are unique');
  for (const l of f.links) assert.ok(ids.has(l.source) && ids.has(l.target), 'links join written nodes');
  const kinds = f.nodes.map(nodeKind);
  assert.ok(kinds.includes('feature') && kinds.includes('embedding') && kinds.includes('logit'));
  for (const n of f.nodes) {
    if (nodeKind(n) === 'feature') {
      const [l, feat, p] = n.node_id.split('_').map(Number);
      assert.equal(n.feature, cantor(l, feat));
      assert.deepEqual(featureOf(f, n), { layer: l, feature: feat });
      assert.equal(n.jsNodeId, `${l}_${feat}-0`);
      assert.equal(n.ctx_idx, p);
      assert.equal(typeof n.activation, 'number');
    } else if (nodeKind(n) === 'error') {
      // circuit-tracer's `0_{layer}_{pos}` (graph_models.py), unless a layer-0 feature has that id
      const layer = Number(n.layer);
      const ct = `0_${layer}_${n.ctx_idx}`;
      assert.equal(n.node_id, selectedFeatureIds.has(ct) ? `${layer}_-1_${n.ctx_idx}` : ct, 'the fallback only where a layer-0 feature has the id');
      assert.equal(n.feature, -1);
    } else if (nodeKind(n) === 'logit') {
      assert.equal(n.layer, '4');
      assert.match(n.clerp, /^Output ".*" \(p=\d\.\d{3}\)$/);
      assert.equal(n.influence, null);
    }
  }
  assert.equal(f.nodes.filter((n) => n.is_target_logit).length, 1);
  // every node but embeddings and logits is in some link; no link enters an error or embedding node
  const linked = new Set(f.links.flatMap((l) => [l.source, l.target]));
  for (const n of f.nodes) if (nodeKind(n) === 'feature' || nodeKind(n) === 'error') assert.ok(linked.has(n.node_id));
  const byId = new Map(f.nodes.map((n) => [n.node_id, n]));
  for (const l of f.links) assert.ok(['feature', 'logit'].includes(nodeKind(byId.get(l.target)!)));
  assert.deepEqual(Object.keys(f).sort(), ['links', 'metadata', 'nodes', 'qParams', 'selfTracing']);
});

test('without pruning every computed edge is written', async () => {
  const f = await fixtureGraphFile(1, 1, false);
  assertValid(f);
  const fx = await loadFixture('plt-relu-skip');
  let nnz = 0;
  for (const v of fx.expected.adjacency) if (v !== 0) nnz++;
  assert.equal(f.links.length, nnz);
});

for (const name of ['circuit-tracer-schema0.json', 'circuit-tracer-schema1.json']) {
  test(`${name}: read and written back keeps every field`, () => {
    const text = fs.readFileSync(`test/fixtures/graphs/${name}`, 'utf8');
    const f = readGraphJson(text);
    assertValid(f);
    assert.deepEqual(JSON.parse(writeGraphJson(f)), JSON.parse(text));
    const feat = f.nodes.find((n) => nodeKind(n) === 'feature')!;
    assert.deepEqual(featureOf(f, feat), { layer: 20, feature: 15589 });
    const errors = f.nodes.filter((n) => nodeKind(n) === 'error');
    assert.ok(errors.length > 0 && errors.every((n) => n.feature === -1));
  });
}

test('the Cantor pairing inverts, including at large feature indices', () => {
  for (const [l, f] of [[0, 0], [3, 7], [25, 16383], [15, 131071], [40, 2_000_000]]) assert.deepEqual(uncantor(cantor(l, f)), { layer: l, index: f });
});

test('reading rejects files that are not graphs, with a message', () => {
  assert.throws(() => readGraphJson('{'), /not valid JSON/);
  assert.throws(() => readGraphJson('{"metadata": {}, "nodes": [], "links": [{"source": 1}]}'), /not an attribution graph: metadata.slug/);
  assert.throws(() => readGraphJson('[]'), /not a JSON object/);
});
