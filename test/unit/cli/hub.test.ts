// The CLI with models and transcoders named by Hugging Face repo id, from a fake local cache (HF_HUB_CACHE).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { readGraphJson } from '../../../src/engine/formats/graphJson';
import { text, writeCachedRepo } from '../../../tools/transcoderLayouts';
import { writeRandomTranscoders } from '../engine/attribution/randomTranscoders';
import { fakeCache } from '../engine/transcoders/fakeCache';

const cache = fakeCache();
process.env.HF_HUB_CACHE = cache; // read by the CLI and by the worker it starts
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'st-cli-hub-'));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, context: { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') } };
}

test('trace --model ORG/NAME finds the snapshot and the cached transcoder set made for it', async () => {
  const c = capture();
  const file = path.join(tmp, 'g.json');
  assert.equal(await main(['trace', '--model', 'test-org/gpt2-tiny', '--prompt', 'the cat sat', '--out', file], c.context), 0, c.err.join('\n'));
  const g = readGraphJson(fs.readFileSync(file, 'utf8'));
  assert.equal(g.metadata.scan, 'test-org/gpt2-tiny-transcoders');
  const named = capture();
  assert.equal(await main(['trace', '--model', 'test-org/gpt2-tiny', '--transcoders', 'test-org/gpt2-tiny-transcoders', '--prompt', 'the cat', '--out', file], named.context), 0, named.err.join('\n'));
});

