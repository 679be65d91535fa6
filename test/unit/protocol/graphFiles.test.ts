// Graph files: the node vocabulary, both forms' qParams, lossless round trips and conversions on fixtures in the
// shapes real circuit-tracer and Neuronpedia files take, and bad input.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { GraphJson } from '../../../src/protocol/graph-json';
import { parseGraphJson } from '../../../src/protocol/graph-json';
import { convertGraph, formOf, readSavedView, writeSavedView } from '../../../src/protocol/graphForms';
import { checkNeuronpediaSchema } from '../../../src/protocol/graphSchema';
import { parseGraphText, parseJsonLenient, writeGraphText } from '../../../src/protocol/graphText';
import { cantor, errorNodeId, featureKeyOf, isFeatureKind, nodeKindOf } from '../../../src/protocol/nodes';

const dir = 'test/fixtures/graphs';
const text = (name: string) => fs.readFileSync(`${dir}/${name}`, 'utf8');
const load = (name: string): GraphJson => {
  const p = parseGraphText(text(name));
  assert.ok(p.ok, p.ok ? '' : p.reason);
  return p.graph;
};
/** Everything but qParams, as plain data. */
const body = (g: GraphJson) => JSON.parse(JSON.stringify({ ...g, qParams: undefined }));

test('node kinds come from feature_type only; errors, lorsa errors and biases are not features', () => {
  assert.equal(nodeKindOf('cross layer transcoder'), 'feature');
  assert.equal(nodeKindOf('unexplored node'), 'feature');
  assert.equal(nodeKindOf('lorsa'), 'attention');
  for (const t of ['mlp reconstruction error', 'lorsa error']) assert.equal(nodeKindOf(t), 'error');
  assert.equal(nodeKindOf('bias'), 'bias');
  assert.equal(isFeatureKind(nodeKindOf('lorsa error')), false);
  assert.equal(isFeatureKind(nodeKindOf('bias')), false);
  const n = { node_id: '3_77_10', feature: cantor(3, 77), layer: '3', ctx_idx: 10, feature_type: 'cross layer transcoder' };
  assert.equal(featureKeyOf(n, 1), '3_77');
  assert.equal(featureKeyOf({ ...n, feature: 300077 }, 0), '3_77', 'schema 0 reads the index from the node id');
  assert.equal(featureKeyOf({ ...n, feature_type: 'lorsa error' }, 1), null);
});

test("error ids are circuit-tracer's 0_{layer}_{pos}, falling back only where a layer-0 feature owns that id", () => {
  assert.equal(errorNodeId(3, 9), '0_3_9');
  assert.equal(errorNodeId(3, 9, (id) => id === '0_3_9'), '3_-1_9');
});

test('the form of each fixture is told from its qParams and metadata', () => {
  assert.equal(formOf(load('circuit-tracer-saved.json')), 'circuit-tracer');
  assert.equal(formOf(load('neuronpedia-gemma-shape.json')), 'neuronpedia');
  assert.equal(formOf(load('circuit-tracer-schema0.json')), 'circuit-tracer');
});

test("circuit-tracer's saved view reads: comma pins, JSON-string supernodes, labels keyed by feature, supernode-N", () => {
  const g = load('circuit-tracer-saved.json');
  const v = readSavedView(g);
  assert.deepEqual(v.pinnedIds, ['20_15589_10', '21_5943_10', '16_25_9', 'E_26865_9', '27_22605_10']);
  assert.deepEqual(v.supernodes, [['Texas', '16_25_9', '20_15589_10']]);
  assert.equal(v.clickedId, 'supernode-0');
  assert.equal(v.pruningThreshold, 0.6);
  assert.equal(v.clerps[`20_${cantor(20, 15589)}_10`], 'say a capital', 'a feature-keyed label names the node by featureId');
  assert.equal(v.clerps[`16_${cantor(16, 25)}_9`], 'Texas <b>bold</b>');
});

