// Case study, two-hop facts (docs/case-studies.md): on a held-out composition ("the capital of the state containing X"
// for a city X whose composed question was never trained, only X → state and state → capital), the graph shows state
// features between the city and the capital; swapping them for another state's makes that state's capital the answer.
// Rules (no feature ids): the held-out prompt is the embedded model's held-out demo prompt (demo-prompts.json, the entry
// with a `note`, chosen by evaluate.py); its state comes from the corpus generator's facts (gen-corpus.mjs, the same
// seed and recipe as the build) and must be what the model itself answers to the trained bridge question "Fact: the
// state containing X is". A state feature of a city's graph is a feature node that the graph of another city of the
// same state (the first one whose composed question is trained) also has, at the same position counted from the end,
// and that neither of two cities of the other state has there: what two cities of a state share and another state's
// cities lack. The other state is Texas (Dallas, Houston) or, when the held-out city is in Texas, California (San
// Francisco, Los Angeles). The swap ablates the held-out graph's state features and sets the other state's features
// (read on its first city's graph) to STEER × their activation there, at the aligned positions.
// The sweep (SELF_TRACE_CASES_SWEEP=1) applies the same rule to the first SWEEP held-out cities outside Texas, against
// a control swapped the same way: as many features, at the same positions and of matched activation, drawn at random
// from those that differ between the two prompts (active on one, not on the other).
// SELF_TRACE_CASES=1 prints the numbers the doc quotes.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ablate, controlFor, corpusFacts, differential, DIR, featureKey, fmt, influenceOf, name, Organism, report, saveGraph, seeded, setTo, skipNoModel, skipNoSweep, Tally, tops, type FeatureNode, type Trace } from './organism';

const FRAME = 'Fact: the capital of the state containing ';
const OTHERS = [
  { cities: ['Dallas', 'Houston'], state: 'Texas', capital: ' Austin' },
  { cities: ['San Francisco', 'Los Angeles'], state: 'California', capital: ' Sacramento' },
];
/** the other state's features are set to this multiple of their activation on their own graph */
const STEER = 2;
/** how many held-out cities the sweep tries */
const SWEEP = 40;

interface Demo { theme: string; prompt: string; expected?: string; note?: string }
const demos = (): Demo[] => JSON.parse(fs.readFileSync(path.join(DIR, 'demo-prompts.json'), 'utf8'));

let o: Organism;
let held: { prompt: string; city: string; capital: string; state: string; trace: Trace; features: FeatureNode[] };
let other: { state: string; capital: string; trace: Trace; features: FeatureNode[] };


const fromEnd = (t: Trace, f: FeatureNode) => `${featureKey(f)}@${t.ids.length - f.pos}`;
const keys = (t: Trace) => new Set(t.features.map((f) => fromEnd(t, f)));
/** the features of `t` that `same` also has and none of `others` has, at the same position from the end */
function stateFeatures(t: Trace, same: Trace, others: Trace[]): FeatureNode[] {
  const s = keys(same);
  const o = others.map(keys);
  return t.features.filter((f) => s.has(fromEnd(t, f)) && o.every((k) => !k.has(fromEnd(t, f))));
}

before(async () => {
  if (skipNoModel) return;
  o = await Organism.load();
  const d = demos().find((x) => x.theme === 'twohop' && x.note);
  assert.ok(d && d.expected, 'the embedded model has a held-out two-hop demo prompt (demo-prompts.json, an entry with a note)');
  const city = d.prompt.slice(FRAME.length, -' is'.length);
  const f = corpusFacts();
  assert.ok(f.heldOutCities.includes(city), `${city}'s composed question is held out of training`);
  const st = f.states.find((s) => s.cities.includes(city))!;
  const sibling = st.cities.find((c) => c !== city && !f.heldOutCities.includes(c) && !f.oodCities.includes(c))!;
  const pick = OTHERS.find((x) => x.state !== st.state)!;
  const [t, sib, o1, o2] = [await o.trace(d.prompt), await o.trace(`${FRAME}${sibling} is`), await o.trace(`${FRAME}${pick.cities[0]} is`), await o.trace(`${FRAME}${pick.cities[1]} is`)];
  held = { prompt: d.prompt, city, capital: d.expected, state: st.state, trace: t, features: stateFeatures(t, sib, [o1, o2]) };
  other = { state: pick.state, capital: pick.capital, trace: o1, features: stateFeatures(o1, o2, [t, sib]) };
});
after(() => o?.dispose());

test('two-hop: a held-out composition is answered, and its graph has state features between the city and the capital', { skip: skipNoModel }, async () => {
  const bridge = (await o.greedy(o.ids(`Fact: the state containing ${held.city} is`), 4)).split(/[.,\n]/)[0].trim();
  assert.equal(bridge, held.state, `the model answers the trained bridge question for ${held.city} with its state`);
  assert.equal(held.trace.graph.selfTracing!.target!.tokenId, o.firstToken(held.capital), `the model answers the held-out composition with ${held.capital}`);
  const feats = held.features;
  const cityStart = held.trace.tokens.findIndex((x) => x.text === ' containing') + 1;
  report('twohop', {
    prompt: held.prompt, heldOut: true, state: held.state, answer: held.capital, bridge,
    top: tops(held.trace.graph.selfTracing!.topOutputs!.map((x) => ({ token: x.token, prob: x.prob })), 3),
    nFeatures: held.trace.features.length, nStateFeatures: feats.length, stateInfluence: influenceOf(feats),
    statePositions: [...new Set(feats.map((f) => held.trace.tokens[f.pos].text))],
    stateFeatures: feats.slice(0, 6).map((f) => ({ feature: name(f), influence: f.influence, promotes: f.promotes.slice(0, 4) })),
  });
  saveGraph('twohop-heldout', held.trace, feats[0]?.nodeId);
  assert.ok(feats.length > 0, `the graph has ${held.state} features; top features: ${held.trace.features.slice(0, 6).map(name).join(', ')}`);
  assert.ok(feats.every((f) => f.pos >= cityStart), 'they sit on the city or after it, before the capital is written');
});

