// `self-trace study` on the tiny GPT-2 fixture with random transcoders: a whole run with two workers, the same study
// as two shards in two concurrent CLI processes merged (the same report, byte for byte), resuming after a lost
// graph, and bad input.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { writeRandomTranscoders } from '../engine/attribution/randomTranscoders';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'self-trace-study-'));
const TRANSCODERS = path.join(tmp, 'transcoders');
writeRandomTranscoders(TRANSCODERS, { nLayers: 2, dModel: 24, nFeatures: 48, skip: true, sparsity: 0.3 });
const PROMPTS = path.join(tmp, 'prompts.jsonl');
fs.writeFileSync(PROMPTS, [
  '# a comment line',
  '{"id": "a", "group": "animals", "prompt": "the cat sat"}',
  '{"id": "b", "group": "animals", "prompt": "the dog sat on"}',
  '',
  '{"id": "c", "task": "places", "prompt": "a big house"}',
  '{"prompt": "the cat ran"}',
].join('\n'));

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, distDir: path.resolve('dist') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function cli(...args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.resolve('dist/cli.js'), ...args], { stdio: 'ignore' });
    p.on('exit', (code) => resolve(code ?? 1));
  });
}

const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
const base = ['--model', MODEL, '--transcoders', TRANSCODERS];

test('a study traces every prompt with two workers and writes the report, CSVs and JSON of every number', async () => {
  const dir = path.join(tmp, 'whole');
  const r = await run('study', PROMPTS, '--out', dir, '--jobs', '2', ...base);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /traced 4 prompt\(s\) in .* traces\/min with 2 worker\(s\)\); report in/);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'graphs')).sort(), ['a.json', 'b.json', 'c.json', 'p0006.json']);
  const results = JSON.parse(read(dir, 'study.json'));
  assert.deepEqual(results.prompts.map((p: { id: string; group: string }) => `${p.id}:${p.group}`), ['a:animals', 'b:animals', 'c:places', 'p0006:all']);
  for (const p of results.prompts) {
    assert.ok(p.replacement > 0 && p.replacement <= 1 && p.completeness > 0 && p.completeness <= 1);
    assert.ok(p.depth >= 1 && p.tokens >= 3 && p.width <= p.featureNodes);
  }
  assert.ok(results.prompts.some((p: { features: number }) => p.features > 0), 'the graphs have features');
  assert.equal(results.reuse.reduce((a: number, b: number) => a + b, 0), results.features.length);
  const csv = read(dir, 'prompts.csv').trim().split('\n');
  assert.equal(csv[0], 'id,group,prompt,tokens,target,targetProb,replacement,completeness,nodes,links,featureNodes,features,depth,width');
  assert.equal(csv.length, 5);
  const html = read(dir, 'report.html');
  assert.match(html, /<svg [^>]*aria-label="Replacement and completeness per prompt"/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
  assert.doesNotMatch(html, /<script|https?:\/\//i, 'no script, no network');
  const run1 = JSON.parse(read(dir, 'run.json'));
  assert.equal(run1.traced, 4);
  assert.ok(run1.tracesPerMinute > 0);

  // two shards in two concurrent processes, merged: the same report
  const s0 = path.join(tmp, 'shard0');
  const s1 = path.join(tmp, 'shard1');
  const codes = await Promise.all([cli('study', PROMPTS, '--out', s0, '--shard', '0/2', ...base), cli('study', PROMPTS, '--out', s1, '--shard', '1/2', ...base)]);
  assert.deepEqual(codes, [0, 0]);
  assert.deepEqual(fs.readdirSync(path.join(s0, 'graphs')).sort(), ['a.json', 'c.json']);
  assert.deepEqual(fs.readdirSync(path.join(s1, 'graphs')).sort(), ['b.json', 'p0006.json']);
  const merged = path.join(tmp, 'merged');
  const m = await run('study', 'merge', '--out', merged, s0, s1);
  assert.equal(m.code, 0, m.err);
  for (const f of ['report.html', 'study.json', 'prompts.csv', 'features.csv']) assert.equal(read(merged, f), read(dir, f), `${f} is the same as one run's`);

  // resume: a lost graph is traced again, the others are kept
  const keep = fs.statSync(path.join(dir, 'graphs', 'a.json')).mtimeMs;
  fs.rmSync(path.join(dir, 'graphs', 'b.json'));
  const again = await run('study', PROMPTS, '--out', dir, ...base);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /resuming: 3 of 4 prompts already traced/);
  assert.match(again.out, /traced 1 prompt\(s\)/);
  assert.equal(fs.statSync(path.join(dir, 'graphs', 'a.json')).mtimeMs, keep);
  assert.equal(read(dir, 'report.html'), read(merged, 'report.html'));
});

test('study: bad prompts, another study in --out, bad flags', async () => {
  const bad = path.join(tmp, 'bad.jsonl');
  fs.writeFileSync(bad, '{"prompt": "ok"}\n{"text": "no prompt"}\n');
  const r = await run('study', bad, '--out', path.join(tmp, 'bad'), ...base);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.jsonl line 2 needs a non-empty "prompt" string/);
  fs.writeFileSync(bad, '{"prompt": "other"}\n');
  const other = await run('study', bad, '--out', path.join(tmp, 'whole'), ...base);
  assert.equal(other.code, 1);
  assert.match(other.err, /holds a study of other prompts/);
  assert.equal((await run('study', PROMPTS, '--out', tmp, '--shard', '2/2')).code, 2);
  assert.equal((await run('study', PROMPTS, '--out', tmp, '--jobs', '0')).code, 2);
  assert.equal((await run('study', PROMPTS)).code, 2);
  const merge = await run('study', 'merge', '--out', path.join(tmp, 'm2'), TRANSCODERS);
  assert.equal(merge.code, 1);
  assert.match(merge.err, /not a study folder/);
});
