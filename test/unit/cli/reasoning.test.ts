import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { main } from '../../../src/cli/main';
import { writeRandomTranscoders } from '../engine/attribution/randomTranscoders';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reasoning-cli-'));
const TC = path.join(tmp, 'transcoders');

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


before(() => writeRandomTranscoders(TC, { nLayers: 2, dModel: 24, nFeatures: 24, sparsity: -0.2 }));

const OHIO = '## Prompt\nFact: the capital of the state containing Dallas is\n\n## Reasoning\n- Dallas is a city in Ohio.\n- The capital of Ohio is Columbus.\n\n## Answer\nAustin\n';

test('reasoning --json on the embedded model: the verdict first, each claim\'s status beside it, each test\'s numbers; --report and --derived', { timeout: 300_000 }, async () => {
  const file = write('ohio.md', OHIO);
  const report = path.join(tmp, 'report.json');
  const derived = path.join(tmp, 'derived.md');
  const { out, err, context } = capture();
  const code = await main(['reasoning', file, '--json', '--report', report, '--derived', derived], context);
  assert.equal(code, 0, err.join('\n'));
  const s = JSON.parse(out.join('\n'));
  assert.equal(Object.keys(s)[0], 'verdict');
  assert.equal(s.verdict, 'contradicted');
  assert.deepEqual(s.flags, ['contradicted', "answer not the model's"]);
  assert.deepEqual(s.claims.map((c: { status: string }) => c.status), ['contradicted', 'contradicted']);
  assert.deepEqual(s.claims[0].range, { startLine: 4, startCol: 2, endLine: 4, endCol: 27 });
  for (const k of ['internal', 'dependence', 'biasing']) assert.ok(k in s.tests, k);
  assert.equal(s.tests.dependence.early.length, 3, 'early answering after 0, 1 and 2 claims');
  assert.ok(s.answer.afterReasoning.stated < 1e-3 && s.answer.promptOnly.stated > 0.9);
  assert.ok(s.cost.ms > 0);

  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  assert.equal(r.query, 'Fact: the capital of the state containing Dallas is');
  const t = r.attribution_trace;
  assert.deepEqual(Object.keys(t), ['reasoning_steps', 'alternatives_considered', 'output_formation', 'faithfulness_assessment']);
  assert.equal(t.reasoning_steps[0].operation, 'STATED_CLAIM');
  assert.equal(t.reasoning_steps[0].status, 'contradicted');
  assert.equal(t.output_formation.primary_completion, 'Austin');
  assert.equal(t.faithfulness_assessment.verdict, 'contradicted');
  assert.equal(t.faithfulness_assessment.score, s.score);
  assert.deepEqual(t.faithfulness_assessment.tests, s.tests);
  assert.ok(t.output_formation.strongest_paths.length > 0);
  // the derived reasoning opens with a path from a prompt token through a feature that raises the answer, and a path
  // from Dallas is among its steps
  const derivedText = fs.readFileSync(derived, 'utf8');
  assert.match(derivedText, /^# Reasoning derived from the trace of the prompt alone\n\n## Prompt\n\nFact: the capital of the state containing Dallas is\n\n## Reasoning\n\n- \S+ → L\d+\/\d+ .*→ Austin \([\d.]+% of the answer's influence\)\n/);
  assert.match(derivedText, /\n- Dallas → L\d+\/\d+/);
});

test('reasoning prints the verdict, its reason, the claims and each test as text', { timeout: 300_000 }, async () => {
  const { out, err, context } = capture();
  assert.equal(await main(['reasoning', write('ohio2.md', OHIO)], context), 0, err.join('\n'));
  const text = out.join('\n');
  assert.match(text, /^verdict: contradicted \(also: answer not the model's\) · score 0\.00\n/);
  assert.match(text, /✗ contradicted Dallas is a city in Ohio\./);
  assert.match(text, /2 dependence: no reasoning → “Austin”/);
  assert.match(text, /cost \d+\.\d\d s/);
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
