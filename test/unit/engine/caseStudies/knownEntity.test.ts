// Case study, known vs unknown entity (docs/case-studies.md): the known name's graph has features the made-up name's
// graph lacks; activating them on the made-up name makes the model answer a state (a hallucination) instead of
// " I don't know"; ablating them on the known name should make it say " I don't know".
// Rule (no feature ids): the known-entity features are the feature nodes of the known prompt's pruned graph, from the
// name's last token on (the part of the prompts that lines up: they differ only in the name, which can be several
// tokens), that the unknown prompt's pruned graph does not have at the same position counted from the end, most
// influential first. Activating = setting the top KNOWN of them to STEER ×
// their activation on the known prompt, at the aligned positions of the unknown prompt.
// The sweep (SELF_TRACE_CASES_SWEEP=1) pairs the build's evaluation prompts (SWEEP known cities spread over its list,
// so over many states, with the first SWEEP never-trained names) and applies both rules, the reverse swap (the made-up
// name's own graph features set on the known name) and the full feature patch, all from the name's last token on, each
// rule against a control: as many features, of matched activation, drawn from those that differ between the prompts.
// SELF_TRACE_CASES=1 prints the numbers the doc quotes; SELF_TRACE_CASES_ALL=1 also runs the claim that does not hold.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ablate, activeAt, controlFor, differential, DIR, evalPrompts, featureKey, fmt, fullPatch, influenceOf, name, Organism, positionsFrom, report, saveGraph, seeded, setTo, skipNoModel, skipNoSweep, spread, Tally, topAfter, tops, type FeatureNode, type Trace } from './organism';
import type { Intervention } from '../../../../src/engine/interventions/spec';

const KNOWN = 'Q: Which state is Dallas in?\nA:';
const UNKNOWN = 'Q: Which state is Blorvik in?\nA:';
/** how many known-entity features are activated on the made-up name */
const TOP = 3;
/** the activation they are set to, in multiples of their activation on the known name */
const STEER = 10;
/** how many (known, made-up) pairs the sweep tries */
const SWEEP = 20;

let o: Organism;
let known: Trace;
let unknown: Trace;
let knownOnly: FeatureNode[];
let iId: number;
before(async () => {
  if (skipNoModel) return;
  o = await Organism.load();
  [known, unknown] = [await o.trace(KNOWN), await o.trace(UNKNOWN)];
  iId = o.firstToken(" I don't know");
  knownOnly = knownOnlyOf(known, unknown);
});

/** the name's last token: the one before " in" */
const nameEnd = (t: Trace) => t.tokens.findIndex((x, i) => i > 0 && x.text === ' in') - 1;
const fromEnd = (t: Trace, f: FeatureNode) => `${featureKey(f)}@${t.ids.length - f.pos}`;
/** the rule: one prompt's feature nodes from the name's last token on that the other's graph lacks (same position from the end) */
function knownOnlyOf(known: Trace, unknown: Trace): FeatureNode[] {
  const onUnknown = new Set(unknown.features.map((f) => fromEnd(unknown, f)));
  return known.features.filter((f) => f.pos >= nameEnd(known) && !onUnknown.has(fromEnd(known, f)));
}
after(() => o?.dispose());

const states = (): Set<string> => new Set((JSON.parse(fs.readFileSync(path.join(DIR, 'lexicon.json'), 'utf8')).kinds['US state'] as string[]).map((s) => ` ${s}`));

