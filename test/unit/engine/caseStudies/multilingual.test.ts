// Case study, multilingual (docs/case-studies.md): the same question ("the opposite of small") in English, Spanish
// and French. Claims: the three graphs share feature nodes (reported: the shared fraction of feature nodes and of their
// influence), and language features decide the output language: swapping the French prompt's language features for
// the English prompt's makes the model answer in English with the same concept (" big" instead of " grand").
// Rules (no feature ids): a shared feature is a (layer, feature) pair with a node on all three pruned graphs, at any
// position; a language feature of prompt A against prompt B is a feature node of A's pruned graph whose (layer,
// feature) has no node on B's. The swap ablates French's language features (against English) at their positions and
// sets English's (against French) to their English activations at the aligned positions (counted from the end: the prompts differ in length).
// The sweep (SELF_TRACE_CASES_SWEEP=1) applies the swap to every French opposite of the build's evaluation prompts with
// its English counterpart (held: the greedy continuation starts with the English answer), against a control swapped
// the same way (as many features, of matched activation, drawn from those that differ between the prompts at the same
// positions) and the full feature patch: every feature at the last position (and, where the prompts have as many
// tokens, at every position) set to its English value.
// SELF_TRACE_CASES=1 prints the numbers the doc quotes; SELF_TRACE_CASES_ALL=1 also runs the claim that does not hold.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ablate, controlFor, differential, evalPrompts, featureKey, fmt, fullPatch, influenceOf, name, Organism, positionsFrom, report, saveGraph, seeded, setTo, skipNoModel, skipNoSweep, Tally, topAfter, tops, type Trace } from './organism';
import type { Intervention } from '../../../../src/engine/interventions/spec';

const PROMPTS = { en: 'The opposite of small is', es: 'Lo contrario de pequeño es', fr: 'Le contraire de petit est' };
const ANSWERS = { en: ' big', es: ' grande', fr: ' grand' };
type Lang = keyof typeof PROMPTS;
const LANGS = Object.keys(PROMPTS) as Lang[];

let o: Organism;
const traces = {} as Record<Lang, Trace>;
before(async () => {
  if (skipNoModel) return;
  o = await Organism.load();
  for (const l of LANGS) traces[l] = await o.trace(PROMPTS[l]);
});
after(() => o?.dispose());

const languageFeatures = (a: Trace, b: Trace) => {
  const onB = new Set(b.features.map(featureKey));
  return a.features.filter((f) => !onB.has(featureKey(f)));
};

test('multilingual: the three languages answer the same concept, and their graphs share feature nodes', { skip: skipNoModel }, async () => {
  for (const l of LANGS) {
    const text = await o.greedy(traces[l].ids, 3);
    assert.ok(text.startsWith(ANSWERS[l]), `${l}: ${JSON.stringify(PROMPTS[l])} → ${JSON.stringify(text)} (expected ${ANSWERS[l]})`);
  }
  const sets = LANGS.map((l) => new Set(traces[l].features.map(featureKey)));
  const shared = new Set([...sets[0]].filter((k) => sets.every((s) => s.has(k))));
  const per = Object.fromEntries(LANGS.map((l) => {
    const fs = traces[l].features;
    const sh = fs.filter((f) => shared.has(featureKey(f)));
    return [l, { language: l, nodes: fs.length, sharedNodes: sh.length, nodeFraction: sh.length / fs.length, influenceFraction: influenceOf(sh) / influenceOf(fs), topShared: sh.slice(0, 3).map(name) }];
  }));
  report('multilingual-shared', { prompts: PROMPTS, sharedFeatures: shared.size, union: new Set(sets.flatMap((s) => [...s])).size, perLanguage: Object.values(per) });
  const top = traces.en.features.find((f) => shared.has(featureKey(f)));
  for (const l of LANGS) saveGraph(`multilingual-${l}`, traces[l], traces[l].features.find((f) => top && featureKey(f) === featureKey(top))?.nodeId);
  assert.ok(shared.size > 0, 'the three graphs share at least one feature');
  for (const l of LANGS) assert.ok(per[l].sharedNodes > 0, `${l}: shared features are on its graph`);
});

