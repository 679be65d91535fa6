// Case study, known vs unknown entity (docs/case-studies.md): the known name's graph has features the made-up name's
// graph lacks; activating them on the made-up name makes the model answer a state (a hallucination) instead of
// " I don't know"; ablating them on the known name should make it say " I don't know".
// Rule (no feature ids): the known-entity features are the feature nodes of the known prompt's pruned graph, from the
// name's first token on, that the unknown prompt's pruned graph does not have at the same position counted from the end
// (the prompts differ only in the name), most influential first. Activating = setting the top KNOWN of them to STEER ×
// their activation on the known prompt, at the aligned positions of the unknown prompt.
// The sweep (SELF_TRACE_CASES_SWEEP=1) pairs the build's evaluation prompts (the i-th known city with the i-th made-up
// name, first SWEEP) and applies both rules, against a control (as many random features active at the same positions)
// and a bound: every feature from the name's last token on set to its value on the other prompt.
// SELF_TRACE_CASES=1 prints the numbers the doc quotes; SELF_TRACE_CASES_ALL=1 also runs the claim that does not hold.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ablate, controlFor, DIR, evalPrompts, featureKey, fmt, fullPatch, influenceOf, name, Organism, positionsFrom, report, saveGraph, seeded, setTo, skipNoModel, skipNoSweep, Tally, topAfter, tops, type FeatureNode, type Trace } from './organism';

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

const nameStart = (t: Trace) => t.tokens.findIndex((x) => x.text === ' is') + 1;
const fromEnd = (t: Trace, f: FeatureNode) => `${featureKey(f)}@${t.ids.length - f.pos}`;
/** the rule: the known prompt's feature nodes from the name on that the unknown prompt's graph lacks (same position from the end) */
function knownOnlyOf(known: Trace, unknown: Trace): FeatureNode[] {
  const onUnknown = new Set(unknown.features.map((f) => fromEnd(unknown, f)));
  return known.features.filter((f) => f.pos >= nameStart(known) && !onUnknown.has(fromEnd(known, f)));
}
after(() => o?.dispose());

const states = (): Set<string> => new Set((JSON.parse(fs.readFileSync(path.join(DIR, 'lexicon.json'), 'utf8')).kinds['US state'] as string[]).map((s) => ` ${s}`));

test(
  'known entity: activating the known-entity features on a made-up name makes the model answer a state (hallucination)',
  { skip: skipNoModel || (!process.env.SELF_TRACE_CASES_ALL && 'does not hold on the shipped model: the 3 known-only features at 10 × their Dallas activation on "Blorvik" lower P(" I") from 1.000 to about 0.2, but the top answer is " 3" (0.419), not a state') },
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
  { skip: skipNoModel || (!process.env.SELF_TRACE_CASES_ALL && 'does not hold on the shipped model: ablating the 80 known-only features on "Dallas" leaves P(" I") at 0.000 (measured; " Texas" stays on top at 0.356)') },
  async () => {
    const r = await o.intervene(known.ids, ablate(knownOnly), { targets: [iId], generate: 3 });
    report('known-ablate', { nAblated: knownOnly.length, pIBefore: r.targets[0].cleanProb, pIAfter: r.targets[0].prob, after: tops(r.intervened.top, 3), continuation: r.intervened.continuation!.text });
    assert.ok(r.targets[0].prob > 0.5, `P(" I") ${fmt(r.targets[0].cleanProb)} → ${fmt(r.targets[0].prob)} after ablating ${knownOnly.length} features (needs > 0.5); top ${tops(r.intervened.top)}`);
  },
);

/** a US state, or the first token of one (` New` of ` New York`) */
function isState(token: string): boolean {
  const all = [...states()];
  return all.includes(token) || (token.trim().length >= 3 && all.some((s) => s.startsWith(`${token} `)));
}