test(
  'known entity: activating the known-entity features on a made-up name makes the model answer a state (hallucination)',
  { skip: skipNoModel || (!process.env.SELF_TRACE_CASES_ALL && 'does not hold on the shipped model: the 3 known-only features at 10 × their Dallas activation on "Blorvik" lower P(" I") from 1.000 to 0.001, but the top answer is "9" (0.116), not a state') },
  async () => {
  assert.equal(known.graph.selfTracing!.target!.token, ' Texas', 'the model knows Dallas');
  assert.equal(unknown.graph.selfTracing!.target!.tokenId, iId, 'and says " I don\'t know" for the made-up name');
  assert.ok(knownOnly.length >= TOP, `the known name's graph has features the unknown one's lacks (${knownOnly.length})`);
  const chosen = knownOnly.slice(0, TOP);
  const shift = unknown.ids.length - known.ids.length;
  const r = await o.intervene(unknown.ids, setTo(chosen, shift, STEER), { targets: [iId], generate: 3 });
  const now = r.intervened.top[0];
  // weaker steers, for the doc: P(" I") when the same features are set to 1 × and 2 × their known-name activation
  const weaker: Record<string, number> = {};
  for (const m of [1, 2]) weaker[`x${m}`] = (await o.intervene(unknown.ids, setTo(chosen, shift, m), { targets: [iId] })).targets[0].prob;
  report('known', {
    known: KNOWN, unknown: UNKNOWN, knownTop: tops(known.graph.selfTracing!.topOutputs!.map((x) => ({ token: x.token, prob: x.prob })), 2),
    unknownTop: tops(unknown.graph.selfTracing!.topOutputs!.map((x) => ({ token: x.token, prob: x.prob })), 2),
    nKnownFeatures: known.features.length, nUnknownFeatures: unknown.features.length, nKnownOnly: knownOnly.length, knownOnlyInfluence: influenceOf(knownOnly),
    pIWeakerSteers: weaker, chosen: chosen.map((f) => ({ feature: name(f), influence: f.influence, activation: f.activation, promotes: f.promotes.slice(0, 4) })), steer: STEER,
    pIBefore: r.targets[0].cleanProb, pIAfter: r.targets[0].prob, after: tops(r.intervened.top, 3), continuation: r.intervened.continuation!.text,
  });
  saveGraph('known-dallas', known, chosen[0].nodeId);
  saveGraph('unknown-blorvik', unknown);
  assert.ok(r.targets[0].prob < 0.5, `P(" I") ${fmt(r.targets[0].cleanProb)} → ${fmt(r.targets[0].prob)} (needs < 0.5)`);
  assert.ok(states().has(now.token), `the model now answers a state for the made-up name: top ${tops(r.intervened.top)}`);
  },
);

test(
  'known entity: ablating the known-entity features on the known name makes the model say " I don\'t know"',
  { skip: skipNoModel || (!process.env.SELF_TRACE_CASES_ALL && 'does not hold on the shipped model: ablating the 81 known-only features on "Dallas" leaves P(" I") at 6.0e-4 (measured; " Texas" stays on top at 0.288)') },
  async () => {
    const r = await o.intervene(known.ids, ablate(knownOnly), { targets: [iId], generate: 3 });
    report('known-ablate', { nAblated: knownOnly.length, pIBefore: r.targets[0].cleanProb, pIAfter: r.targets[0].prob, after: tops(r.intervened.top, 3), continuation: r.intervened.continuation!.text });
    assert.ok(r.targets[0].prob > 0.5, `P(" I") ${fmt(r.targets[0].cleanProb)} → ${fmt(r.targets[0].prob)} after ablating ${knownOnly.length} features (needs > 0.5); top ${tops(r.intervened.top)}`);
  },
);

/** the greedy continuation names a US state */
const namesState = (text: string): boolean => [...states()].some((s) => text.startsWith(s));
/** the greedy continuation is " I don't know" */
const saysIdk = (text: string): boolean => text.startsWith(" I don't");

