// Gemma-2 and Gemma-3 text through the real CLI and engine worker: run, trace, intervene (free, frozen,
// constrained), features build/show and reasoning on the committed tiny checkpoints with their transcoders
// (test/fixtures/attribution/gemma*: bf16 weights, SentencePiece-style tokenizer.json, circuit-tracer PLT files).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { main } from '../../../src/cli/main';
import { readGraphJson } from '../../../src/engine/formats/graphJson';
import { loadModel, topK } from '../../../src/engine/model/model';

const MODELS = ['gemma2-plt-normalized', 'gemma3-plt-hookin-skip'].map((n) => path.resolve('test/fixtures/attribution', n));
const PROMPT = 'the cat is in the hat';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-trace-gemma-'));
const validate = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync('test/fixtures/graph-schema.json', 'utf8')));

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') });
  assert.equal(code, 0, err.join('\n'));
  return out.join('\n');
}

for (const dir of MODELS) {
  const name = path.basename(dir);
  const tc = path.join(dir, 'transcoders');

  test(`${name}: run tokenizes with <bos> and exact offsets and gives the model's own next-token probabilities`, async () => {
    const r = JSON.parse(await cli('run', '--model', dir, '--prompt', PROMPT, '--top-k', '5', '--json'));
    assert.deepEqual(r.tokens[0], { id: 2, text: '<bos>', start: 0, end: 0 });
    assert.equal(r.tokens.slice(1).map((t: { start: number; end: number }) => PROMPT.slice(t.start, t.end)).join(''), PROMPT);
    const model = await loadModel(dir, { threads: 1 });
    const want = topK((await model.logits(r.tokens.map((t: { id: number }) => t.id))).subarray(-model.config.dVocab), 5);
    model.dispose();
    assert.deepEqual(r.top.map((t: { id: number }) => t.id), want.map((t) => t.id));
    r.top.forEach((t: { prob: number }, i: number) => assert.ok(Math.abs(t.prob - want[i].prob) < 1e-6));
  });

  test(`${name}: trace writes a schema-valid graph whose offsets tile the prompt`, async () => {
    const file = path.join(tmp, `${name}.json`);
    const out = await cli('trace', '--model', dir, '--transcoders', tc, '--prompt', PROMPT, '--out', file);
    assert.match(out, /^wrote .*: \d+ nodes, \d+ links, \d+ tokens; replacement \d\.\d{3}, completeness \d\.\d{3}/);
    const g = readGraphJson(fs.readFileSync(file, 'utf8'));
    assert.ok(validate(g), JSON.stringify(validate.errors));
    assert.equal(g.metadata.prompt, `<bos>${PROMPT}`);
    const x = g.selfTracing!;
    assert.equal(x.tokenOffsets!.slice(1).map(([a, b]) => PROMPT.slice(a, b)).join(''), PROMPT);
    assert.ok(g.nodes.some((n) => n.feature_type === 'cross layer transcoder' || n.feature_type === 'transcoder'), 'feature nodes');
    assert.ok(g.nodes.some((n) => n.is_target_logit));
  });

  test(`${name}: intervene runs free, frozen and constrained; ablating a feature changes the outputs`, async () => {
    const modes: Record<string, { clean: { top: { prob: number }[] }; intervened: { top: { prob: number }[] }; mode: string }> = {};
    for (const mode of ['free', 'frozen', 'constrained']) {
      modes[mode] = JSON.parse(await cli('intervene', '--model', dir, '--transcoders', tc, '--prompt', PROMPT, '--steer', '0:3=4', '--ablate', '1:5', '--mode', mode, '--top-k', '4', '--json'));
      assert.equal(modes[mode].mode, mode);
      assert.notDeepEqual(modes[mode].intervened.top.map((t) => t.prob), modes[mode].clean.top.map((t) => t.prob), mode);
    }
    assert.deepEqual(modes.free.clean, modes.constrained.clean, 'the clean side does not depend on the mode');
  });

  test(`${name}: features build indexes a corpus, features show reads it back, reasoning compares with it`, async () => {
    const corpus = path.join(tmp, `${name}.txt`);
    fs.writeFileSync(corpus, ['the cat is in the hat', 'a cat at the inn', 'This is it.', 'the hat is on', 'in the cat'].join('\n') + '\n');
    const outDir = path.join(tmp, `${name}-features`);
    assert.match(await cli('features', 'build', '--model', dir, '--transcoders', tc, '--corpus', corpus, '--out', outDir), /feature index: \d+ features over 5 contexts/);
    const rec = JSON.parse(await cli('features', 'show', '1:0', '--index', outDir, '--json'));
    assert.equal(typeof rec, 'object');

    // the reasoning comparison on the same model, transcoders and index. Gemma-3's random weights answer the prompt
    // ("cat", 86%), so it gets a verdict; Gemma-2's soft-capped logits are flat, so it is told why there is none
    const doc = path.join(tmp, `${name}.md`);
    fs.writeFileSync(doc, '---\ntemplate: "{prompt} {reasoning} {answer}"\n---\n## Prompt\n\nthe cat\n\n## Reasoning\n\n- is in the hat.\n\n## Answer\n\nat\n');
    const args = ['reasoning', doc, '--model', dir, '--transcoders', tc, '--features', outDir, '--json'];
    if (name.startsWith('gemma3')) {
      const s = JSON.parse(await cli(...args));
      assert.equal(s.verdict, "answer not the model's");
      assert.equal(s.claims[0].text, 'is in the hat.');
      assert.equal(s.answer.promptOnly.top.value, 'cat');
    } else {
      const err: string[] = [];
      const code = await main(args, { io: { out: () => undefined, err: (t: string) => err.push(t) }, distDir: path.resolve('dist') });
      assert.equal(code, 1);
      assert.match(err.join('\n'), /The model gives no answer to this prompt with any confidence/);
    }
  });
}
