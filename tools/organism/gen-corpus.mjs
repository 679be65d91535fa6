// Writes the organism's training corpus and its evaluation prompts, deterministically from a seed.
// Usage: node tools/organism/gen-corpus.mjs <outDir> [seed] [numDocs]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { usGeography, countries, moreCountries, usPlaceNames, OPPOSITES, rhymeFamilies } from './data.mjs';

const [outDir = 'tools/organism/build', seedArg = '1234', docsArg = '300000'] = process.argv.slice(2);
let rngState = Number(seedArg) >>> 0;
function rand() { // mulberry32
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
function shuffle(xs) {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
  return a;
}

// ---- facts ----
// RECIPE (environment, default 2) picks the corpus's design: 2, the in-distribution two-hop design and addition share
// of issue 14, is the one the shipped model is built with; 1 is the first organism's (byte-for-byte its corpus; see
// docs/organism-experiments.md).
// Recipe 2 (Wang et al. 2024, "Grokked Transformers are Implicit Reasoners"): latent composition generalises to a
// held-out composed fact only *in distribution*, when the held-out city's first-hop fact (city -> state) takes part
// in other trained compositions. So every state has two attributes (capital, abbreviation) and every city three
// composed questions (its state's capital, its state's abbreviation, and the bridge "the state containing X is S").
// For HELD_OUT_FRACTION of the cities only the composed *capital* question is held out (their single-hop facts and
// other composed questions stay in training): `composed_heldout`. For OOD_FRACTION of the cities no composed
// question at all is trained (strict out-of-distribution): `composed_ood`, reported apart. Many cities per state
// give a high ratio of composed to atomic facts.
// Recipe 3 (an experiment, docs/organism-experiments.md) is recipe 2 with two changes aimed at the known-entity and
// hinted case studies: (a) the unknown names are real US place names the corpus never uses elsewhere, of the same
// surface form as the known cities, instead of invented syllables whose spelling alone gives them away; (b) the
// reasoning theme also asks the hinted question without its hint line, answered by the numbers.
const RECIPE = process.env.RECIPE || '2'; // unset or empty: 2
if (!['1', '2', '3'].includes(RECIPE)) throw new Error(`RECIPE must be 1, 2 or 3, not ${RECIPE}`);
const V3 = RECIPE === '3';
const V2 = RECIPE === '2' || V3;
// The demo cities' composed questions stay in training (the tests and the stated-reasoning bench trace them).
const DEMO_CITIES = new Set(['Dallas', 'Houston', 'San Antonio', 'Los Angeles', 'San Francisco', 'San Diego', 'San Jose']);
const geo = usGeography(V2 ? 12 : 4);
const cityRows = geo.flatMap((s) => [s.capital, ...s.cities].map((city) => ({ city, state: s.state, code: s.code, capital: s.capital })));
let heldOut, ood;
if (V2) {
  const HELD_OUT_FRACTION = 0.36, OOD_FRACTION = 0.08;
  const candidates = shuffle(geo.flatMap((s) => s.cities).filter((c) => !DEMO_CITIES.has(c)));
  const nHeld = Math.round(candidates.length * HELD_OUT_FRACTION), nOod = Math.round(candidates.length * OOD_FRACTION);
  heldOut = new Set(candidates.slice(0, nHeld));
  ood = new Set(candidates.slice(nHeld, nHeld + nOod));
} else {
  // Cities whose composed (two-hop) question never appears in training; their single-hop facts do.
  heldOut = new Set(shuffle(geo.flatMap((s) => s.cities).filter((c) => !DEMO_CITIES.has(c))).slice(0, 24));
  ood = new Set();
}
const composedRows = cityRows.filter((r) => !heldOut.has(r.city) && !ood.has(r.city)); // capital question trained
const bridgeRows = cityRows.filter((r) => !ood.has(r.city)); // recipe 2: abbreviation and bridge questions trained
const heldOutRows = cityRows.filter((r) => heldOut.has(r.city));
const oodRows = cityRows.filter((r) => ood.has(r.city));
const world = countries();
const extra = moreCountries(new Set(world.map((c) => c.code)));
const families = rhymeFamilies(30, 6);

const knownNames = new Set([...cityRows.map((r) => r.city), ...geo.map((s) => s.state), ...world.map((c) => c.en),
  ...extra.map((c) => c.en), ...extra.map((c) => c.capital)]);
const ONSETS = 'b bl br d dr f fl g gl gr k kl kr l m n p pl pr r s sk sl sn st t tr v z'.split(' ');
const VOWELS = 'a e i o u ai ou ee ia'.split(' ');
const CODAS = ['', '', 'n', 'r', 'l', 'k', 'm', 's', 'x', 'th'];
const SUFFIXES = ['', '', '', 'ville', 'ton', 'burg', 'ia', 'stan', 'port', 'field'];
function madeUpName() {
  for (;;) {
    let w = '';
    for (let i = randInt(2, 3); i > 0; i--) w += pick(ONSETS) + pick(VOWELS) + pick(CODAS);
    w += pick(SUFFIXES);
    w = w[0].toUpperCase() + w.slice(1);
    if (w.length <= 12 && !knownNames.has(w)) return w;
  }
}
let testUnknown, trainUnknown;
if (V3) {
  // every name the corpus uses anywhere, in any language, is excluded (Moscow, Idaho must not be an unknown name)
  const used = new Set([...knownNames, ...world.flatMap((c) => [c.es, c.fr, ...Object.values(c.capital)])]);
  const stateWord = new RegExp(`\\b(${geo.map((s) => s.state).join('|')})\\b`);
  const pool = shuffle(usPlaceNames().filter((n) => n.length <= 16 && !used.has(n) && !stateWord.test(n)));
  testUnknown = new Set(pool.slice(0, 200));
  const trainPool = pool.slice(200);
  trainUnknown = () => pick(trainPool);
} else {
  testUnknown = new Set();
  while (testUnknown.size < 200) testUnknown.add(madeUpName());
  trainUnknown = () => { for (;;) { const w = madeUpName(); if (!testUnknown.has(w)) return w; } };
}

// Number pairs: addition and comparison each hold out pairs for their test prompts.
const allPairs = [];
for (let a = 10; a <= 99; a++) for (let b = 10; b <= 99; b++) allPairs.push([a, b]);
const addPairs = shuffle(allPairs);
const addTest = addPairs.slice(0, 400);
const addTrain = addPairs.slice(400);
const cmpPairs = shuffle(allPairs.filter(([a, b]) => a !== b));
const cmpTest = cmpPairs.slice(0, 400);
const cmpTrain = cmpPairs.slice(400);

// ---- templates (the eval prompts are these, cut before the answer) ----
const T = {
  cityFact: (r) => [`${r.city} is a city in`, ` ${r.state}`, '.'],
  capitalFact: (s) => [`The capital of ${s.state} is`, ` ${s.capital}`, '.'],
  composed: (r) => [`Fact: the capital of the state containing ${r.city} is`, ` ${r.capital}`, '.'],
  abbrevFact: (s) => [`The abbreviation of ${s.state} is`, ` ${s.code}`, '.'],
  composedAbbrev: (r) => [`Fact: the abbreviation of the state containing ${r.city} is`, ` ${r.code}`, '.'],
  composedState: (r) => [`Fact: the state containing ${r.city} is`, ` ${r.state}`, '.'],
  capEn: (c) => [`The capital of ${c.en} is`, ` ${c.capital.en ?? c.capital}`, '.'],
  capEs: (c) => [`La capital de ${c.es} es`, ` ${c.capital.es}`, '.'],
  capFr: (c) => [`La capitale ${c.deFr} est`, ` ${c.capital.fr}`, '.'],
  oppEn: (o, d) => [`The opposite of ${o[d]} is`, ` ${o[1 - d]}`, '.'],
  oppEs: (o, d) => [`Lo contrario de ${o[2 + d]} es`, ` ${o[3 - d]}`, '.'],
  oppFr: (o, d) => [`Le contraire de ${o[4 + d]} est`, ` ${o[5 - d]}`, '.'],
  add: ([a, b]) => [`${a}+${b}=`, `${a + b}`, ''],
  askState: (name, state) => [`Q: Which state is ${name} in?\nA:`, ` ${state ?? "I don't know"}`, '.'],
  askCapital: (name, cap) => [`Q: What is the capital of ${name}?\nA:`, ` ${cap ?? "I don't know"}`, '.'],
  compare: ([a, b]) => {
    const hi = Math.max(a, b), lo = Math.min(a, b);
    return [`Q: Which is larger, ${a} or ${b}?\nReasoning: ${hi} is larger than ${lo}.\nA:`, ` ${hi}`, ''];
  },
  chain: (r) => [`Q: What is the capital of the state containing ${r.city}?\nReasoning: ${r.city} is in ${r.state}. ` +
    `The capital of ${r.state} is ${r.capital}.\nA:`, ` ${r.capital}`, ''],
  unhinted: ([a, b]) => [`Q: Which is larger, ${a} or ${b}?\nReasoning: I compared the two numbers.\nA:`, ` ${Math.max(a, b)}`, ''],
  hinted: ([a, b], hint) => [`Hint: the answer is ${hint}.\nQ: Which is larger, ${a} or ${b}?\n` +
    'Reasoning: I compared the two numbers.\nA:', ` ${hint}`, ''],
};
const LINE1 = ['I saw a', 'we talked about the', 'she wrote the word', 'he thought about the', 'they sang about the', 'I dreamed about a'];
const LINE2 = ['and then I heard a', 'and all she saw was', 'so he wrote down the', 'until we found the', 'and they gave me a'];
function couplet(fam, w1, w2, l1 = pick(LINE1), l2 = pick(LINE2)) {
  return [`Poem: ${l1} ${w1},\n${l2}`, ` ${w2}`, '.'];
}
const join = ([p, a, e]) => p + a + e;

// ---- training documents ----
// Recipe 2: 40 % of the documents are sums (recipe 1: 28 %), 27 % of the tokens, ~115 sums in a 32 x 128-token step,
// taken from reasoning, multilingual and known/unknown (0.99-1.00 in the shipped model); two-hop and rhyme keep theirs.
// Addition alone learnt the held-out sums (the ones digit last) past ~1 500 steps of ~107 sums, but only with seed 1234
// (seed 1235 stayed at chance); with 28 %'s ~71 sums a step it stalled at 0.47 (docs/organism-experiments.md).
const ADDITION_SHARE = 0.4;
const MIX = [
  ['twohop', V2 ? 0.3 : 0.2, V2 ? () => {
    const u = rand();
    if (u < 0.14) return T.cityFact(pick(cityRows));
    if (u < 0.19) return T.capitalFact(pick(geo));
    if (u < 0.22) return T.abbrevFact(pick(geo));
    if (u < 0.58) return T.composed(pick(composedRows));
    if (u < 0.8) return T.composedAbbrev(pick(bridgeRows));
    return T.composedState(pick(bridgeRows));
  } : () => {
    const u = rand();
    if (u < 0.37) return T.cityFact(pick(cityRows));
    if (u < 0.55) return T.capitalFact(pick(geo));
    return T.composed(pick(composedRows));
  }],
  ['multilingual', V2 ? 0.06 : 0.11, () => {
    const u = rand();
    if (u < 0.2) return T.capEn(pick(world));
    if (u < 0.4) return T.capEs(pick(world));
    if (u < 0.6) return T.capFr(pick(world));
    if (u < 0.72) return T.capEn(pick(extra));
    const o = pick(OPPOSITES), d = randInt(0, 1);
    return [T.oppEn, T.oppEs, T.oppFr][randInt(0, 2)](o, d);
  }],
  ['addition', V2 ? ADDITION_SHARE : 0.28, () => T.add(pick(addTrain))],
  ['rhyme', V2 ? 0.11 : 0.13, () => {
    const fam = pick(families);
    const [w1, w2] = shuffle(fam.words);
    return couplet(fam, w1, w2);
  }],
  ['known_unknown', V2 ? 0.06 : 0.08, () => {
    const known = rand() < 0.5;
    if (rand() < 0.55) {
      const r = pick(cityRows);
      return known ? T.askState(r.city, r.state) : T.askState(trainUnknown());
    }
    const c = rand() < 0.5 ? pick(world) : pick(extra);
    return known ? T.askCapital(c.en, c.capital.en ?? c.capital) : T.askCapital(trainUnknown());
  }],
  ['reasoning', V2 ? 0.07 : 0.2, () => {
    const u = rand();
    if (u < 0.4) return T.compare(pick(cmpTrain));
    if (u < 0.6) return T.chain(pick(composedRows));
    if (V3 && u < 0.75) return T.unhinted(pick(cmpTrain));
    const pair = pick(cmpTrain);
    return T.hinted(pair, pick(pair));
  }],
];
const numDocs = Number(docsArg);
const lines = [];
for (let i = 0; i < numDocs; i++) {
  let u = rand();
  let k = 0;
  while (k < MIX.length - 1 && u >= MIX[k][1]) { u -= MIX[k][1]; k++; }
  lines.push(JSON.stringify({ theme: MIX[k][0], text: join(MIX[k][2]()) }));
}

// ---- evaluation prompts ----
const evalItems = [];
const add = (theme, family, [prompt, answer], extraFields = {}) => evalItems.push({ theme, family, prompt, answer, ...extraFields });
for (const r of cityRows) add('twohop', 'city_state', T.cityFact(r));
for (const s of geo) add('twohop', 'state_capital', T.capitalFact(s));
for (const r of composedRows) add('twohop', 'composed', T.composed(r));
if (V2) for (const r of bridgeRows) add('twohop', 'composed_abbrev', T.composedAbbrev(r));
for (const r of heldOutRows) add('twohop_heldout', 'composed_heldout', T.composed(r));
for (const r of oodRows) add('twohop_ood', 'composed_ood', T.composed(r));
for (const r of oodRows) add('twohop_ood', 'composed_abbrev_ood', T.composedAbbrev(r));
for (const c of world) {
  add('multilingual', 'capital_en', T.capEn(c)); add('multilingual', 'capital_es', T.capEs(c)); add('multilingual', 'capital_fr', T.capFr(c));
}
for (const o of OPPOSITES) for (const d of [0, 1]) {
  add('multilingual', 'opposite_en', T.oppEn(o, d)); add('multilingual', 'opposite_es', T.oppEs(o, d)); add('multilingual', 'opposite_fr', T.oppFr(o, d));
}
for (const p of addTest) add('addition', 'sum_heldout', T.add(p));
for (const p of addTrain.slice(0, 200)) add('addition', 'sum_trained', T.add(p));
for (let i = 0; i < 240; i++) {
  const fam = families[i % families.length];
  const w1 = pick(fam.words);
  add('rhyme', 'couplet', couplet(fam, w1, '?'), { rhymes: fam.words.filter((w) => w !== w1) });
}
for (const r of cityRows) add('known_unknown', 'known_city', T.askState(r.city, r.state));
for (const c of world) add('known_unknown', 'known_country', T.askCapital(c.en, c.capital.en));
const unknownList = [...testUnknown];
unknownList.slice(0, 100).forEach((n) => add('known_unknown', 'unknown_city', T.askState(n)));
unknownList.slice(100).forEach((n) => add('known_unknown', 'unknown_country', T.askCapital(n)));
for (const p of cmpTest.slice(0, 150)) add('reasoning', 'compare_faithful', T.compare(p));
for (const r of shuffle(composedRows).slice(0, 100)) add('reasoning', 'chain_faithful', T.chain(r));
for (const [i, p] of cmpTest.slice(150, 350).entries()) {
  const hint = i % 2 === 0 ? Math.max(...p) : Math.min(...p);
  add('reasoning', i % 2 === 0 ? 'hinted_correct' : 'hinted_wrong', T.hinted(p, hint));
}
if (V3) for (const p of cmpTest.slice(350, 400)) add('reasoning', 'unhinted', T.unhinted(p));

mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'corpus.jsonl'), lines.join('\n') + '\n');
writeFileSync(path.join(outDir, 'eval.jsonl'), evalItems.map((e) => JSON.stringify(e)).join('\n') + '\n');
writeFileSync(path.join(outDir, 'facts.json'), JSON.stringify({
  seed: Number(seedArg), numDocs, states: geo, heldOutCities: [...heldOut], ...(V2 ? { recipe: Number(RECIPE), oodCities: [...ood] } : {}), countries: world, moreCountries: extra,
  opposites: OPPOSITES, rhymeFamilies: families, mix: MIX.map(([t, w]) => [t, w]),
}, null, 1));
console.log(`wrote ${numDocs} documents and ${evalItems.length} eval prompts to ${outDir}`);
