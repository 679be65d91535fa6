// Real graph files from circuit-tracer and Neuronpedia, when a folder of them is given: SELF_TRACING_REAL_GRAPHS=DIR
// (they are not committed: see test/fixtures/graphs/README.md for the ones used and their licences). Each loads,
// is saved in its own form without losing a field, converts both ways, and the Neuronpedia form passes its schema.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GraphJson } from '../../../src/protocol/graph-json';
import { convertGraph, formOf, readSavedView, writeSavedView } from '../../../src/protocol/graphForms';
import { checkNeuronpediaSchema } from '../../../src/protocol/graphSchema';
import { parseGraphText, parseJsonLenient, writeGraphText } from '../../../src/protocol/graphText';
import { nodeKindOf } from '../../../src/protocol/nodes';

const dir = process.env.SELF_TRACING_REAL_GRAPHS;
const files = dir ? fs.readdirSync(dir).filter((f) => f.endsWith('.json') && fs.statSync(path.join(dir, f)).size > 0).sort() : [];
const body = (g: GraphJson) => JSON.parse(JSON.stringify({ ...g, qParams: undefined }));

test('real graph files', { skip: files.length === 0 ? 'SELF_TRACING_REAL_GRAPHS is not set' : false }, async (t) => {
  for (const name of files) {
    await t.test(name, () => {
      const text = fs.readFileSync(path.join(dir!, name), 'utf8');
      const raw = parseJsonLenient(text).value as GraphJson;
      const p = parseGraphText(text);
      assert.ok(p.ok, p.ok ? '' : p.reason);
      const g = p.graph;
      for (const n of g.nodes) if (nodeKindOf(n.feature_type) === 'error') assert.match(n.node_id, /^0_\d+_\d+$|^\d+_-1_\d+$/);
      const form = formOf(g);
      const { qParams } = writeSavedView(readSavedView(g), form, g.nodes, g.qParams);
      const saved = parseGraphText(writeGraphText({ ...g, qParams }));
      assert.ok(saved.ok);
      assert.deepEqual(body(saved.graph), body(raw));
      for (const other of ['circuit-tracer', 'neuronpedia'] as const) {
        const there = convertGraph(g, other).graph;
        assert.deepEqual(readSavedView(there), readSavedView(g));
        assert.deepEqual(body(convertGraph(there, form).graph), body(raw));
      }
      assert.deepEqual(checkNeuronpediaSchema(JSON.parse(writeGraphText(convertGraph(g, 'neuronpedia').graph))).errors, []);
    });
  }
});
