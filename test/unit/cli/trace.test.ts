import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { main } from '../../../src/cli/main';
import { buildFeatureIndex } from '../../../src/engine/features/build';
import { FeatureIndex } from '../../../src/engine/features/records';
import { featureOf, readGraphJson } from '../../../src/engine/formats/graphJson';
import { writeRandomTranscoders } from '../engine/attribution/randomTranscoders';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-trace-'));
const TRANSCODERS = path.join(tmp, 'transcoders');
writeRandomTranscoders(TRANSCODERS, { nLayers: 2, dModel: 24, nFeatures: 48, skip: true, sparsity: 0.3 });
const validate = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync('test/fixtures/graph-schema.json', 'utf8')));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, context: { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') } };
}

async function trace(...args: string[]) {
  const c = capture();
  const file = path.join(tmp, `g${Math.random().toString(36).slice(2)}.json`);
  const code = await main(['trace', '--model', MODEL, '--transcoders', TRANSCODERS, '--out', file, ...args], c.context);
  assert.equal(code, 0, c.err.join('\n'));
  return { file: readGraphJson(fs.readFileSync(file, 'utf8')), out: c.out.join('\n') };
}

test('trace writes a schema-valid graph with per-token scores, through the engine worker', async () => {
  const { file, out } = await trace('--prompt', 'the cat sat');
  assert.ok(validate(file), JSON.stringify(validate.errors));
  assert.match(out, /^wrote .*: \d+ nodes, \d+ links, \d+ tokens; replacement \d\.\d{3}, completeness \d\.\d{3}/);
  const n = Number(/(\d+) tokens/.exec(out)![1]);
  assert.equal(file.metadata.prompt, '<|endoftext|>the cat sat');
  const x = file.selfTracing!;
  assert.equal(x.tokenScores!.total.length, n);
  assert.equal(x.tokenScores!.direct!.length, n);
  assert.equal(file.metadata.prompt_tokens.length, n);
  assert.ok(file.nodes.some((node) => node.node_id === x.target!.nodeId && node.is_target_logit));
});

test('the graph carries what the editor needs: offsets into the traced text, ids, target, top outputs, source', async () => {
  const prompt = 'the cat sat';
  const { file } = await trace('--prompt', prompt);
  const x = file.selfTracing!;
  assert.deepEqual(x.source, { text: prompt });
  assert.equal(x.tokenIds!.length, file.metadata.prompt_tokens.length);
  assert.deepEqual(x.tokenOffsets![0], [0, 0], 'BOS covers no characters');
  assert.equal(x.tokenOffsets!.slice(1).map(([a, b]) => prompt.slice(a, b)).join(''), prompt, 'the offsets tile the traced text');
  const top = x.topOutputs!;
  assert.equal(top.length, 10);
  assert.ok(top.every((o, i) => i === 0 || o.prob <= top[i - 1].prob), 'most likely first');
  assert.equal(x.target!.tokenId, top[0].tokenId, 'salient targets start with the most likely token');
  assert.equal(x.target!.token, top[0].token);
  assert.ok(Math.abs(x.target!.prob! - top[0].prob) < 1e-6);
  assert.equal(x.features, undefined, 'no feature index, no feature details');
  const contrast = (await trace('--prompt', prompt, '--target', 'e', '--contrast', 't')).file.selfTracing!.target!;
  assert.equal(contrast.token, 'e');
  assert.equal(contrast.contrast?.token, 't');
});

test('with a feature index, every feature node has its details and the automatic label as clerp', async () => {
  const featureDir = path.join(tmp, 'features');
  const corpus = path.join(tmp, 'corpus.txt');
  fs.writeFileSync(corpus, ['the cat sat on the mat', 'a dog ran far away', 'the end of the line', 'cats and dogs sat'].join('\n'));
  await buildFeatureIndex({ modelDir: MODEL, transcoderDir: TRANSCODERS, corpusFile: corpus, outDir: featureDir });
  const { file } = await trace('--prompt', 'the cat sat', '--features', featureDir, '--no-prune');
  assert.ok(validate(file), JSON.stringify(validate.errors));
  const features = file.selfTracing!.features!;
  const index = FeatureIndex.open(featureDir);
  const featureNodes = file.nodes.filter((n) => n.feature_type === 'cross layer transcoder');
  assert.ok(featureNodes.length > 0);
  for (const node of featureNodes) {
    const { layer, feature } = featureOf(file, node)!;
    const detail = features[`${layer}_${feature}`];
    const record = index.get(layer, feature);
    assert.ok(detail, `details for ${node.node_id}`);
    assert.equal(detail.label, record.selfTracing!.label.text);
    assert.equal(node.clerp, detail.label);
    assert.deepEqual(detail.top_logits, record.top_logits.slice(0, 5));
    assert.equal(detail.activation_frequency, record.activation_frequency);
    assert.ok(detail.examples!.length <= 2, 'the graph keeps a few examples; the rest load on demand');
    for (const e of detail.examples!) assert.equal(e.tokens.length, e.tokens_acts_list.length);
  }
  assert.equal(Object.keys(features).length, new Set(featureNodes.map((n) => { const f = featureOf(file, n)!; return `${f.layer}_${f.feature}`; })).size);
});

test('--no-prune writes every computed edge; --target and --contrast pick the logit nodes', async () => {
  const pruned = await trace('--prompt', 'the cat sat');
  const all = await trace('--prompt', 'the cat sat', '--no-prune');
  assert.ok(all.file.links.length > pruned.file.links.length);
  const one = await trace('--prompt', 'the cat sat', '--target', 'e');
  const logits = one.file.nodes.filter((n) => n.feature_type === 'logit');
  assert.equal(logits.length, 1);
  assert.match(logits[0].clerp, /^Output "e" \(p=/);
  const diff = await trace('--prompt', 'the cat sat', '--target', 'e', '--contrast', 't');
  const dl = diff.file.nodes.filter((n) => n.feature_type === 'logit');
  assert.equal(dl.length, 1);
  assert.match(dl[0].clerp, /^Output "logit\(e\)-logit\(t\)"/);
});

test('trace rejects a multi-token target and a bad threshold with a sentence', async () => {
  const c = capture();
  assert.equal(await main(['trace', '--model', MODEL, '--transcoders', TRANSCODERS, '--prompt', 'x', '--target', 'the cat', '--out', path.join(tmp, 'x.json')], c.context), 1);
  assert.match(c.err.join('\n'), /exactly one token/);
  const bad = capture();
  assert.equal(await main(['trace', '--prompt', 'x', '--node-threshold', '2'], bad.context), 2);
});
