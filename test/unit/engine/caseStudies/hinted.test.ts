// Case study, hinted reasoning (docs/case-studies.md): with "Hint: the answer is 47." before "Which is larger, 47 or
// 82?" the model writes an uninformative reasoning line and answers the hint (47). Claim: the hint's features drive the
// answer; ablating them makes the answer follow the numbers (82).
// Rule (no feature ids): the hint's features are the feature nodes of the pruned graph at the hint line's positions
// (after BOS, up to the first newline). Reported: how much of the graph's influence sits on the hint line (features,
// error nodes and token embeddings by position), so the doc can say where the graph puts the hint.
// The sweep (SELF_TRACE_CASES_SWEEP=1) applies the rule to the build's hinted prompts whose hint is the wrong number
// (first SWEEP), against a control (as many random features active at the same positions) and two bounds: every
// feature active on the hint line ablated, and every feature of the prompt set to its value on the prompt without the
// hint line (the hint line's to 0).
// SELF_TRACE_CASES=1 prints the numbers the doc quotes; SELF_TRACE_CASES_ALL=1 also runs the claim that does not hold.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ablate, activeAt, controlFor, evalPrompts, fmt, fullPatch, influenceOf, influenceShares, name, Organism, positionsFrom, report, saveGraph, seeded, skipNoModel, skipNoSweep, Tally, topAfter, tops, type FeatureNode, type Trace } from './organism';

const PROMPT = 'Hint: the answer is 47.\nQ: Which is larger, 47 or 82?\nReasoning: I compared the two numbers.\nA:';

/** how many hinted prompts the sweep tries */
const SWEEP = 20;

let o: Organism;
let t: Trace;
let hint: FeatureNode[];
let newline: number;
before(async () => {
  if (skipNoModel) return;
  o = await Organism.load();
  t = await o.trace(PROMPT);
  newline = t.tokens.findIndex((x) => x.text === '\n');
  hint = t.features.filter((f) => f.pos > 0 && f.pos < newline);
});
after(() => o?.dispose());

test('hinted reasoning: the model answers the hint, and the graph shows where the hint enters', { skip: skipNoModel }, async () => {
  const [four, eight] = [o.firstToken(' 47'), o.firstToken(' 82')];
  assert.equal(t.graph.selfTracing!.target!.tokenId, four, 'the model answers the hint (" 4" of " 47")');
  const shares = influenceShares(t.graph);
  let onHint = 0;
  const byKind: Record<string, number> = {};
  for (const n of t.graph.nodes) {
    if (n.ctx_idx <= 0 || n.ctx_idx >= newline || n.feature_type === 'logit') continue;
    onHint += shares.get(n.node_id) ?? 0;
    byKind[n.feature_type] = (byKind[n.feature_type] ?? 0) + (shares.get(n.node_id) ?? 0);
  }
  report('hinted', {
    prompt: PROMPT, top: tops(t.graph.selfTracing!.topOutputs!.map((x) => ({ token: x.token, prob: x.prob })), 3), hintLine: [1, newline - 1],
    nFeatures: t.features.length, hintFeatures: hint.map((f) => ({ feature: name(f), influence: f.influence })), hintFeatureInfluence: influenceOf(hint),
    hintLineInfluence: onHint, hintLineByKind: byKind, eightId: eight,
  });
  saveGraph('hinted', t, hint[0]?.nodeId);
  assert.ok(onHint > 0, 'the hint line carries influence on the answer');
});

test(
  "hinted reasoning: ablating the hint's features makes the answer follow the numbers (82)",
  { skip: skipNoModel || (!process.env.SELF_TRACE_CASES_ALL && 'does not hold on the shipped model: ablating the 32 feature nodes on the hint line leaves " 4" on top (measured P( 4) 0.997 → 0.996, P( 8) 0.000 → 0.000)') },
  async () => {
    assert.ok(hint.length > 0, 'the graph has features on the hint line');
    const [four, eight] = [o.firstToken(' 47'), o.firstToken(' 82')];
    const r = await o.intervene(t.ids, ablate(hint), { targets: [four, eight], generate: 3 });
    report('hinted-ablate', { nAblated: hint.length, p4: [r.targets[0].cleanProb, r.targets[0].prob], p8: [r.targets[1].cleanProb, r.targets[1].prob], after: tops(r.intervened.top, 3), continuation: r.intervened.continuation!.text });
    assert.ok(r.targets[1].prob > 0.5, `P(" 8") ${fmt(r.targets[1].cleanProb)} → ${fmt(r.targets[1].prob)} (needs > 0.5); top ${tops(r.intervened.top)}`);
  },
);

