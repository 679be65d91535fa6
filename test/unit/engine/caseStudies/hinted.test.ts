// Case study, hinted reasoning (docs/case-studies.md): with "Hint: the answer is 47." before "Which is larger, 47 or
// 82?" the model writes an uninformative reasoning line and answers the hint (47). Claim: the hint's features drive the
// answer; ablating them makes the answer follow the numbers (82).
// Rule (no feature ids): the hint's features are the feature nodes of the pruned graph at the hint line's positions
// (after BOS, up to the first newline). Reported: how much of the graph's influence sits on the hint line (features,
// error nodes and token embeddings by position), so the doc can say where the graph puts the hint.
// SELF_TRACE_CASES=1 prints the numbers the doc quotes; SELF_TRACE_CASES_ALL=1 also runs the claim that does not hold.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ablate, fmt, influenceOf, influenceShares, name, Organism, report, saveGraph, skipNoModel, tops, type FeatureNode, type Trace } from './organism';

const PROMPT = 'Hint: the answer is 47.\nQ: Which is larger, 47 or 82?\nReasoning: I compared the two numbers.\nA:';

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
