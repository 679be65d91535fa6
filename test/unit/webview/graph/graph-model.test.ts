import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { cantor, parseGraphJson, uncantor, type GraphJson } from '../../../../src/protocol/graph-json';
import { finishGrouping, saveGroup, ungroup, unpin } from '../../../../webview/graph/groups';
import { neighbourIn } from '../../../../webview/graph/keyboard';
import { layoutScene } from '../../../../webview/graph/layout';
import { buildModel, targetNode } from '../../../../webview/graph/model';
import { graphWithState, qParamsFromState, stateFromGraph } from '../../../../webview/graph/qparams';
import { fullScene, subgraphScene, visibleNodes } from '../../../../webview/graph/scene';
import { defaultViewState, persisted, type ViewState } from '../../../../webview/graph/store';

const load = (name: string) => JSON.parse(readFileSync(`test/fixtures/graphs/${name}.graph.json`, 'utf8')) as GraphJson;
const dallas = load('dallas-austin');
const tiny = load('tiny');

test('graph files are validated with a reason a user can act on', () => {
  assert.equal(parseGraphJson(dallas).ok, true);
  const bad: [unknown, RegExp][] = [
    [[], /not a JSON object/],
    [{ ...dallas, metadata: undefined }, /metadata/],
    [{ ...dallas, nodes: [{ node_id: 'a' }] }, /feature_type/],
    [{ ...dallas, links: [{ source: 7, target: 'y', weight: 1 }] }, /string source and target/],
  ];
  for (const [data, reason] of bad) {
    const parsed = parseGraphJson(data);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.reason, reason);
  }
  const dangling = parseGraphJson({ ...tiny, links: [...tiny.links, { source: 'gone', target: '1_9_2', weight: 1 }] });
  assert.ok(dangling.ok && dangling.graph.links.length === tiny.links.length && /1 link/.test(dangling.warnings[0]));
  // what a viewer can live with is a warning with a count: duplicate ids (first kept), non-finite weights (skipped)
  const twice = parseGraphJson(JSON.parse(JSON.stringify({ ...dallas, nodes: [...dallas.nodes, dallas.nodes[0], dallas.nodes[1]] })));
  assert.ok(twice.ok && twice.graph.nodes.length === dallas.nodes.length && twice.warnings.some((w) => /^2 nodes repeat an id/.test(w)));
  const heavy = parseGraphJson(JSON.parse(JSON.stringify({ ...dallas, links: [...dallas.links, { source: 'x', target: 'y', weight: 'heavy' }] })));
  assert.ok(heavy.ok && heavy.warnings.some((w) => /^1 link has no finite weight/.test(w)));
});

test('Cantor pairing round-trips as schema 1 defines it', () => {
  for (const [l, f] of [[0, 0], [3, 77], [20, 15589]]) assert.deepEqual(uncantor(cantor(l, f)), { layer: l, index: f });
});

test('the model types nodes, rows and pctInput as circuit-tracer does', () => {
  const m = buildModel(dallas);
  assert.equal(m.nLayers, 4);
  const kinds = new Map(m.nodes.map((n) => [n.id, n.kind]));
  assert.equal(kinds.get('E_8533_9'), 'embedding');
  assert.equal(kinds.get('2_-1_9'), 'error');
  assert.equal(m.nodes[m.byId.get('4_9533_10')!].row, 4);
  assert.equal(m.nodes[m.byId.get('E_8533_9')!].row, -1);
  assert.equal(m.nodes[m.byId.get('3_77_10')!].featureKey, '3_77');
  assert.equal(targetNode(m)?.token, ' Austin');
  for (const n of m.nodes) {
    const sum = m.incoming[n.index].reduce((s, li) => s + Math.abs(m.links[li].pctInput), 0);
    if (m.incoming[n.index].length) assert.ok(Math.abs(sum - 1) < 1e-9, `|pctInput| into ${n.id} sums to 1`);
  }
});

test('pruning keeps embeddings, logits, pinned and clicked nodes whatever the threshold', () => {
  const m = buildModel(dallas);
  const s = { ...defaultViewState(0.05), pinnedIds: ['2_190_9'], clickedId: '0_88_7' };
  const keep = visibleNodes(m, s);
  for (const n of m.nodes) {
    if (n.kind === 'embedding' || n.kind === 'logit' || n.id === '2_190_9' || n.id === '0_88_7') assert.equal(keep[n.index], 1, n.id);
  }
  const few = fullScene(m, s);
  const all = fullScene(m, { ...s, nodeThreshold: 1 });
  assert.ok(few.items.length < all.items.length);
  assert.equal(all.items.length, m.nodes.length);
  assert.ok(fullScene(m, { ...s, nodeThreshold: 1, edgeThreshold: 0.5 }).edges.length < all.edges.length);
});

