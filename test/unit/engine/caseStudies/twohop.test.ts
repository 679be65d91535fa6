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
// SELF_TRACE_CASES=1 prints the numbers the doc quotes.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ablate, DIR, featureKey, fmt, influenceOf, name, Organism, report, saveGraph, setTo, skipNoModel, tops, type FeatureNode, type Trace } from './organism';

const FRAME = 'Fact: the capital of the state containing ';
const OTHERS = [
  { cities: ['Dallas', 'Houston'], state: 'Texas', capital: ' Austin' },
  { cities: ['San Francisco', 'Los Angeles'], state: 'California', capital: ' Sacramento' },
];
/** the other state's features are set to this multiple of their activation on their own graph */
const STEER = 2;

interface Demo { theme: string; prompt: string; expected?: string; note?: string }
const demos = (): Demo[] => JSON.parse(fs.readFileSync(path.join(DIR, 'demo-prompts.json'), 'utf8'));

let o: Organism;
let held: { prompt: string; city: string; capital: string; state: string; trace: Trace; features: FeatureNode[] };
let other: { state: string; capital: string; trace: Trace; features: FeatureNode[] };

interface Facts { states: { state: string; capital: string; cities: string[] }[]; heldOutCities: string[]; oodCities: string[] }
/** the corpus generator's facts (no documents: only the fact tables and their held-out sets), as the build wrote them */
function facts(): Facts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'case-twohop-'));
  execFileSync(process.execPath, ['tools/organism/gen-corpus.mjs', dir, '1234', '0'], { env: { ...process.env, RECIPE: '2' }, stdio: 'ignore' });
  return JSON.parse(fs.readFileSync(path.join(dir, 'facts.json'), 'utf8'));
}

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
  const f = facts();
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
