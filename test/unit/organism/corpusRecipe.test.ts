// The organism's corpus generator (tools/organism/gen-corpus.mjs): the default recipe still writes the corpus the
// shipped model was built from (its tokenizer, trained again from it, is byte-identical to the shipped one), and
// RECIPE=2 (issue 14's in-distribution two-hop design) holds out what it says it holds out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Doc { theme: string; text: string }
interface EvalItem { theme: string; family: string; prompt: string; answer: string }
interface State { state: string; code: string; capital: string; cities: string[] }

function generate(env: Record<string, string>, docs: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'organism-corpus-'));
  const r = spawnSync(process.execPath, ['tools/organism/gen-corpus.mjs', dir, '1234', String(docs)],
    { encoding: 'utf8', env: { ...process.env, ...env } });
  return { dir, status: r.status, out: r.stdout + r.stderr };
}
const readLines = <T>(file: string): T[] => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);

test('the default recipe writes the corpus the shipped model was built from: its tokenizer trains to the shipped bytes', () => {
  const { dir, status, out } = generate({ RECIPE: '' }, 300000);
  assert.equal(status, 0, out);
  const tok = fs.mkdtempSync(path.join(os.tmpdir(), 'organism-tok-'));
  const r = spawnSync('/usr/bin/python3', ['tools/organism/train_tokenizer.py', path.join(dir, 'corpus.jsonl'), tok, '2048', '100000'],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  const manifest = fs.readFileSync('models/organism/SHA256SUMS', 'utf8');
  assert.match(manifest, new RegExp(`^${sha(path.join(tok, 'tokenizer.json'))}  tokenizer\\.json$`, 'm'));
  const facts = JSON.parse(fs.readFileSync(path.join(dir, 'facts.json'), 'utf8'));
  assert.equal(facts.heldOutCities.length, 24);
  assert.equal(facts.recipe, undefined);
});

test('RECIPE=2 holds out the composed capital question for >= 30 % of cities and every composed question for the OOD cities', () => {
  const { dir, status, out } = generate({ RECIPE: '2' }, 300000);
  assert.equal(status, 0, out);
  const facts = JSON.parse(fs.readFileSync(path.join(dir, 'facts.json'), 'utf8'));
  const states = facts.states as State[];
  const cities = states.flatMap((s) => [s.capital, ...s.cities]);
  const held = new Set<string>(facts.heldOutCities);
  const ood = new Set<string>(facts.oodCities);
  assert.equal(facts.recipe, 2);
  assert.ok(held.size / cities.length >= 0.3, `held out ${held.size} of ${cities.length}`);
  assert.ok(ood.size >= 30, `${ood.size} OOD cities`);
  assert.ok(![...held].some((c) => ood.has(c)));
  for (const demo of ['Dallas', 'San Francisco', 'Los Angeles']) assert.ok(!held.has(demo) && !ood.has(demo), demo);

  const docs = readLines<Doc>(path.join(dir, 'corpus.jsonl'));
  const composedCapital = new Set<string>(), composedAny = new Set<string>(), single = new Set<string>();
  for (const { text } of docs) {
    let m = /capital of the state containing ([A-Za-z .'-]+?)(?: is|\?)/.exec(text);
    if (m) composedCapital.add(m[1]);
    m = /the state containing ([A-Za-z .'-]+?)(?: is|\?)/.exec(text);
    if (m) composedAny.add(m[1]);
    m = /^([A-Za-z .'-]+) is a city in /.exec(text) ?? /^Q: Which state is ([A-Za-z .'-]+) in\?/.exec(text);
    if (m) single.add(m[1]);
  }
  for (const c of held) {
    assert.ok(!composedCapital.has(c), `held-out ${c}: composed capital question in training`);
    assert.ok(composedAny.has(c), `held-out ${c}: no other composed question in training (it would be OOD)`);
    assert.ok(single.has(c), `held-out ${c}: single-hop fact missing`);
  }
  for (const c of ood) {
    assert.ok(!composedAny.has(c), `OOD ${c}: a composed question in training`);
    assert.ok(single.has(c), `OOD ${c}: single-hop fact missing`);
  }
  // The other cities' composed capital questions are trained (the generalisation has something to learn from).
  assert.ok(cities.filter((c) => !held.has(c) && !ood.has(c)).every((c) => composedCapital.has(c)));

  const items = readLines<EvalItem>(path.join(dir, 'eval.jsonl'));
  const cityOf = (e: EvalItem) => /containing (.+) is$/.exec(e.prompt)![1];
  assert.deepEqual(new Set(items.filter((e) => e.family === 'composed_heldout').map(cityOf)), held);
  assert.deepEqual(new Set(items.filter((e) => e.family === 'composed_ood').map(cityOf)), ood);
  const capitalOf = new Map(states.flatMap((s) => [s.capital, ...s.cities].map((c) => [c, s.capital] as const)));
  for (const e of items.filter((i) => i.family === 'composed_heldout')) assert.equal(e.answer, ` ${capitalOf.get(cityOf(e))}`);
});

test('an unknown RECIPE is refused with its name', () => {
  const { status, out } = generate({ RECIPE: '3' }, 10);
  assert.notEqual(status, 0);
  assert.match(out, /RECIPE must be 1 or 2, not 3/);
});