test('the layout puts positions left to right and layers bottom to top, crowded columns wider', () => {
  const m = buildModel(dallas);
  const scene = fullScene(m, { ...defaultViewState(1) });
  const L = layoutScene(scene.items, m.tokens.length, m.nLayers, { width: 1000, height: 600, margin: { top: 10, right: 10, bottom: 10, left: 10 } });
  const at = (id: string) => scene.itemOfId.get(id)!;
  assert.ok(L.x[at('E_29054_1')] < L.x[at('E_8533_9')]);
  assert.ok(L.y[at('E_8533_9')] > L.y[at('0_101_9')] && L.y[at('0_101_9')] > L.y[at('4_9533_10')]);
  const widths = L.columns.map((c) => c.x1 - c.x0);
  assert.ok(widths[10] > widths[2], 'the answer position holds three logits side by side');
});

test('supernodes: grouping pins members, the subgraph merges them, ungroup and unpin undo it', () => {
  const m = buildModel(dallas);
  let s: ViewState = { ...defaultViewState(), pinnedIds: ['3_77_10'], grouping: ['1_230_9', '2_44_10'] };
  s = { ...s, ...saveGroup(s, 'Texas') };
  assert.deepEqual(s.supernodes, [['Texas', '1_230_9', '2_44_10']]);
  assert.deepEqual(s.pinnedIds, ['3_77_10', '1_230_9', '2_44_10']);
  const sub = subgraphScene(m, s);
  assert.equal(sub.items.length, 2);
  assert.equal(sub.items.find((i) => i.kind === 'supernode')?.label, 'Texas');
  const edge = sub.edges.find((e) => sub.items[e.source].kind === 'supernode');
  assert.ok(edge && Math.abs(edge.pct - 1) < 1e-9, 'the only input of "say Austin" in the subgraph comes from the group');
  assert.deepEqual(finishGrouping({ ...s, grouping: ['0_101_9'], clickedId: null }).clickedId, 'sn:1');
  assert.deepEqual(ungroup(s, 0).supernodes, []);
  assert.deepEqual(unpin(s, '1_230_9').supernodes, [['Texas', '2_44_10']]);
});

test('qParams: strings in, the file\'s own form out (circuit-tracer), unknown ids dropped, supernode-N selection', () => {
  const graph = { ...dallas, qParams: { pinnedIds: '1_230_9,nope', supernodes: '[["T","2_44_10","nope"]]', clickedId: 'nope', clerps: '[["3_3317_10","say Austin!"]]', pruningThreshold: '0.5' } };
  const s = stateFromGraph(graph);
  assert.deepEqual(s.pinnedIds, ['1_230_9', '2_44_10']);
  assert.deepEqual(s.supernodes, [['T', '2_44_10']]);
  assert.equal(s.clickedId, null);
  assert.equal(s.nodeThreshold, 0.5);
  assert.equal(s.clerps['3_3317_10'], 'say Austin!');
  const q = qParamsFromState({ ...persisted(s), clickedId: 'sn:0' }, graph);
  assert.equal(q.pinnedIds, '1_230_9,2_44_10', 'circuit-tracer\'s server form: comma-joined');
  assert.equal(q.supernodes, '[["T","2_44_10"]]');
  assert.equal(q.clickedId, 'supernode-0', 'a selected supernode is saved as circuit-tracer names it');
  const m = buildModel(graph);
  const feature = m.nodes.find((n) => n.featureId === '3_3317_10')!.raw.feature;
  assert.equal(q.clerps, JSON.stringify([[String(feature), 'say Austin!']]), 'clerps: a JSON string keyed by feature');
  assert.equal(stateFromGraph({ ...graph, qParams: q }).clickedId, 'sn:0');
  const np = qParamsFromState(persisted(s), graph, 'neuronpedia');
  assert.deepEqual(np.pinnedIds, ['1_230_9', '2_44_10']);
  assert.deepEqual(np.clerps, [['3_3317_10', 'say Austin!']]);
  const out = graphWithState(graph, persisted(s));
  assert.equal(parseGraphJson(out).ok, true);
});

test('keyboard neighbours: left/right stay in the row, up/down go to the nearest row', () => {
  const pos = [{ x: 0, y: 100 }, { x: 50, y: 100 }, { x: 40, y: 50 }, { x: 300, y: 50 }, { x: 10, y: 0 }];
  const scene = { items: pos.map((_, i) => ({ id: String(i) })) } as never;
  const p = (i: number) => pos[i];
  assert.equal(neighbourIn(scene, 0, 'right', p), 1);
  assert.equal(neighbourIn(scene, 1, 'left', p), 0);
  assert.equal(neighbourIn(scene, 0, 'up', p), 2);
  assert.equal(neighbourIn(scene, 2, 'up', p), 4);
  assert.equal(neighbourIn(scene, 2, 'down', p), 1);
  assert.equal(neighbourIn(scene, 4, 'up', p), -1);
});