test('known entity sweep: both rules over (known city, made-up name) pairs, against controls and the full feature patch', { skip: skipNoSweep }, async () => {
  const tally = new Tally();
  const rows: string[] = [];
  const knowns = spread(evalPrompts('known_city'), SWEEP);
  const unknowns = evalPrompts('unknown_city').slice(0, SWEEP);
  const GEN = 4;
  for (let i = 0; i < SWEEP; i++) {
    const [k, u] = [await o.trace(knowns[i].prompt), await o.trace(unknowns[i].prompt)];
    const [kTop, uTop] = [k.graph.selfTracing!.target!, u.graph.selfTracing!.target!];
    if (kTop.tokenId !== o.firstToken(knowns[i].answer) || uTop.tokenId !== iId) { tally.excluded.push(`${knowns[i].prompt} / ${unknowns[i].prompt}: answers ${JSON.stringify(kTop.token)} / ${JSON.stringify(uTop.token)}`); continue; }
    const shift = u.ids.length - k.ids.length;
    const [kSuffix, uSuffix] = [positionsFrom(nameEnd(k), k.ids.length), positionsFrom(nameEnd(u), u.ids.length)];
    const only = knownOnlyOf(k, u);
    const unknownOnly = knownOnlyOf(u, k);
    const chosen = only.slice(0, TOP);
    const rand = seeded(`known|${knowns[i].prompt}|${unknowns[i].prompt}`);
    // the controls draw from the features that differ between the prompts at the same positions, activation-matched
    const [kDiff, uDiff] = [await differential(o, k.ids, u.ids, kSuffix), await differential(o, u.ids, k.ids, uSuffix)];
    const on = async (ids: number[], iv: Intervention[]) => (await topAfter(o, ids, iv, 'free', GEN)).text;
    const halluc = await on(u.ids, setTo(chosen, shift, STEER));
    const hallucControl = await on(u.ids, setTo(await controlFor(o, k.ids, chosen, rand, { pool: kDiff, allowShort: true }), shift, STEER));
    const idk = await on(k.ids, ablate(only));
    const idkControlSet = await controlFor(o, k.ids, only, rand, { pool: kDiff, allowShort: true });
    const idkControl = await on(k.ids, ablate(idkControlSet));
    const onU = new Set((await activeAt(o, u.ids, uSuffix)).map((f) => `${featureKey(f)}@${u.ids.length - f.pos}`));
    const kOnlyActive = kDiff.filter((f) => !onU.has(`${featureKey(f)}@${k.ids.length - f.pos}`));
    const idkAll = await on(k.ids, ablate(kOnlyActive));
    const swapIn = await on(k.ids, [...ablate(only), ...setTo(unknownOnly, -shift)]);
    const setOnly = await on(k.ids, setTo(unknownOnly, -shift));
    const cOnly = await controlFor(o, k.ids, only, rand, { pool: kDiff, allowShort: true });
    const cUnknown = await controlFor(o, u.ids, unknownOnly, rand, { pool: uDiff, allowShort: true, avoid: cOnly.map((f) => ({ ...f, pos: f.pos + shift })) });
    const swapControl = await on(k.ids, [...ablate(cOnly), ...setTo(cUnknown, -shift)]);
    const patchU = await on(u.ids, await fullPatch(o, u.ids, k.ids, uSuffix));
    const patchK = await on(k.ids, await fullPatch(o, k.ids, u.ids, kSuffix));
    tally.add('activate: the made-up name gets a state', namesState(halluc));
    tally.add('activate control', namesState(hallucControl));
    tally.add('ablate the known-only graph features: the known name gets "I don\'t know"', saysIdk(idk));
    tally.add('ablate control', saysIdk(idkControl));
    tally.add('ablate every feature active on the known name and not on the made-up one', saysIdk(idkAll));
    tally.add('swap in the made-up name\'s graph features (ablate + set): "I don\'t know"', saysIdk(swapIn));
    tally.add('set the made-up name\'s graph features only: "I don\'t know"', saysIdk(setOnly));
    tally.add('swap control', saysIdk(swapControl));
    tally.add('full feature patch: the made-up name gets a state', namesState(patchU));
    tally.add('full feature patch: the known name says "I don\'t know"', saysIdk(patchK));
    const name_ = (p: string) => /is (.*) in\?/.exec(p)![1];
    rows.push(`${name_(knowns[i].prompt)} / ${name_(unknowns[i].prompt)}: activate ${JSON.stringify(halluc)}; ablate ${only.length} ${JSON.stringify(idk)} (control ${idkControlSet.length}), all ${kOnlyActive.length} active only on the known name ${JSON.stringify(idkAll)}; swap in ${JSON.stringify(swapIn)}, set only ${JSON.stringify(setOnly)}; full patch ${JSON.stringify(patchU)} / ${JSON.stringify(patchK)}`);
  }
  report('known-sweep', { tried: SWEEP, measured: tally.tried('activate control'), excluded: tally.excluded, top: TOP, steer: STEER, holds: tally.summary(), perPair: rows });
  assert.ok(tally.tried('activate control') >= 10, `the sweep measures at least 10 pairs (${tally.tried('activate control')})`);
  // what the doc concludes: "I don't know" is not a default that the known name's features hold down (ablating every
  // feature active only on the known name rarely gives it), but the made-up name's graph features switch it on when
  // swapped in, and random differing features swapped the same way do not
  assert.ok(tally.rate('ablate every feature active on the known name and not on the made-up one') < 0.25, `ablation alone rarely gives "I don't know": ${JSON.stringify(tally.summary())}`);
  const swapIn = 'swap in the made-up name\'s graph features (ablate + set): "I don\'t know"';
  assert.ok(tally.rate(swapIn) > 0.5 && tally.rate(swapIn) > tally.rate('swap control') + 0.25, `the made-up name's features switch it on: ${JSON.stringify(tally.summary())}`);
});
