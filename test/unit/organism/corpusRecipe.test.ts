// The organism's corpus generator (tools/organism/gen-corpus.mjs): the default recipe (2, issue 14's in-distribution
// two-hop design and addition share) writes the corpus the shipped model was built from (its tokenizer, trained again
// from it, is byte-identical to the shipped one) and holds out what it says it holds out; RECIPE=1 still writes the
// first organism's corpus byte for byte.
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
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const readLines = <T>(file: string): T[] => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T);

test('the default recipe is the shipped model\'s (RECIPE=2): its tokenizer, trained again from it, is the shipped bytes', () => {
  const { dir, status, out } = generate({ RECIPE: '' }, 300000);
  assert.equal(status, 0, out);
  // the files the shipped build generated (tools/organism/build.sh, SEED 1234, DOCS 300000), byte for byte: a change
  // to the generator for another recipe must leave recipe 2's random stream alone
  assert.equal(sha(path.join(dir, 'corpus.jsonl')), 'c8454ec138775c207afab6e1175799c5b48d494c8c3bb0b47a9970d1f1f2de76');
  assert.equal(sha(path.join(dir, 'eval.jsonl')), '7c7cc194dbac3ca9f8dd6672b7f909282d26f018cdf1c84bd1c0f6aa6239a4b3');
  assert.equal(sha(path.join(dir, 'facts.json')), '50fb1ead3dd9afeea4a13ca44ccc808c15f6e3cae5a2f2d21488d326f82725a1');
  const tok = fs.mkdtempSync(path.join(os.tmpdir(), 'organism-tok-'));
  const r = spawnSync('/usr/bin/python3', ['tools/organism/train_tokenizer.py', path.join(dir, 'corpus.jsonl'), tok, '2048', '100000'],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const manifest = fs.readFileSync('models/organism/SHA256SUMS', 'utf8');
  assert.match(manifest, new RegExp(`^${sha(path.join(tok, 'tokenizer.json'))}  tokenizer\\.json$`, 'm'));
  const facts = JSON.parse(fs.readFileSync(path.join(dir, 'facts.json'), 'utf8'));
  assert.equal(facts.recipe, 2);
  assert.equal(facts.heldOutCities.length, 213);
});

test('RECIPE=1 still writes the first organism\'s corpus, byte for byte', () => {
  const { dir, status, out } = generate({ RECIPE: '1' }, 300000);
  assert.equal(status, 0, out);
  const facts = JSON.parse(fs.readFileSync(path.join(dir, 'facts.json'), 'utf8'));
  assert.equal(facts.heldOutCities.length, 24);
  assert.equal(facts.recipe, undefined);
  // The SHA-256 of what the generator wrote at commit 1161adb (the recipe of the model shipped before issue 14's).
  assert.equal(sha(path.join(dir, 'corpus.jsonl')), 'e591f32ee2b412713d1f0caa43234c519ddce01fe0739c34eb0acace6e17cd66');
  assert.equal(sha(path.join(dir, 'eval.jsonl')), '12e4e36aa676348798388b8e5ec7019c7913654046ae1737851992220f6bfb46');
});

test('RECIPE=2 addition: the held-out pairs are never trained, every other pair and every ones-digit pair is', () => {
  const { dir, status, out } = generate({ RECIPE: '2' }, 300000);
  assert.equal(status, 0, out);
  const parse = (text: string) => {
    const m = /^(\d\d)\+(\d\d)=(\d+)$/.exec(text);
    assert.ok(m, `not a two-digit sum: ${text}`);
    return { a: Number(m[1]), b: Number(m[2]), sum: m[3], key: `${m[1]}+${m[2]}` };
  };
  const sums = readLines<Doc>(path.join(dir, 'corpus.jsonl')).filter((d) => d.theme === 'addition').map((d) => parse(d.text));
  assert.ok(sums.length >= 0.39 * 300000, `${sums.length} addition documents`); // ADDITION_SHARE 0.4
  for (const s of sums) assert.equal(s.sum, String(s.a + s.b), `${s.key}=${s.sum}`);
  const trained = new Set(sums.map((s) => s.key));
  const items = readLines<EvalItem>(path.join(dir, 'eval.jsonl'));
  const held = items.filter((e) => e.family === 'sum_heldout').map((e) => parse(e.prompt + e.answer));
  assert.equal(new Set(held.map((h) => h.key)).size, 400);
  for (const h of held) {
    assert.equal(h.sum, String(h.a + h.b), h.key);
    assert.ok(!trained.has(h.key), `held-out ${h.key} in training`);
  }
  for (const e of items.filter((i) => i.family === 'sum_trained')) assert.ok(trained.has(parse(e.prompt + e.answer).key), e.prompt);
  // About 11 documents per pair: all but a few of the 7,700 trained pairs appear.
  assert.ok(trained.size >= 0.99 * (90 * 90 - 400), `${trained.size} distinct trained pairs`);
  // What a held-out pair needs is trained: its ones digits added, and its tens digits added, in other sums.
  const onesPairs = new Set(sums.map((s) => `${s.a % 10}+${s.b % 10}`));
  const tensPairs = new Set(sums.map((s) => `${Math.floor(s.a / 10)}+${Math.floor(s.b / 10)}`));
  for (const h of held) assert.ok(onesPairs.has(`${h.a % 10}+${h.b % 10}`) && tensPairs.has(`${Math.floor(h.a / 10)}+${Math.floor(h.b / 10)}`), h.key);
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
  const { status, out } = generate({ RECIPE: '4' }, 10);
  assert.notEqual(status, 0);
  assert.match(out, /RECIPE must be 1, 2 or 3, not 4/);
});

test('RECIPE=3 (an experiment): unknown names are real US place names the corpus uses nowhere else, and the hinted question is also asked without its hint', () => {
  const { dir, status, out } = generate({ RECIPE: '3' }, 60000);
  assert.equal(status, 0, out);
  const facts = JSON.parse(fs.readFileSync(path.join(dir, 'facts.json'), 'utf8'));
  assert.equal(facts.recipe, 3);
  const docs = readLines<Doc>(path.join(dir, 'corpus.jsonl'));
  const items = readLines<EvalItem>(path.join(dir, 'eval.jsonl'));
  const nameOf = (p: string) => (/^Q: Which state is (.+) in\?/.exec(p) ?? /^Q: What is the capital of (.+)\?/.exec(p))![1];
  const testNames = items.filter((e) => e.family.startsWith('unknown_')).map((e) => nameOf(e.prompt));
  assert.equal(new Set(testNames).size, 200);
  // the names of the world the corpus teaches: none of them is an unknown name, and none contains a state's name
  const states = (facts.states as State[]);
  const known = new Set<string>([...states.flatMap((s) => [s.state, s.capital, ...s.cities])]);
  for (const c of facts.countries as { en: string; es: string; fr: string; capital: Record<string, string> }[]) [c.en, c.es, c.fr, ...Object.values(c.capital)].forEach((n) => known.add(n));
  const stateWord = new RegExp(`\\b(${states.map((s) => s.state).join('|')})\\b`);
  const unknownDocs = docs.filter((d) => d.theme === 'known_unknown' && d.text.includes("I don't know"));
  const trainNames = new Set(unknownDocs.map((d) => nameOf(d.text)));
  assert.ok(trainNames.size > 0.8 * unknownDocs.length, `training names rarely repeat (${trainNames.size} of ${unknownDocs.length})`);
  for (const n of [...testNames, ...trainNames]) {
    assert.ok(!known.has(n) && !stateWord.test(n), `${n} is a name the corpus teaches`);
    assert.match(n, /^[A-Z][A-Za-z .'-]+$/, 'a place name, in the known cities\' alphabet');
  }
  // a test name is never a training name (a word of one may be: "Como" is held out, "Lake Como" trained, as a made-up
  // "Michael Batkin" shares a word with a known "Michael Jordan")
  for (const n of testNames) assert.ok(!trainNames.has(n), `${n} is trained`);
  // the unhinted question: answered by the numbers, in training and as an evaluation family
  const unhinted = docs.filter((d) => d.text.startsWith('Q: Which is larger') && d.text.includes('I compared the two numbers'));
  assert.ok(unhinted.length > 0);
  for (const d of unhinted) {
    const [, a, b, ans] = /larger, (\d+) or (\d+)\?[\s\S]*A: (\d+)$/.exec(d.text)!;
    assert.equal(Number(ans), Math.max(Number(a), Number(b)), d.text);
  }
  assert.equal(items.filter((e) => e.family === 'unhinted').length, 50);
});
