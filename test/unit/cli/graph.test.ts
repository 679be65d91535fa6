import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { buildFeatureIndex } from '../../../src/engine/features/build';
import type { FeatureRecord } from '../../../src/engine/features/types';
import { readGraphJson } from '../../../src/engine/formats/graphJson';
import { formOf } from '../../../src/protocol/graphForms';
import { cantor } from '../../../src/protocol/nodes';
import { writeRandomTranscoders } from '../engine/attribution/randomTranscoders';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-trace-graph-'));
const FIX = 'test/fixtures/graphs';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, distDir: path.resolve('dist') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('graph validate: each file with its form, counts and Neuronpedia\'s schema; a bad one fails the run', async () => {
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, '{"metadata": {"slug": 1}}');
  const r = await run('graph', 'validate', `${FIX}/neuronpedia-gemma-shape.json`, `${FIX}/circuit-tracer-saved.json`, bad, path.join(tmp, 'missing.json'));
  assert.equal(r.code, 1);
  assert.match(r.out, /neuronpedia-gemma-shape\.json: neuronpedia form, schema 1, 24 nodes, 16 links, 11 tokens\n {2}Neuronpedia schema: ok/);
  assert.match(r.out, /circuit-tracer-saved\.json: circuit-tracer form, .*\n(.*\n)* {2}Neuronpedia schema: qParams\.clerps is a JSON string/);
  assert.match(r.out, /1 label\(s\) in qParams\.clerps contain HTML-like markup/);
  assert.match(r.err, /bad\.json: not an attribution graph: metadata\.slug must be a string/);
  assert.match(r.err, /missing\.json: no such file/);
});

test('graph convert: circuit-tracer → Neuronpedia → circuit-tracer keeps the view; the input is never overwritten', async () => {
  const np = path.join(tmp, 'np.json');
  const ct = path.join(tmp, 'ct.json');
  assert.equal((await run('graph', 'convert', `${FIX}/circuit-tracer-saved.json`, '--format', 'neuronpedia', '--out', np, '--feature-json-base-url', 'https://example.org/f')).code, 0);
  const g = readGraphJson(fs.readFileSync(np, 'utf8'));
  assert.equal(formOf(g), 'neuronpedia');
  assert.ok(Array.isArray(g.qParams.pinnedIds) && Array.isArray(g.qParams.clerps));
  assert.deepEqual((g.qParams.clerps as string[][]).find((c) => c[0] === `20_${cantor(20, 15589)}_10`), [`20_${cantor(20, 15589)}_10`, 'say a capital']);
  assert.equal(g.metadata.feature_details?.feature_json_base_url, 'https://example.org/f');
  assert.equal((await run('graph', 'validate', np)).code, 0);
  assert.equal((await run('graph', 'convert', np, '--format', 'circuit-tracer', '--out', ct)).code, 0);
  const back = readGraphJson(fs.readFileSync(ct, 'utf8'));
  assert.equal(typeof back.qParams.clerps, 'string');
  const same = await run('graph', 'convert', np, '--format', 'circuit-tracer', '--out', np);
  assert.equal(same.code, 2);
  assert.match(same.err, /never overwritten/);
  assert.equal((await run('graph', 'convert', np, '--format', 'gephi', '--out', ct)).code, 2);
});

test('trace --out-dir writes the folder circuit-tracer\'s local server serves, with our features and their distributions', async () => {
  const transcoders = path.join(tmp, 'transcoders');
  writeRandomTranscoders(transcoders, { nLayers: 2, dModel: 24, nFeatures: 48, skip: true, sparsity: 0.3 });
  const features = path.join(tmp, 'features');
  const corpus = path.join(tmp, 'corpus.txt');
  fs.writeFileSync(corpus, ['the cat sat on the mat', 'a dog ran far away', 'the end of the line', 'cats and dogs sat'].join('\n'));
  await buildFeatureIndex({ modelDir: MODEL, transcoderDir: transcoders, corpusFile: corpus, outDir: features });
  const dir = path.join(tmp, 'viewer');
  const r = await run('trace', '--model', MODEL, '--transcoders', transcoders, '--features', features, '--prompt', 'the cat sat', '--out-dir', dir, '--slug', 'cat', '--no-prune');
  assert.equal(r.code, 0, r.err);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'graph-metadata.json'), 'utf8'));
  assert.deepEqual(meta.graphs.map((g: { slug: string }) => g.slug), ['cat']);
  const g = readGraphJson(fs.readFileSync(path.join(dir, 'cat.json'), 'utf8'));
  assert.equal(g.metadata.scan, './data/features', 'the viewer loads ./data/features/{feature}.json, served from DIR/features');
  assert.equal(typeof g.qParams.clerps, 'string');
  const featureNodes = g.nodes.filter((n) => n.feature_type === 'cross layer transcoder');
  assert.ok(featureNodes.length > 0);
  for (const n of featureNodes) {
    const rec = JSON.parse(fs.readFileSync(path.join(dir, 'features', `${n.feature}.json`), 'utf8')) as FeatureRecord;
    const q = rec.quantile_values;
    assert.equal(q.length, 100);
    for (let i = 1; i < q.length; i++) assert.ok(q[i] >= q[i - 1], 'quantile_values ascend');
    assert.ok(Math.abs(q[99] - rec.act_max) <= 1e-4 * Math.max(1, rec.act_max), 'the last cut point is act_max');
    const edges = rec.selfTracing!.histogram_edges;
    assert.equal(edges.length, rec.histogram.length + 1);
    assert.ok(Math.abs(edges[0] - rec.act_min) < 1e-4 && Math.abs(edges.at(-1)! - rec.act_max) < 1e-4, 'bins span [act_min, act_max]');
  }
  // a second graph is added to graph-metadata.json; the same slug replaces its entry
  assert.equal((await run('trace', '--model', MODEL, '--transcoders', transcoders, '--prompt', 'a dog', '--out-dir', dir, '--slug', 'dog')).code, 0);
  assert.equal((await run('trace', '--model', MODEL, '--transcoders', transcoders, '--prompt', 'the cat', '--out-dir', dir, '--slug', 'cat')).code, 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'graph-metadata.json'), 'utf8')).graphs.map((x: { slug: string }) => x.slug), ['dog', 'cat']);
  const wrong = await run('trace', '--model', MODEL, '--transcoders', transcoders, '--prompt', 'x', '--out-dir', dir, '--format', 'neuronpedia');
  assert.equal(wrong.code, 2);
});
