// Each family runs `run`, `trace`, `intervene` (free, frozen, constrained) and `features build` on its committed
// fixture (tools/reference/families_ref.py), through the CLI and the engine worker, as a user would.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { main } from '../../../src/cli/main';
import { readGraphJson } from '../../../src/engine/formats/graphJson';

const FIX = path.resolve('test/fixtures/families');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-trace-families-'));
const validate = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync('test/fixtures/graph-schema.json', 'utf8')));
/** circuit-tracer's BOS: Llama 3's bos_token; Qwen3 has none, so its pad token <|endoftext|> */
const BOS: Record<string, string> = { llama: '<|begin_of_text|>', qwen3: '<|endoftext|>' };

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

for (const family of ['llama', 'qwen3']) {
  const model = path.join(FIX, family);
  const tc = path.join(model, 'transcoders');
  const prompt = 'the cat sat on the mat';

  test(`${family}: run tokenizes as circuit-tracer (one BOS, exact offsets) and ranks next tokens`, async () => {
    const r = await cli('run', '--model', model, '--prompt', prompt, '--top-k', '3', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.tokens[0], { id: 267, text: BOS[family], start: 0, end: 0 });
    assert.equal(j.tokens.filter((t: { id: number }) => t.id === 267).length, 1, 'the post-processor BOS is not added twice');
    assert.equal(j.tokens.slice(1).map((t: { start: number; end: number }) => prompt.slice(t.start, t.end)).join(''), prompt);
    assert.equal(j.top.length, 3);
    assert.ok(j.top[0].prob >= j.top[1].prob && j.top[1].prob >= j.top[2].prob);
  });

  test(`${family}: trace writes a schema-valid graph`, async () => {
    const file = path.join(tmp, `${family}.json`);
    const r = await cli('trace', '--model', model, '--transcoders', tc, '--prompt', prompt, '--out', file);
    assert.equal(r.code, 0, r.err);
    const g = readGraphJson(fs.readFileSync(file, 'utf8'));
    assert.ok(validate(g), JSON.stringify(validate.errors));
    assert.equal(g.metadata.prompt, BOS[family] + prompt);
    assert.ok(g.nodes.some((n) => n.feature_type === 'cross layer transcoder' || n.feature_type === 'transcoder' || /feature/.test(String(n.feature_type))));
    assert.ok(g.links.length > 0);
  });

  for (const mode of ['free', 'frozen', 'constrained']) {
    test(`${family}: intervene --mode ${mode} changes the prediction and reports the applied steering`, async () => {
      const r = await cli('intervene', '--model', model, '--transcoders', tc, '--prompt', prompt, '--steer', '1:3=8', '--mode', mode, '--json');
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.equal(j.mode, mode);
      assert.ok(j.applied.length > 0 && j.applied.every((a: { layer: number; feature: number }) => a.layer === 1 && a.feature === 3));
      assert.notDeepEqual(j.clean.top.map((t: { prob: number }) => t.prob), j.intervened.top.map((t: { prob: number }) => t.prob));
    });
  }

  test(`${family}: features build indexes the transcoders over a corpus`, async () => {
    const corpus = path.join(tmp, `${family}-corpus.txt`);
    fs.writeFileSync(corpus, 'the cat sat on the mat\nthe dog ate the hat\nin the inn at noon\n');
    const out = path.join(tmp, `${family}-features`);
    const r = await cli('features', 'build', '--model', model, '--transcoders', tc, '--corpus', corpus, '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /feature index: \d+ features over 3 contexts/);
    const show = await cli('features', 'show', '0:0', '--index', out, '--json');
    assert.equal(show.code, 0, show.err);
    // without the logit table (what a published width gets): the CLI says so, and `show` computes the tokens the
    // table holds, from the model and transcoders the index names
    const lazy = path.join(tmp, `${family}-features-on-demand`);
    const r2 = await cli('features', 'build', '--model', model, '--transcoders', tc, '--corpus', corpus, '--out', lazy, '--logit-table', 'on-demand');
    assert.equal(r2.code, 0, r2.err);
    assert.match(r2.out, /promoted\/suppressed tokens: not in the index; each feature's are computed when it is shown/);
    const table = JSON.parse((await cli('features', 'show', '1:3', '--index', out, '--json')).out);
    const bad = await cli('features', 'show', '1:3', '--index', lazy, '--model', path.join(tmp, 'nowhere'));
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /nowhere/);
    const shown = await cli('features', 'show', '1:3', '--index', lazy);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, new RegExp(`promotes: ${table.top_logits.map((t: string) => JSON.stringify(t)).join(' ').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.ok(fs.existsSync(path.join(lazy, 'logits-cache.json')));
    assert.equal((await cli('features', 'build', '--model', model, '--corpus', corpus, '--out', lazy, '--logit-table', 'some')).code, 2);
  });
}