test("two-hop: swapping the held-out city's state features for another state's makes that state's capital the answer (P > 0.5)", { skip: skipNoModel }, async () => {
  const mine = held.features;
  const theirs = other.features;
  assert.ok(mine.length > 0 && theirs.length > 0, `state features on both graphs (${held.state}: ${mine.length}, ${other.state}: ${theirs.length})`);
  const shift = held.trace.ids.length - other.trace.ids.length;
  const target = o.firstToken(other.capital);
  const own = o.firstToken(held.capital);
  const swap = (m: number) => o.intervene(held.trace.ids, [...ablate(mine), ...setTo(theirs.filter((f) => f.pos + shift > 0), shift, m)], { targets: [target, own], generate: 3 });
  const once = await swap(1);
  const r = await swap(STEER);
  report('twohop-swap', {
    from: held.state, to: other.state, ablated: mine.length, set: theirs.length, steer: STEER, setFeatures: theirs.slice(0, 4).map(name),
    atOnce: tops(once.intervened.top, 3),
    pTheirs: [r.targets[0].cleanProb, r.targets[0].prob], pOwn: [r.targets[1].cleanProb, r.targets[1].prob],
    after: tops(r.intervened.top, 3), continuation: r.intervened.continuation!.text,
  });
  saveGraph('twohop-other', other.trace, theirs[0]?.nodeId);
  assert.ok(r.targets[0].prob > 0.5, `P(${JSON.stringify(other.capital)}) ${fmt(r.targets[0].cleanProb)} → ${fmt(r.targets[0].prob)} (needs > 0.5); top ${tops(r.intervened.top)}`);
  assert.equal(r.intervened.top[0].id, target, `${other.capital} is the top answer`);
});

test('two-hop sweep: the swap on held-out cities, against a control of random differing features', { skip: skipNoSweep }, async () => {
  const f = corpusFacts();
  const texas = OTHERS[0];
  const [d, h] = [await o.trace(`${FRAME}${texas.cities[0]} is`), await o.trace(`${FRAME}${texas.cities[1]} is`)];
  const target = o.firstToken(texas.capital);
  const tally = new Tally();
  const rows: string[] = [];
  for (const city of f.heldOutCities.slice(0, SWEEP)) {
    const st = f.states.find((s) => s.cities.includes(city))!;
    const sibling = st.cities.find((c) => c !== city && !f.heldOutCities.includes(c) && !f.oodCities.includes(c));
    if (st.state === texas.state || !sibling) { tally.excluded.push(`${city}: ${st.state === texas.state ? 'in Texas' : 'no trained sibling'}`); continue; }
    const t = await o.trace(`${FRAME}${city} is`);
    if (t.graph.selfTracing!.target!.tokenId !== o.firstToken(` ${st.capital}`)) { tally.excluded.push(`${city}: answers ${JSON.stringify(t.graph.selfTracing!.target!.token)}, not ${st.capital}`); continue; }
    const sib = await o.trace(`${FRAME}${sibling} is`);
    const mine = stateFeatures(t, sib, [d, h]);
    const shift = t.ids.length - d.ids.length;
    const theirs = stateFeatures(d, h, [t, sib]).filter((x) => x.pos + shift > 0);
    const swapped = async (a: FeatureNode[], b: FeatureNode[]) => {
      const r = await o.intervene(t.ids, [...ablate(a), ...setTo(b, shift, STEER)], { targets: [target], topK: 3 });
      return { p: r.targets[0].prob, held: r.intervened.top[0].id === target && r.targets[0].prob > 0.5 };
    };
    // the control: features that differ between the two prompts too (active on one, not on the other, at the same
    // position from the end), at the same positions and of matched activation, drawn at random
    const rand = seeded(`twohop|${city}`);
    const cMine = await controlFor(o, t.ids, mine, rand, { pool: await differential(o, t.ids, d.ids, [...new Set(mine.map((x) => x.pos))]) });
    const cTheirs = await controlFor(o, d.ids, theirs, rand, { pool: await differential(o, d.ids, t.ids, [...new Set(theirs.map((x) => x.pos))]), avoid: cMine.map((x) => ({ ...x, pos: x.pos - shift })) });
    const [rule, control] = [await swapped(mine, theirs), await swapped(cMine, cTheirs)];
    tally.add('swap', rule.held);
    tally.add('control', control.held);
    rows.push(`${city} (${st.state}): ${mine.length} → ${theirs.length} features, P(Austin) ${fmt(rule.p)}${rule.held ? ' ✓' : ''}, control ${fmt(control.p)}`);
  }
  report('twohop-sweep', { tried: SWEEP, measured: tally.tried('swap'), excluded: tally.excluded, steer: STEER, holds: tally.summary(), perCity: rows });
  assert.ok(tally.tried('swap') >= 20, `the sweep measures at least 20 held-out cities (${tally.tried('swap')})`);
  assert.ok(tally.rate('swap') > tally.rate('control') + 0.25, `the graph's state features beat random differing ones: ${JSON.stringify(tally.summary())}`);
});
