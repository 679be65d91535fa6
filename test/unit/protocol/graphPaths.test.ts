// The strongest paths of the embedded model's Dallas graph, checked against a brute-force enumeration of every
// path from the target to a source, written here independently of the k-best programme.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGraphJson, type GraphJson } from '../../../src/protocol/graph-json';
import { chainText, directEffects, shareText, targetNodeOf, topPaths } from '../../../src/protocol/graphPaths';
import dallasJson from '../../fixtures/graphs/organism-dallas.graph.json';

const parsed = parseGraphJson(dallasJson);
assert.ok(parsed.ok);
const dallas = parsed.graph;

/** Every path from the target down to a node without incoming links, with its weight and sign, by enumeration. */
function allPaths(graph: GraphJson): { ids: string[]; weight: number; sign: number }[] {
  const into = new Map<string, { source: string; weight: number }[]>();
  for (const l of graph.links) into.set(l.target, [...(into.get(l.target) ?? []), l]);
  const out: { ids: string[]; weight: number; sign: number }[] = [];
  const walk = (id: string, ids: string[], weight: number, sign: number) => {
    const edges = into.get(id) ?? [];
    if (edges.length === 0) { out.push({ ids: [...ids].reverse(), weight, sign }); return; }
    const sum = edges.reduce((s, e) => s + Math.abs(e.weight), 0);
    for (const e of edges) walk(e.source, [...ids, e.source], weight * Math.abs(e.weight) / sum, sign * Math.sign(e.weight));
  };
  const target = targetNodeOf(graph)!;
  walk(target.node_id, [target.node_id], 1, 1);
  return out;
}

test('the target is the graph\'s " Austin" logit', () => {
  assert.equal(targetNodeOf(dallas)?.node_id, '5_701_10');
});

test('every path weight sums to 1 over the target\'s sources (tokens and errors), so a path\'s weight is its share', () => {
  const paths = allPaths(dallas);
  assert.ok(paths.length > 50, `${paths.length} paths`);
  const total = paths.reduce((s, p) => s + p.weight, 0);
  assert.ok(Math.abs(total - 1) < 1e-9, `total ${total}`);
});

const kind = (id: string) => dallas.nodes.find((n) => n.node_id === id)?.feature_type;
const bos = dallas.nodes.find((n) => n.feature_type === 'embedding' && n.ctx_idx === 0)!.node_id;
const grounded = () => allPaths(dallas).filter((p) => kind(p.ids[0]) === 'embedding' && p.ids[0] !== bos).sort((a, b) => b.weight - a.weight);

test('the top paths are the heaviest token-grounded paths through a feature of the enumeration, in order, BOS left out', () => {
  const throughFeature = grounded().filter((p) => p.ids.some((id) => kind(id) === 'cross layer transcoder'));
  const top = topPaths(dallas, { count: 8 });
  assert.equal(top.length, 8);
  top.forEach((p, i) => {
    assert.ok(Math.abs(p.weight - throughFeature[i].weight) < 1e-12, `path ${i}: ${p.weight} vs ${throughFeature[i].weight}`);
    assert.deepEqual(p.steps.map((s) => s.nodeId), throughFeature[i].ids, `path ${i}`);
    assert.equal(p.sign, throughFeature[i].sign);
  });
  for (let i = 1; i < top.length; i++) assert.ok(top[i].weight <= top[i - 1].weight);
});

test('paths of one sign: the heaviest raising (lowering) token-grounded paths through a feature of the enumeration, in order', () => {
  const throughFeature = grounded().filter((p) => p.ids.some((id) => kind(id) === 'cross layer transcoder'));
  for (const sign of [1, -1] as const) {
    const expected = throughFeature.filter((p) => p.sign === sign);
    const top = topPaths(dallas, { count: 8, sign });
    assert.equal(top.length, 8);
    top.forEach((p, i) => {
      assert.equal(p.sign, sign);
      assert.ok(Math.abs(p.weight - expected[i].weight) < 1e-12, `sign ${sign} path ${i}: ${p.weight} vs ${expected[i].weight}`);
      assert.deepEqual(p.steps.map((s) => s.nodeId), expected[i].ids, `sign ${sign} path ${i}`);
    });
  }
  // the heaviest path of all lowers Austin, so the raising list starts further down the overall order
  assert.equal(topPaths(dallas, { count: 1 })[0].sign, -1);
});

test('without the feature condition the paths are all grounded paths; the direct effects are the two-step ones', () => {
  const all = grounded();
  const top = topPaths(dallas, { count: 6, throughFeatures: false });
  top.forEach((p, i) => assert.deepEqual(p.steps.map((s) => s.nodeId), all[i].ids, `path ${i}`));
  const direct = directEffects(dallas, { count: 3 });
  const expected = all.filter((p) => p.ids.length === 2).slice(0, 3);
  assert.deepEqual(direct.map((p) => p.steps[0].nodeId), expected.map((p) => p.ids[0]));
  assert.deepEqual(direct.map((p) => chainText(p)), ['Dallas → Austin · 12%', 'is → Austin · 5.7%', 'state → Austin · 3.5%']);
});

test('the strongest path through a feature runs from " Dallas" to " Austin"; the chain reads token → feature → output · share', () => {
  const [first] = topPaths(dallas, { count: 3 });
  assert.equal(first.steps[0].kind, 'token');
  assert.equal(first.steps[first.steps.length - 1].name, 'Austin');
  console.log(topPaths(dallas, { count: 5 }).map(chainText).join('\n'));
  assert.equal(first.steps[0].name, 'Dallas');
  assert.ok(first.steps.some((s) => s.kind === 'feature'), 'through a feature');
  assert.match(chainText(first), /^Dallas → L\d\/\d+.* → Austin · −?\d+(\.\d)?%$/);
});

test('user labels replace the file\'s, the BOS paths come back on request, and a graph without a target has no paths', () => {
  const [first] = topPaths(dallas, { count: 1 });
  const feature = dallas.nodes.find((n) => n.node_id === first.steps.find((s) => s.kind === 'feature')!.nodeId)!;
  const labelled = topPaths(dallas, { count: 1, clerps: new Map([[`${feature.layer}_${feature.feature}_${feature.ctx_idx}`, 'Texas']]) });
  assert.ok(labelled[0].steps.some((s) => s.label === 'Texas'));
  assert.ok(topPaths(dallas, { count: 200, includeBos: true, throughFeatures: false }).some((p) => p.steps[0].ctx === 0));
  assert.ok(!topPaths(dallas, { count: 200, throughFeatures: false }).some((p) => p.steps[0].ctx === 0));
  assert.deepEqual(topPaths({ ...dallas, nodes: dallas.nodes.filter((n) => n.feature_type !== 'logit') }), []);
});

test('a cyclic (malformed) graph still answers, and shares read as percentages', () => {
  const cyclic: GraphJson = { ...dallas, links: [...dallas.links, { source: '5_701_10', target: dallas.links[0].target, weight: 1 }] };
  assert.ok(topPaths(cyclic, { count: 3 }).length > 0);
  assert.equal(shareText(0.314), '31%');
  assert.equal(shareText(0.042), '4.2%');
  assert.equal(shareText(0.0031), '0.31%');
});