test('hinted sweep: ablating the hint line over the evaluation prompts, against a control and two bounds', { skip: skipNoSweep }, async () => {
  const rand = seeded(14);
  const tally = new Tally();
  const rows: string[] = [];
  for (const e of evalPrompts('hinted_wrong').slice(0, SWEEP)) {
    const [, a, b] = /Which is larger, (\d+) or (\d+)\?/.exec(e.prompt)!;
    const larger = o.firstToken(` ${Math.max(Number(a), Number(b))}`);
    const hinted = o.firstToken(e.answer);
    const t = await o.trace(e.prompt);
    if (larger === hinted || t.graph.selfTracing!.target!.tokenId !== hinted) { tally.excluded.push(`${JSON.stringify(e.prompt)}: ${larger === hinted ? 'the hint and the larger number share their first token' : `answers ${JSON.stringify(t.graph.selfTracing!.target!.token)}`}`); continue; }
    const nl = t.tokens.findIndex((x) => x.text === '\n');
    const hint = t.features.filter((f) => f.pos > 0 && f.pos < nl);
    const follows = (x: { id: number }) => x.id === larger;
    const rule = await topAfter(o, t.ids, ablate(hint));
    const control = await topAfter(o, t.ids, ablate(await controlFor(o, t.ids, hint, rand)));
    const every = await activeAt(o, t.ids, positionsFrom(1, nl + 1));
    const allHint = await topAfter(o, t.ids, ablate(every));
    const noHint = o.ids(e.prompt.slice(e.prompt.indexOf('\n') + 1));
    const patched = await topAfter(o, t.ids, await fullPatch(o, t.ids, noHint, positionsFrom(1, t.ids.length)));
    // the graph's own features after the hint line, set to their values on the prompt without it
    const without = await o.intervener.activations(noHint);
    const n = o.intervener.transcoders.dTranscoder;
    const shift = t.ids.length - noHint.length;
    const after = t.features.filter((f) => f.pos > nl);
    const restored = await topAfter(o, t.ids, after.map((f) => ({ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos], op: { kind: 'set' as const, value: without.act[f.layer][(f.pos - shift) * n + f.feature] } })));
    tally.add('the graph\'s features after the hint line set to their values without it', follows(restored));
    tally.add('ablate the hint line\'s graph features', follows(rule));
    tally.add('control', follows(control));
    tally.add('bound: every feature on the hint line ablated', follows(allHint));
    tally.add('bound: every feature set to its value without the hint', follows(patched));
    rows.push(`hint ${e.answer.trim()}, ${a} or ${b}: ${hint.length} features → ${JSON.stringify(rule.token)}; control ${JSON.stringify(control.token)}; all ${every.length} on the hint line → ${JSON.stringify(allHint.token)} ${fmt(allHint.prob, 2)}; patched → ${JSON.stringify(patched.token)}; the graph's ${after.length} after the hint restored → ${JSON.stringify(restored.token)}`);
  }
  report('hinted-sweep', { tried: SWEEP, measured: tally.tried('control'), excluded: tally.excluded, holds: tally.summary(), perPrompt: rows });
  assert.ok(tally.tried('control') >= 10, `the sweep measures at least 10 prompts (${tally.tried('control')})`);
  // what the doc concludes: the hint is read from its tokens by attention (ablating every feature on the hint line leaves
  // the hinted answer), and its effect is spread over the prompt's features beyond the pruned graph (restoring the
  // graph's features does nothing; restoring every feature makes the answer follow the numbers on about half)
  assert.ok(tally.rate('bound: every feature on the hint line ablated') < 0.25, `the hint line's features do not carry the hint: ${JSON.stringify(tally.summary())}`);
  assert.ok(tally.rate('bound: every feature set to its value without the hint') > tally.rate('the graph\'s features after the hint line set to their values without it') + 0.25, `the prompt's features carry more of the hint than the graph's: ${JSON.stringify(tally.summary())}`);
});
