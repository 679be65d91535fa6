// Case study, known vs unknown entity (docs/case-studies.md): the known name's graph has features the made-up name's
// graph lacks; activating them on the made-up name makes the model answer a state (a hallucination) instead of
// " I don't know"; ablating them on the known name should make it say " I don't know".
// Rule (no feature ids): the known-entity features are the feature nodes of the known prompt's pruned graph, from the
// name's first token on, that the unknown prompt's pruned graph does not have at the same position counted from the end
// (the prompts differ only in the name), most influential first. Activating = setting the top KNOWN of them to STEER ×
// their activation on the known prompt, at the aligned positions of the unknown prompt.
// SELF_TRACE_CASES=1 prints the numbers the doc quotes; SELF_TRACE_CASES_ALL=1 also runs the claim that does not hold.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ablate, DIR, featureKey, fmt, influenceOf, name, Organism, report, saveGraph, setTo, skipNoModel, tops, type FeatureNode, type Trace } from './organism';

const KNOWN = 'Q: Which state is Dallas in?\nA:';
const UNKNOWN = 'Q: Which state is Blorvik in?\nA:';
/** how many known-entity features are activated on the made-up name */
const TOP = 3;
/** the activation they are set to, in multiples of their activation on the known name */
const STEER = 10;

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
  const nameStart = (t: Trace) => t.tokens.findIndex((x) => x.text === ' is') + 1;
  const fromEnd = (t: Trace, f: FeatureNode) => `${featureKey(f)}@${t.ids.length - f.pos}`;
  const onUnknown = new Set(unknown.features.map((f) => fromEnd(unknown, f)));
  knownOnly = known.features.filter((f) => f.pos >= nameStart(known) && !onUnknown.has(fromEnd(known, f)));
});
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
