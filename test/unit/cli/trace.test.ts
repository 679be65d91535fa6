import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { main } from '../../../src/cli/main';
import { readGraphJson } from '../../../src/engine/formats/graphJson';
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
  const ts = file.selfTracing!.tokenScores!;
  assert.equal(ts.total.length, n);
  assert.equal(ts.direct.length, n);
  assert.equal(file.metadata.prompt_tokens.length, n);
  assert.ok(file.nodes.some((n) => n.node_id === ts.target));
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
