import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { readGraphJson } from '../../../src/engine/formats/graphJson';
import { proposeSupernodes } from '../../../src/protocol/autoSupernodes';
import { cantor, type GraphJson, type GraphNode } from '../../../src/protocol/graph-json';

const f = (l: number, i: number, p: number, clerp: string): GraphNode => ({
  node_id: `${l}_${i}_${p}`, feature: cantor(l, i), layer: String(l), ctx_idx: p, feature_type: 'cross layer transcoder', jsNodeId: `${l}_${i}-0`, clerp,
});
const node = (id: string, type: string, p: number): GraphNode => ({ node_id: id, feature: null, layer: type === 'logit' ? '3' : 'E', ctx_idx: p, feature_type: type, jsNodeId: id, clerp: '' });

test('features with the same inputs and outputs and similar labels are proposed as one supernode; others are not', () => {
  // "Texas" features read Dallas and write Austin; "say a capital" features read "capital" and write Austin and
  // Sacramento; a loner reads "the"
  const nodes = [node('E_1_1', 'embedding', 1), node('E_2_2', 'embedding', 2), node('E_3_3', 'embedding', 3),
    f(0, 1, 2, 'Texas'), f(1, 2, 2, 'Texas state'), f(1, 3, 2, 'Texas'), f(0, 4, 1, 'say a capital'), f(1, 5, 1, 'capital'), f(2, 6, 3, 'the'),
    node('L_1', 'logit', 3), node('L_2', 'logit', 3)];
  const links = [
    ...['0_1_2', '1_2_2', '1_3_2'].flatMap((t) => [{ source: 'E_2_2', target: t, weight: 2 }, { source: t, target: 'L_1', weight: 1 }]),
    ...['0_4_1', '1_5_1'].flatMap((t) => [{ source: 'E_1_1', target: t, weight: 1 }, { source: t, target: 'L_2', weight: 1 }, { source: t, target: 'L_1', weight: 0.5 }]),
    { source: 'E_3_3', target: '2_6_3', weight: 1 }, { source: '2_6_3', target: 'L_2', weight: -1 },
  ];
  const g: GraphJson = { metadata: { slug: 's', scan: 'x', prompt_tokens: ['a', 'b', 'c', 'd'], prompt: 'abcd', schema_version: 1 }, qParams: {}, nodes, links };
  const p = proposeSupernodes(g);
  assert.deepEqual(p.map((x) => x.nodeIds), [['0_1_2', '1_2_2', '1_3_2'], ['0_4_1', '1_5_1']]);
  assert.equal(p[0].label, 'texas (3)');
  assert.ok(p.every((x) => x.score >= 0.6 && x.score <= 1 + 1e-9));
});

test('on a real graph the proposals are disjoint groups of 2–6 feature nodes', () => {
  const g = readGraphJson(fs.readFileSync('test/fixtures/graphs/organism-dallas.graph.json', 'utf8'));
  const p = proposeSupernodes(g);
  assert.ok(p.length > 0);
  const ids = p.flatMap((x) => x.nodeIds);
  assert.equal(new Set(ids).size, ids.length, 'a node is in one proposal at most');
  const types = new Map(g.nodes.map((n) => [n.node_id, n.feature_type]));
  assert.ok(ids.every((id) => types.get(id) === 'cross layer transcoder'));
  assert.ok(p.every((x) => x.nodeIds.length >= 2 && x.nodeIds.length <= 6));
  assert.deepEqual(proposeSupernodes(g), p, 'deterministic');
});