test('bad input by repo id: not cached, unsupported architecture, shards missing, a transcoder set for another model', async () => {
  const cases: [string[], RegExp][] = [
    [['--model', 'meta-llama/Llama-3.2-1B'], /Model "meta-llama\/Llama-3.2-1B" is not in the local Hugging Face cache \(looked in .*models--meta-llama--Llama-3.2-1B\)/],
    [['--model', 'state-spaces/mamba-tiny'], /architecture "MambaForCausalLM" is not supported; supported: .*GPT2LMHeadModel/],
    [['--model', 'test-org/gpt2-sharded', '--transcoders', 'test-org/gpt2-tiny-transcoders'], /Shard model-00002-of-00002.safetensors listed in .* is missing/],
    [['--model', 'test-org/gpt2-tiny', '--transcoders', 'other/set'], /do not fit the model test-org\/gpt2-tiny \(2 layers, d_model 24\)/],
    [['--model', 'test-org/gpt2-tiny', '--transcoders', 'mntss/transcoder-Llama-3.2-1B'], /Transcoder set "mntss\/transcoder-Llama-3.2-1B" is not in the local Hugging Face cache/],
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-tc-'));
  writeRandomTranscoders(dir, { nLayers: 3, dModel: 24, nFeatures: 16 });
  writeCachedRepo(cache, 'other/set', {
    'config.yaml': text('model_name: other/model\nmodel_kind: transcoder_set\n'),
    ...Object.fromEntries([0, 1, 2].map((l) => [`layer_${l}.safetensors`, (f: string) => fs.copyFileSync(path.join(dir, `layer_${l}.safetensors`), f)])),
  });
  for (const [args, want] of cases) {
    const c = capture();
    assert.equal(await main(['trace', ...args, '--prompt', 'the cat', '--out', path.join(tmp, 'x.json')], c.context), 1, args.join(' '));
    assert.match(c.err.join('\n'), want);
    if (args.includes('other/set')) assert.match(c.err.join('\n'), /\(3 layers, d_model 24, made for other\/model\)/);
  }
});

test('doctor lists the cached checkpoints with their transcoder sets, and what is wrong with the others', async () => {
  const c = capture();
  assert.equal(await main(['doctor'], c.context), 0);
  const out = c.out.join('\n');
  assert.match(out, new RegExp(`Hugging Face cache ${cache}:`));
  assert.match(out, /✓ test-org\/gpt2-tiny \(GPT2LMHeadModel, 2 layers, d_model 24\)\n\s+transcoders test-org\/gpt2-tiny-transcoders \(made for it\)/);
  assert.match(out, /· state-spaces\/mamba-tiny \(MambaForCausalLM, 2 layers, d_model 24\): architecture MambaForCausalLM is not supported/);
  assert.match(out, /· test-org\/gpt2-sharded .*: 1 of 2 weight shards missing/);
  const j = capture();
  assert.equal(await main(['doctor', '--json'], j.context), 0);
  const report = JSON.parse(j.out.join('\n'));
  assert.equal(report.huggingFaceCache.models.find((m: { repoId: string }) => m.repoId === 'test-org/gpt2-tiny').transcoders[0].ref, 'test-org/gpt2-tiny-transcoders');
});

test('the README example: trace --model meta-llama/Llama-3.2-1B --transcoders mntss/transcoder-Llama-3.2-1B from the cache (tiny random stand-ins)', async () => {
  // the Llama family fixture and its per-layer transcoders, cached under the published repo ids
  const fx = path.resolve('test/fixtures/families/llama');
  const copyAll = (dir: string, skip: string[] = []) =>
    Object.fromEntries(fs.readdirSync(dir).filter((f) => !skip.includes(f) && fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, (to: string) => fs.copyFileSync(path.join(dir, f), to)]));
  writeCachedRepo(cache, 'meta-llama/Llama-3.2-1B', copyAll(fx, ['expected.json', 'expected.safetensors']));
  writeCachedRepo(cache, 'mntss/transcoder-Llama-3.2-1B', {
    ...copyAll(path.join(fx, 'transcoders'), ['config.yaml']),
    'config.yaml': text('model_kind: transcoder_set\nfeature_input_hook: hook_resid_mid\nfeature_output_hook: mlp.hook_out\n'),
  });
  const run = async (...args: string[]) => {
    const c = capture();
    const file = path.join(tmp, `llama${Math.random().toString(36).slice(2)}.json`);
    assert.equal(await main(['trace', ...args, '--prompt', 'the cat sat', '--out', file], c.context), 0, c.err.join('\n'));
    return readGraphJson(fs.readFileSync(file, 'utf8'));
  };
  const byRepo = await run('--model', 'meta-llama/Llama-3.2-1B', '--transcoders', 'mntss/transcoder-Llama-3.2-1B');
  const published = await run('--model', 'meta-llama/Llama-3.2-1B'); // circuit-tracer's published pair, found alone
  const byFolder = await run('--model', fx, '--transcoders', path.join(fx, 'transcoders'));
  assert.equal(byRepo.metadata.scan, 'mntss/transcoder-Llama-3.2-1B');
  assert.equal(published.metadata.scan, 'mntss/transcoder-Llama-3.2-1B');
  const edges = (g: typeof byRepo) => g.links.map((l) => `${l.source}>${l.target}:${l.weight}`).sort();
  assert.ok(byRepo.links.length > 0);
  assert.deepEqual(edges(byRepo), edges(byFolder), 'the same graph from the cache as from the folders');
  assert.deepEqual(edges(published), edges(byFolder));
});

test('features build on a cached model writes where --out says, never into the cache', async () => {
  const corpus = path.join(tmp, 'corpus.txt');
  fs.writeFileSync(corpus, 'the cat sat\nthe dog ran\n');
  const refused = capture();
  assert.equal(await main(['features', 'build', '--model', 'test-org/gpt2-tiny', '--corpus', corpus], refused.context), 2);
  assert.match(refused.err.join('\n'), /test-org\/gpt2-tiny lives in the Hugging Face cache; say where the index goes with --out DIR/);
  const out = path.join(tmp, 'index');
  const built = capture();
  assert.equal(await main(['features', 'build', '--model', 'test-org/gpt2-tiny', '--corpus', corpus, '--out', out], built.context), 0, built.err.join('\n'));
  assert.ok(fs.existsSync(path.join(out, 'index.json.gz')));
});