for (const name of ['circuit-tracer-saved.json', 'neuronpedia-gemma-shape.json', 'circuit-tracer-schema0.json', 'circuit-tracer-schema1.json', 'organism-dallas.graph.json']) {
  test(`${name}: loads, saves in its own form without losing a field, converts both ways`, () => {
    const raw = parseJsonLenient(text(name)).value as GraphJson;
    const g = load(name);
    const form = formOf(g);
    // save in its own form: qParams rewritten from the view, everything else as it was (unknown fields included)
    const { qParams } = writeSavedView(readSavedView(g), form, g.nodes, g.qParams);
    const saved = parseGraphText(writeGraphText({ ...g, qParams }));
    assert.ok(saved.ok);
    assert.deepEqual(body(saved.graph), body(raw as GraphJson), 'every field but qParams survives the save');
    assert.equal(formOf(saved.graph), form, 'the file keeps its form');
    assert.deepEqual(readSavedView(saved.graph), readSavedView(g), 'the saved view reads back the same');
    for (const k of Object.keys(g.qParams)) assert.ok(k in saved.graph.qParams, `qParams.${k} is kept`);
    // both ways: the other form and back lose nothing of the view or the graph
    const other = form === 'circuit-tracer' ? 'neuronpedia' : 'circuit-tracer';
    const there = convertGraph(g, other).graph;
    assert.equal(formOf(there), other);
    const back = convertGraph(there, form).graph;
    assert.deepEqual(readSavedView(there), readSavedView(g));
    assert.deepEqual(readSavedView(back), readSavedView(g));
    assert.deepEqual(body({ ...back, metadata: { ...back.metadata, scan: g.metadata.scan } }), body({ ...g }));
    const np = convertGraph(g, 'neuronpedia').graph;
    assert.ok(Array.isArray(np.qParams.pinnedIds) && Array.isArray(np.qParams.supernodes), 'Neuronpedia gets arrays');
    assert.ok(np.qParams.clerps === undefined || Array.isArray(np.qParams.clerps));
    assert.deepEqual(checkNeuronpediaSchema(JSON.parse(writeGraphText(np))).errors.filter((e) => !/node\.clerp|jsNodeId/.test(e)), []);
    const ct = convertGraph(g, 'circuit-tracer').graph;
    assert.ok(ct.qParams.clerps === undefined || typeof ct.qParams.clerps === 'string', "circuit-tracer's frontend JSON.parses clerps");
  });
}

test("our own graph: circuit-tracer form scans the local features, Neuronpedia's names the model", () => {
  const g = load('organism-dallas.graph.json');
  assert.equal(convertGraph(g, 'circuit-tracer').graph.metadata.scan, './data/features');
  assert.equal(convertGraph(g, 'neuronpedia').graph.metadata.scan, g.selfTracing!.model);
  const foreign = load('neuronpedia-gemma-shape.json');
  assert.equal(convertGraph(foreign, 'circuit-tracer').graph.metadata.scan, 'gemma-2-2b', "others' scans are theirs");
});

test('labels differing by position of one feature: circuit-tracer keeps one and says so', () => {
  const g = load('circuit-tracer-schema1.json');
  const f = g.nodes.find((n) => n.feature_type === 'cross layer transcoder')!;
  const twin = { ...f, node_id: `${f.layer}_x_3`, ctx_idx: 3 };
  const nodes = [...g.nodes, twin];
  const view = { ...readSavedView({ ...g, nodes }), clerps: { [`${f.layer}_${f.feature}_${f.ctx_idx}`]: 'a', [`${f.layer}_${f.feature}_3`]: 'b' } };
  const out = writeSavedView(view, 'circuit-tracer', nodes, {});
  assert.deepEqual(JSON.parse(out.qParams.clerps as string), [[String(f.feature), 'a']]);
  assert.match(out.warnings[0], /^1 label\(s\) differ/);
  const np = writeSavedView(view, 'neuronpedia', nodes, {});
  assert.equal((np.qParams.clerps as [string, string][]).length, 2, 'Neuronpedia keeps both');
});