test(
  'multilingual: swapping the French prompt\'s language features for English ones makes it answer " big"',
  { skip: skipNoModel || (!process.env.SELF_TRACE_CASES_ALL && 'does not hold on the shipped model: the swap takes P( grand) from 0.966 to 0.115 but P( b) only to 0.038 (top " " 0.357)') },
  async () => {
    const [fr, en] = [traces.fr, traces.en];
    const frOnly = languageFeatures(fr, en);
    const enOnly = languageFeatures(en, fr);
    const shift = fr.ids.length - en.ids.length;
    const [b, grand] = [o.firstToken(ANSWERS.en), o.firstToken(ANSWERS.fr)];
    const r = await o.intervene(fr.ids, [...ablate(frOnly), ...setTo(enOnly, shift)], { targets: [grand, b], generate: 3 });
    report('multilingual-swap', {
      ablated: frOnly.length, set: enOnly.length, frLanguage: frOnly.slice(0, 4).map(name), enLanguage: enOnly.slice(0, 4).map(name),
      pGrand: [r.targets[0].cleanProb, r.targets[0].prob], pB: [r.targets[1].cleanProb, r.targets[1].prob], after: tops(r.intervened.top, 3), continuation: r.intervened.continuation!.text,
    });
    assert.ok(r.targets[1].prob > 0.5, `P(" b") ${fmt(r.targets[1].cleanProb)} → ${fmt(r.targets[1].prob)} (needs > 0.5); top ${tops(r.intervened.top)}`);
    assert.ok(r.intervened.continuation!.text.startsWith(ANSWERS.en), `the swapped prompt answers ${JSON.stringify(ANSWERS.en)}: ${JSON.stringify(r.intervened.continuation!.text)}`);
  },
);

test('multilingual sweep: the language swap over the evaluation opposites, against a control and the full feature patch', { skip: skipNoSweep }, async () => {
  const tally = new Tally();
  const rows: string[] = [];
  const [frs, ens] = [evalPrompts('opposite_fr'), evalPrompts('opposite_en')];
  assert.equal(frs.length, ens.length, 'the evaluation has an English prompt for each French one');
  for (let i = 0; i < frs.length; i++) {
    const [fr, en] = [await o.trace(frs[i].prompt), await o.trace(ens[i].prompt)];
    const [frId, enId] = [o.firstToken(frs[i].answer), o.firstToken(ens[i].answer)];
    if (frId === enId || fr.graph.selfTracing!.target!.tokenId !== frId || en.graph.selfTracing!.target!.tokenId !== enId) {
      tally.excluded.push(`${frs[i].prompt} / ${ens[i].prompt}: ${frId === enId ? 'the answers share their first token' : `answers ${JSON.stringify(fr.graph.selfTracing!.target!.token)} / ${JSON.stringify(en.graph.selfTracing!.target!.token)}`}`);
      continue;
    }
    const [frOnly, enOnly] = [languageFeatures(fr, en), languageFeatures(en, fr)];
    const shift = fr.ids.length - en.ids.length;
    const inFr = enOnly.filter((f) => f.pos + shift > 0);
    // the English answer, whole: the greedy continuation starts with it
    const english = (x: { text: string }) => x.text.startsWith(ens[i].answer);
    const after = (iv: Intervention[]) => topAfter(o, fr.ids, iv, 'free', 3);
    const swap = await after([...ablate(frOnly), ...setTo(inFr, shift)]);
    const rand = seeded(`multilingual|${frs[i].prompt}`);
    const cFr = await controlFor(o, fr.ids, frOnly, rand, { pool: await differential(o, fr.ids, en.ids, [...new Set(frOnly.map((f) => f.pos))]) });
    const cEn = await controlFor(o, en.ids, inFr, rand, { pool: await differential(o, en.ids, fr.ids, [...new Set(inFr.map((f) => f.pos))]), avoid: cFr.map((f) => ({ ...f, pos: f.pos - shift })) });
    const control = await after([...ablate(cFr), ...setTo(cEn, shift)]);
    const last = await after(await fullPatch(o, fr.ids, en.ids, [fr.ids.length - 1]));
    tally.add('swap', english(swap));
    tally.add('control', english(control));
    tally.add('full feature patch at the last position', english(last));
    let all = '';
    if (shift === 0) {
      const every = await after(await fullPatch(o, fr.ids, en.ids, positionsFrom(1, fr.ids.length)));
      tally.add('full feature patch at every position (prompts of equal length)', english(every));
      all = `, every position ${JSON.stringify(every.text)}`;
    }
    rows.push(`${frs[i].prompt} → ${frs[i].answer} / ${ens[i].answer.trim()}: swap ${JSON.stringify(swap.text)}, control ${JSON.stringify(control.text)}; full patch: last position ${JSON.stringify(last.text)}${all}`);
  }
  report('multilingual-sweep', { tried: frs.length, measured: tally.tried('swap'), excluded: tally.excluded, holds: tally.summary(), perPrompt: rows });
  assert.ok(tally.tried('swap') >= 10, `the sweep measures at least 10 prompts (${tally.tried('swap')})`);
  // what the doc concludes: neither the swap nor every feature of the last position set to its English value gives the
  // English answer: the transcoder features there do not decide the output language
  assert.ok(tally.rate('swap') < 0.25, `the swap rarely gives the English answer: ${JSON.stringify(tally.summary())}`);
  assert.ok(tally.rate('full feature patch at the last position') < 0.25, `nor does the full feature patch at the last position: ${JSON.stringify(tally.summary())}`);
});
