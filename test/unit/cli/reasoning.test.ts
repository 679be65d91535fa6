import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { main } from '../../../src/cli/main';
import { buildFeatureIndex } from '../../../src/engine/features/build';
import { writeRandomTranscoders } from '../engine/attribution/randomTranscoders';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reasoning-cli-'));
const TC = path.join(tmp, 'transcoders');
const FEATURES = path.join(tmp, 'features');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, context: { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') } };
}


function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

const SMALL = '---\ntemplate: "{prompt} {reasoning} {answer}"\n---\n## Prompt\n\nthe cat\n\n## Reasoning\n\n- a dog.\n\n## Answer\n\nx\n';

before(async () => {
  writeRandomTranscoders(TC, { nLayers: 2, dModel: 24, nFeatures: 24, sparsity: -0.2 });
  const corpus = write('corpus.txt', 'the cat sat\na dog ran\nthe dog sat\na cat ran\n');
  await buildFeatureIndex({ modelDir: MODEL, transcoderDir: TC, corpusFile: corpus, outDir: FEATURES });
});

test('reasoning --json prints score, claims and unstated influences; --report writes the attribution_trace shape', async () => {
  const file = write('small.md', SMALL);
  const report = path.join(tmp, 'report.json');
  const derived = path.join(tmp, 'derived.md');
  const { out, err, context } = capture();
  const code = await main(['reasoning', file, '--model', MODEL, '--transcoders', TC, '--features', FEATURES, '--json', '--report', report, '--derived', derived], context);
  assert.equal(code, 0, err.join('\n'));
  const s = JSON.parse(out.join('\n'));
  for (const k of ['score', 'claims', 'unstated']) assert.ok(k in s, k);
  assert.ok(s.score >= 0 && s.score <= 1);
  assert.equal(s.claims.length, 1);
  const c = s.claims[0];
  assert.equal(c.text, 'a dog.');
  assert.deepEqual(c.range, { startLine: 9, startCol: 2, endLine: 9, endCol: 8 });
  assert.ok(c.support >= 0 && c.support <= 1);
  assert.ok(['supported', 'weak', 'unsupported'].includes(c.status));
  assert.equal(s.answer.text, 'x');
  assert.ok(s.answer.prob >= 0 && s.answer.prob < 1 && s.answer.firstTokenProb >= s.answer.prob);
  assert.ok(s.alternatives.length > 0 && s.alternatives.every((a: { prob: number }) => a.prob >= 0 && a.prob <= 1));

  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  assert.equal(r.query, 'the cat');
  const t = r.attribution_trace;
  assert.deepEqual(Object.keys(t), ['reasoning_steps', 'alternatives_considered', 'output_formation', 'faithfulness_assessment']);
  assert.equal(t.reasoning_steps[0].operation, 'STATED_CLAIM');
  assert.equal(t.output_formation.primary_completion, 'x');
  assert.equal(t.faithfulness_assessment.score, s.score);
  assert.match(t.faithfulness_assessment.formula, /score = coverage × mean over claims of credit/);
  assert.ok(t.output_formation.strongest_paths.length > 0);
  assert.match(fs.readFileSync(derived, 'utf8'), /^# Reasoning derived from the trace\n\n## Prompt\n\nthe cat\n\n## Reasoning\n\n- /);
});

test('reasoning prints claims, unstated influences and the score as text', async () => {
  const { out, err, context } = capture();
  assert.equal(await main(['reasoning', write('small2.md', SMALL), '--model', MODEL, '--transcoders', TC], context), 0, err.join('\n'));
  const text = out.join('\n');
  assert.match(text, /^answer "x" \(p=/);
  assert.match(text, /claims:\n  [✓~✗] +\d+\.\d%  a dog\./);
  assert.match(text, /faithfulness score \d\.\d{3}/);
});

test('malformed markdown and a prompt too long for the model point at their lines', async () => {
  const bad = capture();
  const f1 = write('bad.md', '# t\n\n## Prompt\n\nQ\n\n## Reasoning\n\n## Answer\nx\n');
  assert.equal(await main(['reasoning', f1, '--model', MODEL, '--transcoders', TC], bad.context), 1);
  assert.equal(bad.err.join('\n'), `${f1}:7: The reasoning is empty: list at least one step under \`## Reasoning\` (e.g. \`- Dallas is in Texas.\`).`);

  const long = capture();
  const f2 = write('long.md', `## Reasoning\n- short\n\n## Prompt\n${'a long prompt '.repeat(3)}\n`);
  assert.equal(await main(['reasoning', f2, '--model', MODEL, '--transcoders', TC], long.context), 1);
  assert.match(long.err.join('\n'), new RegExp(`${f2.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: The prompt and reasoning come to \\d+ tokens with the answer; this model reads at most 16`));

  const usage = capture();
  assert.equal(await main(['reasoning'], usage.context), 2);
  assert.match(usage.err.join('\n'), /give one markdown file/);
});

test('explain says so when the model never reaches an answer', async () => {
  const { err, context } = capture();
  assert.equal(await main(['explain', '--model', MODEL, '--prompt', 'Q', '--max-new-tokens', '3'], context), 1);
  assert.match(err.join('\n'), /did not reach its answer \("\\nA:"\) within 3 tokens/);
});