test('the written layout: stable key order, one node and one link per line, parses to the same graph', () => {
  const g = load('neuronpedia-gemma-shape.json');
  const out = writeGraphText(g);
  assert.equal(writeGraphText(JSON.parse(out)), out, 'writing is stable');
  const lines = out.split('\n');
  assert.equal(lines.filter((l) => l.startsWith('    {"node_id"')).length, g.nodes.length);
  assert.equal(lines.filter((l) => l.startsWith('    {"source"')).length, g.links.length);
  assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(g)));
  // a pin changes one line of the file
  const pinned = writeGraphText({ ...g, qParams: { ...g.qParams, pinnedIds: ['20_15589_10'] } }).split('\n');
  const before = new Set(lines);
  assert.ok(pinned.filter((l) => !before.has(l)).length <= 3 && pinned.length - lines.length <= 2);
});

test('bad input: NaN weights, duplicate ids, dangling links, __proto__ keys, markup; counted, nothing executes', () => {
  const g = JSON.parse(text('tiny.graph.json'));
  const first = g.nodes[0];
  const bad = JSON.stringify({ ...g, nodes: [...g.nodes, first, first], links: [...g.links, { source: 'gone', target: first.node_id, weight: 1 }] })
    .replace(/"weight":([-0-9.e]+)/, '"weight":NaN')
    .replace('"qParams":{', '"qParams":{"__proto__":{"polluted":true},')
    .replace(`"clerp":"${first.clerp}"`, '"clerp":"<img src=x onerror=alert(1)>"');
  const p = parseGraphText(bad);
  assert.ok(p.ok, p.ok ? '' : p.reason);
  const w = p.warnings.join('\n');
  assert.match(w, /^1 NaN\/Infinity value/m);
  assert.match(w, /^2 nodes repeat an id already used \(first: /m);
  assert.match(w, /^1 link names nodes that are not in the file/m);
  assert.match(w, /^1 link has no finite weight/m);
  assert.match(w, /^1 label contains HTML-like markup; it is shown as text/m);
  assert.match(w, /^1 key named __proto__/m);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(p.graph.qParams), Object.prototype);
  assert.equal(p.graph.nodes.length, g.nodes.length);
  assert.deepEqual(readSavedView({ qParams: { clerps: '[["__proto__","x"]]' }, nodes: p.graph.nodes }).clerps, Object.create(null));
  assert.equal(parseGraphText('{"metadata": ').ok, false);
  assert.equal(parseJsonLenient('{"a":"NaN and Infinity stay text","b":-Infinity}').replaced, 1);
});

test('10^6 nodes: the panel gets the most influential part with a warning that says so; writers read them all', () => {
  const n = 1_000_000;
  const make = () => ({
    metadata: { slug: 's', scan: 's', prompt: 'a', prompt_tokens: ['a'] }, qParams: {},
    nodes: Array.from({ length: n }, (_, i) => ({ node_id: `1_${i}_0`, feature: i, layer: '1', ctx_idx: 0, feature_type: 'cross layer transcoder', jsNodeId: '', clerp: '', influence: i / n })),
    links: [{ source: '1_0_0', target: '1_1_0', weight: 1 }],
  });
  const t0 = performance.now();
  const shown = parseGraphJson(make());
  const ms = performance.now() - t0;
  assert.ok(shown.ok);
  assert.ok(shown.graph.nodes.length <= 50_000 && shown.graph.nodes[0].node_id === '1_0_0', 'the most influential nodes are drawn');
  assert.ok(shown.warnings.some((w) => /the graph has 1000000 nodes; the panel draws the 50000 most influential/.test(w)));
  assert.ok(ms < 30_000, `parsing took ${ms.toFixed(0)} ms`);
  const all = parseGraphJson(make(), { cap: false });
  assert.ok(all.ok && all.graph.nodes.length === n, 'a writer (convert, the editor) reads every node');
});

test("Neuronpedia's schema, read as it reads it: circuit-tracer's string qParams are reported with counts", () => {
  const errors = checkNeuronpediaSchema(JSON.parse(text('circuit-tracer-saved.json'))).errors.join('\n');
  assert.match(errors, /pinnedIds must be an array/);
  assert.match(errors, /clerps is a JSON string/);
  const noJs = JSON.parse(text('tiny.graph.json'));
  for (const node of noJs.nodes) delete node.jsNodeId;
  assert.match(checkNeuronpediaSchema(noJs).errors[0], new RegExp(`^${noJs.nodes.length} × node\\.jsNodeId must be a string`));
});
