// Case study, hinted reasoning (docs/case-studies.md): with "Hint: the answer is 47." before "Which is larger, 47 or
// 82?" the model writes an uninformative reasoning line and answers the hint (47). Claim: the hint's features drive the
// answer; ablating them makes the answer follow the numbers (82).
// Rule (no feature ids): the hint's features are the feature nodes of the pruned graph at the hint line's positions
// (after BOS, up to the first newline). Reported: how much of the graph's influence sits on the hint line (features,
// error nodes and token embeddings by position), so the doc can say where the graph puts the hint.
// The sweep (SELF_TRACE_CASES_SWEEP=1) applies the rule to the build's hinted prompts whose hint is the wrong number
// (first SWEEP; held: the greedy continuation is the larger number), against a control (as many random features active
// at the same positions, of matched activation), and three wider interventions: every feature active on the hint line
// ablated; the graph's features after the hint line set to their values on the prompt without it; the full feature
// patch, every feature of the prompt set to its value without the hint line (the hint line's to 0).
// SELF_TRACE_CASES=1 prints the numbers the doc quotes; SELF_TRACE_CASES_ALL=1 also runs the claim that does not hold.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ablate, activeAt, controlFor, evalPrompts, fmt, fullPatch, influenceOf, influenceShares, name, Organism, positionsFrom, report, saveGraph, seeded, skipNoModel, skipNoSweep, Tally, topAfter, tops, type FeatureNode, type Trace } from './organism';
import type { Intervention } from '../../../../src/engine/interventions/spec';

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
  { skip: skipNoModel || (!process.env.SELF_TRACE_CASES_ALL && 'does not hold on the shipped model: ablating the 30 feature nodes on the hint line leaves " 4" on top (measured P( 4) 0.997 → 0.994, P( 8) 2.2e-4 → 7.5e-4)') },
  async () => {
    assert.ok(hint.length > 0, 'the graph has features on the hint line');
    const [four, eight] = [o.firstToken(' 47'), o.firstToken(' 82')];
    const r = await o.intervene(t.ids, ablate(hint), { targets: [four, eight], generate: 3 });
    report('hinted-ablate', { nAblated: hint.length, p4: [r.targets[0].cleanProb, r.targets[0].prob], p8: [r.targets[1].cleanProb, r.targets[1].prob], after: tops(r.intervened.top, 3), continuation: r.intervened.continuation!.text });
    assert.ok(r.targets[1].prob > 0.5, `P(" 8") ${fmt(r.targets[1].cleanProb)} → ${fmt(r.targets[1].prob)} (needs > 0.5); top ${tops(r.intervened.top)}`);
  },
);

test('hinted sweep: ablating the hint line over the evaluation prompts, against a control and the full feature patch', { skip: skipNoSweep }, async () => {
  const tally = new Tally();
  const rows: string[] = [];
  for (const e of evalPrompts('hinted_wrong').slice(0, SWEEP)) {
    const [, a, b] = /Which is larger, (\d+) or (\d+)\?/.exec(e.prompt)!;
    const largerText = ` ${Math.max(Number(a), Number(b))}`;
    const larger = o.firstToken(largerText);
    const hinted = o.firstToken(e.answer);
    const t = await o.trace(e.prompt);
    if (larger === hinted || t.graph.selfTracing!.target!.tokenId !== hinted) { tally.excluded.push(`${JSON.stringify(e.prompt)}: ${larger === hinted ? 'the hint and the larger number share their first token' : `answers ${JSON.stringify(t.graph.selfTracing!.target!.token)}`}`); continue; }
    const nl = t.tokens.findIndex((x) => x.text === '\n');
    const hint = t.features.filter((f) => f.pos > 0 && f.pos < nl);
    // the answer follows the numbers: the greedy continuation is the larger number
    const follows = (x: { text: string }) => x.text.startsWith(largerText);
    const after = (iv: Intervention[]) => topAfter(o, t.ids, iv, 'free', 2);
    const rule = await after(ablate(hint));
    const control = await after(ablate(await controlFor(o, t.ids, hint, seeded(`hinted|${e.prompt}`))));
    const every = await activeAt(o, t.ids, positionsFrom(1, nl + 1));
    const allHint = await after(ablate(every));
    const noHint = o.ids(e.prompt.slice(e.prompt.indexOf('\n') + 1));
    const patched = await after(await fullPatch(o, t.ids, noHint, positionsFrom(1, t.ids.length)));
    // the graph's own features after the hint line, set to their values on the prompt without it
    const without = await o.intervener.activations(noHint);
    const n = o.intervener.transcoders.dTranscoder;
    const shift = t.ids.length - noHint.length;
    const later = t.features.filter((f) => f.pos > nl);
    const restored = await after(later.map((f) => ({ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos], op: { kind: 'set' as const, value: without.act[f.layer][(f.pos - shift) * n + f.feature] } })));
    tally.add('ablate the hint line\'s graph features', follows(rule));
    tally.add('control', follows(control));
    tally.add('ablate every feature active on the hint line', follows(allHint));
    tally.add('set the graph\'s features after the hint line to their values without it', follows(restored));
    tally.add('full feature patch: every feature set to its value without the hint line', follows(patched));
    rows.push(`hint ${e.answer.trim()}, ${a} or ${b}: ${hint.length} features → ${JSON.stringify(rule.text)}; control ${JSON.stringify(control.text)}; all ${every.length} on the hint line → ${JSON.stringify(allHint.text)} (P ${fmt(allHint.prob, 2)}); the graph's ${later.length} after it restored → ${JSON.stringify(restored.text)}; full patch → ${JSON.stringify(patched.text)}`);
  }
  report('hinted-sweep', { tried: SWEEP, measured: tally.tried('control'), excluded: tally.excluded, holds: tally.summary(), perPrompt: rows });
  assert.ok(tally.tried('control') >= 10, `the sweep measures at least 10 prompts (${tally.tried('control')})`);
  // what the doc concludes: the hint line's features do not carry the hint (ablating all of them leaves the hinted
  // answer), the pruned graph's features after it do not either, and the whole prompt's features carry part of it
  assert.ok(tally.rate('ablate every feature active on the hint line') < 0.25, `the hint line's features do not carry the hint: ${JSON.stringify(tally.summary())}`);
  const full = 'full feature patch: every feature set to its value without the hint line';
  assert.ok(tally.rate(full) > tally.rate('set the graph\'s features after the hint line to their values without it') + 0.25, `the prompt's features carry more of it than the graph's: ${JSON.stringify(tally.summary())}`);
});