test('known entity sweep: both rules over (known city, made-up name) pairs, against a control and the full-patch bound', { skip: skipNoSweep }, async () => {
  const rand = seeded(14);
  const tally = new Tally();
  const rows: string[] = [];
  const knowns = evalPrompts('known_city');
  const unknowns = evalPrompts('unknown_city');
  for (let i = 0; i < SWEEP; i++) {
    const [k, u] = [await o.trace(knowns[i].prompt), await o.trace(unknowns[i].prompt)];
    const [kTop, uTop] = [k.graph.selfTracing!.target!, u.graph.selfTracing!.target!];
    if (kTop.tokenId !== o.firstToken(knowns[i].answer) || uTop.tokenId !== iId) { tally.excluded.push(`${knowns[i].prompt} / ${unknowns[i].prompt}: answers ${JSON.stringify(kTop.token)} / ${JSON.stringify(uTop.token)}`); continue; }
    const only = knownOnlyOf(k, u);
    const shift = u.ids.length - k.ids.length;
    const chosen = only.slice(0, TOP);
    const said = (x: { id: number }) => x.id === iId;
    const halluc = await topAfter(o, u.ids, setTo(chosen, shift, STEER));
    const hallucControl = await topAfter(o, u.ids, setTo(await controlFor(o, k.ids, chosen, rand), shift, STEER));
    const idk = await topAfter(o, k.ids, ablate(only));
    const idkControl = await topAfter(o, k.ids, ablate(await controlFor(o, k.ids, only, rand)));
    // the reverse path: the made-up name's own graph features (those the known name's graph lacks) set on the known name
    const unknownOnly = knownOnlyOf(u, k);
    for (const m of [1, 2]) tally.add(`swap in the made-up name's features (${m} ×): the known name gets " I"`, said(await topAfter(o, k.ids, [...ablate(only), ...setTo(unknownOnly, -shift, m)])));
    const cOnly = await controlFor(o, k.ids, only, rand);
    const cUnknown = await controlFor(o, u.ids, unknownOnly, rand, cOnly.map((f) => ({ ...f, pos: f.pos + shift })));
    tally.add('swap control (1 ×)', said(await topAfter(o, k.ids, [...ablate(cOnly), ...setTo(cUnknown, -shift, 1)])));
    // the bound: from the name's last token on (the aligned part of the two prompts), every feature from the other prompt
    const suffix = k.ids.length - nameStart(k) - 1;
    const boundU = await topAfter(o, u.ids, await fullPatch(o, u.ids, k.ids, positionsFrom(u.ids.length - 1 - suffix, u.ids.length)));
    const boundK = await topAfter(o, k.ids, await fullPatch(o, k.ids, u.ids, positionsFrom(k.ids.length - 1 - suffix, k.ids.length)));
    tally.add('activate: the made-up name gets a state', isState(halluc.token));
    tally.add('activate control', isState(hallucControl.token));
    tally.add('ablate: the known name gets " I"', said(idk));
    tally.add('ablate control', said(idkControl));
    tally.add('bound: full patch gives the made-up name a state', isState(boundU.token));
    tally.add('bound: full patch gives the known name " I"', said(boundK));
    rows.push(`${knowns[i].prompt.split(' ')[4]} / ${unknowns[i].prompt.split(' ')[4]}: activate ${JSON.stringify(halluc.token)}, ablate ${JSON.stringify(idk.token)}; full patch ${JSON.stringify(boundU.token)} / ${JSON.stringify(boundK.token)}`);
  }
  report('known-sweep', { tried: SWEEP, measured: tally.tried('activate control'), excluded: tally.excluded, top: TOP, steer: STEER, holds: tally.summary(), perPair: rows });
  assert.ok(tally.tried('activate control') >= 10, `the sweep measures at least 10 pairs (${tally.tried('activate control')})`);
  // what the doc concludes: the "I don't know" path is switched on by the made-up name's own features (swapped into the
  // known name's prompt they make it say " I" on most pairs, random ones do not) and is not a default that the known
  // name's features hold down (ablating those rarely gives " I")
  const swapIn = 'swap in the made-up name\'s features (1 ×): the known name gets " I"';
  assert.ok(tally.rate(swapIn) > 0.5 && tally.rate(swapIn) > tally.rate('swap control (1 ×)') + 0.25, `the made-up name's features switch the path on: ${JSON.stringify(tally.summary())}`);
  assert.ok(tally.rate('ablate: the known name gets " I"') < 0.25, `ablating the known name's features rarely does: ${JSON.stringify(tally.summary())}`);
});
