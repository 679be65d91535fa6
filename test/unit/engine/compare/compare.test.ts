import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { compareGraphs, chooseMode } from '../../../../src/engine/compare/compare';
import { nodeInfluence } from '../../../../src/engine/compare/influence';
import { matchScore } from '../../../../src/engine/compare/labelMatch';
import { readGraphJson } from '../../../../src/engine/formats/graphJson';
import { cantor, featureKeyOf, type GraphJson, type GraphNode } from '../../../../src/protocol/graph-json';
import { nodeMarks, parseGraphComparison } from '../../../../src/protocol/graphCompare';

const load = (name: string) => readGraphJson(fs.readFileSync(`test/fixtures/graphs/${name}`, 'utf8'));
const en = () => load('multilingual/en.graph.json');
const es = () => load('multilingual/es.graph.json');
const fr = () => load('multilingual/fr.graph.json');

const node = (id: string, type: string, extra: Partial<GraphNode> = {}): GraphNode => ({
  node_id: id, feature: null, layer: '0', ctx_idx: 0, feature_type: type, jsNodeId: id, clerp: '', ...extra,
});

test('influence flows back from the logits along |weight|-normalised links (circuit-tracer compute_node_influence)', () => {
  // tok → f (w 3) → logit; tok → err (w 1) → logit; f → logit w 3, err → logit w 1, tok → logit w 0
  const g: GraphJson = {
    metadata: { slug: 's', scan: 'x', prompt_tokens: ['a'], prompt: 'a', schema_version: 1 },
    qParams: {},
    nodes: [node('E_1_0', 'embedding'), node('0_5_0', 'cross layer transcoder', { feature: cantor(0, 5) }), node('0_-1_0', 'mlp reconstruction error'), node('L', 'logit', { token_prob: 1 })],
    links: [
      { source: 'E_1_0', target: '0_5_0', weight: 3 },
      { source: '0_5_0', target: 'L', weight: -3 },
      { source: '0_-1_0', target: 'L', weight: 1 },
    ],
  };
  const infl = nodeInfluence(g);
  assert.deepEqual([...infl], [0.75, 0.75, 0.25, 0], 'f carries 3/4 of the logit input, the token reaches it only through f');
});

test('the same fact in English and French shares most concept features; Spanish far fewer (id matching)', () => {
  const a = en();
  const b = fr();
  assert.equal(chooseMode(a, b).mode, 'id');
  const c = compareGraphs(a, b);
  const keys = (g: GraphJson) => new Set(g.nodes.map((n) => (n.feature_type === 'cross layer transcoder' ? featureKeyOf(n, 1) : null)).filter((k) => k !== null));
  const ka = keys(a);
  const kb = keys(b);
  const both = [...ka].filter((k) => kb.has(k));
  assert.equal(c.headline.shared, both.length);
  assert.deepEqual(new Set(c.shared.map((s) => s.a.key)), new Set(both));
  assert.equal(c.headline.onlyA, ka.size - both.length);
  assert.equal(c.headline.onlyB, kb.size - both.length);
  assert.ok(c.shared.every((s) => s.a.key === s.b.key && s.score === 1));
  // per-layer rows add up to the distinct features
  assert.equal(c.layers.reduce((t, l) => t + l.a, 0), ka.size);
  assert.equal(c.layers.reduce((t, l) => t + l.sharedB, 0), both.length);
  // the influence fractions are the shared features' share of each side's feature influence
  const total = c.shared.reduce((t, s) => t + s.a.influence, 0) + c.onlyA.reduce((t, f) => t + f.influence, 0);
  assert.ok(Math.abs(total - 1) < 1e-9);
  assert.ok(c.headline.sharedInfluenceA > 0.8 && c.headline.sharedInfluenceB > 0.5, JSON.stringify(c.headline));
  const s = compareGraphs(a, es());
  assert.ok(s.headline.sharedInfluenceA < c.headline.sharedInfluenceA / 2, `Spanish shares less: ${JSON.stringify(s.headline)}`);
  // swapping A and B swaps the sides
  const back = compareGraphs(b, a);
  assert.equal(back.headline.sharedInfluenceA, c.headline.sharedInfluenceB);
  assert.ok(parseGraphComparison(JSON.parse(JSON.stringify(c))).ok);
});

test('a graph compared with itself shares everything', () => {
  const c = compareGraphs(en(), en());
  assert.equal(c.headline.onlyA + c.headline.onlyB, 0);
  assert.ok(Math.abs(c.headline.sharedInfluenceA - 1) < 1e-9);
  assert.equal(c.headline.jaccard, 1);
});

/** The same graph as if traced with another transcoder set: every feature index moved, labels and tokens kept. */
function renumbered(g: GraphJson): GraphJson {
  const copy = JSON.parse(JSON.stringify(g)) as GraphJson;
  copy.metadata.scan = 'other-transcoders';
  const ids = new Map<string, string>();
  for (const n of copy.nodes) {
    if (n.feature_type !== 'cross layer transcoder') continue;
    const [l, f, p] = n.node_id.split('_').map(Number);
    ids.set(n.node_id, `${l}_${f + 5000}_${p}`);
    n.node_id = `${l}_${f + 5000}_${p}`;
    n.feature = cantor(l, f + 5000);
  }
  for (const l of copy.links) {
    l.source = ids.get(l.source) ?? l.source;
    l.target = ids.get(l.target) ?? l.target;
  }
  const features = copy.selfTracing!.features!;
  copy.selfTracing!.features = Object.fromEntries(Object.entries(features).map(([k, v]) => {
    const [l, f] = k.split('_').map(Number);
    return [`${l}_${f + 5000}`, v];
  }));
  return copy;
}

test('different transcoder sets: features matched by label and promoted tokens find the renumbered originals', () => {
  const a = fr();
  const b = renumbered(a);
  assert.equal(chooseMode(a, b).mode, 'label');
  const c = compareGraphs(a, b);
  assert.equal(c.mode, 'label');
  assert.ok(c.headline.shared >= 0.8 * c.a.features, `${c.headline.shared} of ${c.a.features} matched`);
  const right = c.shared.filter((s) => Number(s.b.key.split('_')[1]) === Number(s.a.key.split('_')[1]) + 5000 && s.a.layer === s.b.layer);
  assert.ok(right.length >= 0.9 * c.shared.length, `${right.length} of ${c.shared.length} pairs are the original feature`);
  assert.ok(c.shared.every((s) => s.score >= 0.5 && s.score <= 1));
  const marks = nodeMarks(c, 'b');
  assert.equal(marks.get(c.shared[0].b.nodeIds[0])?.mark, 'shared');
});

test('match scores: placeholder labels mean nothing, promoted tokens weigh most', () => {
  assert.equal(matchScore({ label: 'L0/12', promoted: [] }, { label: 'L0/12', promoted: [] }), 0);
  assert.equal(matchScore({ label: 'say Austin', promoted: [' Austin', ' Texas'] }, { label: 'say Austin', promoted: [' Austin', ' Texas'] }), 1);
  const s = matchScore({ label: 'capital', promoted: [' Paris', ' Rome'] }, { label: 'city', promoted: [' Paris', ' Madrid'] });
  assert.ok(Math.abs(s - 0.6 / 3) < 1e-12, String(s));
});

test("circuit-tracer's files compare too (different scans → label matching)", () => {
  const c = compareGraphs(load('circuit-tracer-schema0.json'), load('circuit-tracer-schema1.json'));
  assert.equal(c.mode, 'label');
  assert.match(c.modeReason, /different transcoders/);
  assert.equal(c.a.features, 1);
});
