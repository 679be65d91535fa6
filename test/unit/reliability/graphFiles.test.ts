// Item 4 of issue 17: graph files that pass the schema but break the panel. Out-of-range layers, positions and
// prompt lengths are refused with a reason; graphs above what the panel draws are cut to their most influential
// part with a warning. A seeded generator mutates a real graph file into valid-looking hostile ones; every case
// must parse to ok with a graph the panel model can build, or to a reason — never throw.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parseGraphJson, type GraphJson } from '../../../src/protocol/graph-json';
import { MAX_DRAWN_LINKS, MAX_DRAWN_NODES, MAX_LAYERS, MAX_PROMPT_TOKENS } from '../../../src/protocol/graphLimits';
import { parseFromWebview } from '../../../src/protocol/messages';
import { buildModel } from '../../../webview/graph/model';
import { forCases, Rng } from './seeded';

const base = JSON.parse(fs.readFileSync('test/fixtures/graphs/organism-dallas.graph.json', 'utf8')) as GraphJson;
const clone = (): GraphJson => structuredClone(base);

test('a layer of 1e9, "1e7", 2.5 or -5 and a position of 1e9 are refused with a reason naming the node', () => {
  for (const layer of [1e9, '1e7', 2.5, '2.5', -5, MAX_LAYERS + 1]) {
    const g = clone();
    const n = g.nodes.find((x) => x.feature_type === 'cross layer transcoder')!;
    (n as { layer: unknown }).layer = layer;
    const r = parseGraphJson(g);
    assert.equal(r.ok, false, `layer ${layer}`);
    assert.match((r as { reason: string }).reason, new RegExp(`node ${n.node_id}: layer`));
  }
  for (const layer of ['E', 'Lgt', 3, '3', MAX_LAYERS]) {
    const g = clone();
    (g.nodes[0] as { layer: unknown }).layer = layer;
    assert.equal(parseGraphJson(g).ok, true, `layer ${JSON.stringify(layer)} is fine`);
  }
  const g = clone();
  g.nodes[0].ctx_idx = 1e9;
  assert.match((parseGraphJson(g) as { reason: string }).reason, /ctx_idx 1000000000/);
});

test('a million prompt tokens are refused before anything is laid out', () => {
  const g = clone();
  g.metadata.prompt_tokens = Array.from({ length: 1_000_000 }, () => 'a');
  const r = parseGraphJson(g);
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, new RegExp(`up to ${MAX_PROMPT_TOKENS} tokens`));
});

test('150,000 nodes are cut to the most influential the panel draws, with a warning, and the panel model builds', () => {
  const g = clone();
  const extra = 150_000;
  for (let i = 0; i < extra; i++) {
    g.nodes.push({ node_id: `x_${i}`, feature: i, layer: i % 4, ctx_idx: i % 10, feature_type: 'cross layer transcoder', jsNodeId: `x_${i}`, clerp: '', influence: 0.5 + (i / extra) * 0.5 });
  }
  const r = parseGraphJson(g);
  assert.ok(r.ok);
  assert.equal(r.graph.nodes.length, MAX_DRAWN_NODES);
  assert.ok(r.warnings.some((w) => /draws the 50000 most influential/.test(w)), r.warnings.join('\n'));
  for (const n of base.nodes) if (n.feature_type === 'embedding' || n.feature_type === 'logit') assert.ok(r.graph.nodes.some((m) => m.node_id === n.node_id), 'embeddings and logits stay');
  const model = buildModel(r.graph);
  assert.equal(model.nodes.length, MAX_DRAWN_NODES);
});

test('more links than the panel draws keep the strongest', () => {
  const g = clone();
  const ids = g.nodes.map((n) => n.node_id);
  const rng = new Rng(4);
  for (let i = 0; g.links.length <= MAX_DRAWN_LINKS; i++) g.links.push({ source: rng.pick(ids), target: rng.pick(ids), weight: rng.next() * 1e-6 });
  const r = parseGraphJson(g);
  assert.ok(r.ok);
  assert.equal(r.graph.links.length, MAX_DRAWN_LINKS);
  const strongest = Math.max(...base.links.map((l) => Math.abs(l.weight)));
  assert.ok(r.graph.links.some((l) => Math.abs(l.weight) === strongest), 'the strongest original link is kept');
});

test('a page error reaches the host as one bounded panelError message', () => {
  const r = parseFromWebview({ type: 'panelError', message: 'x'.repeat(10_000), detail: 'stack' });
  assert.ok(r.ok && r.message.type === 'panelError' && r.message.message.length === 500);
  assert.equal(parseFromWebview({ type: 'panelError', message: 3 }).ok, false);
});

/** one hostile mutation of a valid graph file */
function mutate(rng: Rng, g: GraphJson): void {
  const node = () => rng.pick(g.nodes) as unknown as Record<string, unknown>;
  const wild = (): unknown => rng.pick([1e9, -1, 2.5, '1e7', 'E', '', null, Number.NaN, 1e300, -0, '3', 'Lgt', [], {}, true, 2 ** 31]);
  switch (rng.int(0, 9)) {
    case 0: node().layer = wild(); break;
    case 1: node().ctx_idx = wild(); break;
    case 2: node().influence = wild(); break;
    case 3: node().activation = wild(); break;
    case 4: node().feature = wild(); break;
    case 5: node().node_id = rng.pick(g.nodes).node_id; break;
    case 6: g.links.push({ source: rng.pick(g.nodes).node_id, target: String(wild()), weight: rng.next() }); break;
    case 7: (rng.pick(g.links) as unknown as Record<string, unknown>).weight = wild(); break;
    case 8: g.metadata.prompt_tokens = Array.from({ length: rng.int(0, 3) }, () => rng.string(3, 'ab`<')); break;
    default: node().feature_type = rng.pick(['embedding', 'logit', 'mlp reconstruction error', 'lorsa', '', 'bias']);
  }
}

test('property: mutated graph files parse to a drawable graph or a reason, never a throw', () => {
  let refused = 0;
  let opened = 0;
  forCases(17004, 400, (rng) => {
    const g = clone();
    for (let k = rng.int(1, 4); k > 0; k--) mutate(rng, g);
    const r = parseGraphJson(g);
    if (!r.ok) {
      assert.ok(r.reason.length > 10, 'a reason in words');
      refused++;
      return;
    }
    opened++;
    const model = buildModel(r.graph);
    for (const n of model.nodes) assert.ok(Number.isFinite(n.row) && Math.abs(n.row) <= MAX_LAYERS + 1, `row ${n.row}`);
    for (const n of model.nodes) assert.ok(Number.isInteger(n.ctx) && n.ctx >= 0 && n.ctx < MAX_PROMPT_TOKENS, `ctx ${n.ctx}`);
  });
  assert.ok(refused > 20 && opened > 20, `refused ${refused}, opened ${opened}`);
  if (process.env.SELF_TRACE_VERBOSE) console.log(`graph files: ${refused + opened} cases, ${refused} refused with a reason, ${opened} drawn`);
});
