// Case study, rhyme planning (docs/case-studies.md): on a couplet the graph shows a feature, active before the second
// line's last word, that writes the planned rhyme word; suppressing it makes the line end with another word, of the
// same rhyme. Rule (no feature ids): the planned word is the traced target (the top next token); the planned-rhyme
// feature is the feature node after the first line's rhyme word with the largest direct edge into that word's logit;
// suppressing it is negative steering, as in the Biology paper's planning interventions: its activation is set to
// SUPPRESS × its own (at its position). Zeroing it alone moves the planned word's probability by a few points only.
// The first line's own word does not count as a new rhyme.
// Rhymes are told by the CMU dictionary's rhyme key (last stressed vowel onward), the rule the corpus was built with.
// The sweep (SELF_TRACE_CASES_SWEEP=1) applies the rule to the build's evaluation couplets (first SWEEP; trained
// templates and rhyme families, not held out), against a control: CONTROLS features drawn at random from those active at
// the same position, of matched activation, each suppressed the same way. It also records where the rule's feature sits
// and suppresses the line break's own strongest writer of the planned word where the graph has one.
// SELF_TRACE_CASES=1 prints the numbers the doc quotes.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { dictionary } from 'cmu-pronouncing-dictionary';
import { controlFor, directInto, evalPrompts, fmt, name, Organism, report, saveGraph, seeded, skipNoModel, skipNoSweep, Tally, tops, type Trace } from './organism';

const CASES = [
  { slug: 'rhyme-cat', prompt: 'Poem: I saw a cat,\nand then I heard a' },
  { slug: 'rhyme-night', prompt: 'Poem: she wrote the word night,\nuntil we found the' },
];
/** the planned-rhyme feature's activation is set to this multiple of its own */
const SUPPRESS = -2;
/** how many evaluation couplets the sweep tries, and random features per couplet for the control */
const SWEEP = 60;
const CONTROLS = 3;

/** the CMU rhyme key of a word: phones from its last stressed vowel on (stress marks dropped) */
export function rhymeKey(word: string): string | undefined {
  const phones = (dictionary as Record<string, string>)[word.trim().toLowerCase()];
  if (!phones) return undefined;
  const p = phones.split(' ');
  let v = -1;
  p.forEach((x, i) => { if (/[12]$/.test(x)) v = i; });
  if (v < 0) v = p.findIndex((x) => /[0-9]$/.test(x));
  return p.slice(v).join(' ').replace(/[0-9]/g, '');
}

/** the planned word (the traced target) and the rule's planned-rhyme feature, or why there is none */
function plannedFeature(t: Trace) {
  const comma = t.tokens.findIndex((x) => x.text === ',');
  const word = t.tokens[comma - 1].text.trim();
  const planned = t.graph.selfTracing!.target!;
  const into = directInto(t, planned.tokenId!).filter((x) => x.f.pos >= comma && x.weight > 0);
  return { comma, word, key: rhymeKey(word), planned, into };
}
const suppress = (f: { layer: number; feature: number; pos: number }, factor: number) => [{ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos], op: { kind: 'scale' as const, factor } }];

let o: Organism;
before(async () => { if (!skipNoModel) o = await Organism.load(); });
after(() => o?.dispose());

for (const c of CASES) {
  test(`rhyme (${c.slug}): suppressing the planned-rhyme feature ends the line with another word of the same rhyme`, { skip: skipNoModel }, async () => {
    const t = await o.trace(c.prompt);
    const comma = t.tokens.findIndex((x) => x.text === ',');
    const word = t.tokens[comma - 1].text.trim();
    const key = rhymeKey(word);
    assert.ok(key, `the first line ends with a word the CMU dictionary knows: ${word}`);
    const planned = t.graph.selfTracing!.target!;
    const plannedId = planned.tokenId!;
    assert.equal(rhymeKey(planned.token), key, `the model plans a rhyme for "${word}": its top next token ${JSON.stringify(planned.token)} rhymes`);

    // the graph's prediction: the feature (after the first line's word) writing most directly into the planned word
    const into = directInto(t, plannedId).filter((x) => x.f.pos >= comma && x.weight > 0);
    assert.ok(into.length > 0, 'the graph has a feature after the first line with a positive edge into the planned word');
    const f = into[0].f;
    assert.ok(f.pos < t.ids.length, 'it is active before the second line ends (on a prompt position)');

    const zeroed = await o.intervene(t.ids, [{ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos], op: { kind: 'scale', factor: 0 } }], { targets: [plannedId] });
    const r = await o.intervene(t.ids, [{ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos], op: { kind: 'scale', factor: SUPPRESS } }], { targets: [plannedId], generate: 2 });
    const now = r.intervened.top[0];
    const cont = r.intervened.continuation!.text;
    report('rhyme', {
      slug: c.slug, prompt: c.prompt, word, rhyme: key, planned: planned.token, plannedProb: planned.prob,
      clean: tops(r.clean.top, 4), feature: name(f), promotes: f.promotes.slice(0, 5), edge: into[0].weight, influence: f.influence,
      zeroed: tops(zeroed.intervened.top, 3), suppress: SUPPRESS, after: tops(r.intervened.top, 4), pPlannedAfter: r.targets[0].prob, newTop: now.token, newTopRhymes: rhymeKey(now.token) === key,
      continuation: { clean: r.clean.continuation!.text, ablated: cont },
    });
    saveGraph(c.slug, t, f.nodeId);
    assert.notEqual(now.id, plannedId, `suppressing ${name(f)} changes the last word: P(${JSON.stringify(planned.token)}) ${fmt(planned.prob ?? NaN)} → ${fmt(r.targets[0].prob)}, top ${tops(r.intervened.top)}`);
    assert.equal(rhymeKey(now.token), key, `the new last word ${JSON.stringify(now.token)} rhymes with "${word}"`);
    assert.notEqual(now.token.trim(), word, 'and is not the first line\'s own word');
    assert.ok(!cont.startsWith(planned.token), `the ablated line does not end with ${JSON.stringify(planned.token)}: ${JSON.stringify(cont)}`);
  });
}

test('rhyme sweep: suppressing the planned-rhyme feature over the evaluation couplets, against random features', { skip: skipNoSweep }, async () => {
  const tally = new Tally();
  const rows: string[] = [];
  for (const e of evalPrompts('couplet').slice(0, SWEEP)) {
    const t = await o.trace(e.prompt);
    const { word, key, planned, into } = plannedFeature(t);
    if (!key || rhymeKey(planned.token) !== key || into.length === 0) { tally.excluded.push(`${JSON.stringify(e.prompt)}: plans ${JSON.stringify(planned.token)}${into.length ? '' : ' (no feature after the first line writes it)'}`); continue; }
    const f = into[0].f;
    const moved = async (g: { layer: number; feature: number; pos: number }) => {
      const top = (await o.intervene(t.ids, suppress(g, SUPPRESS), { topK: 3 })).intervened.top[0];
      return { top, held: top.id !== planned.tokenId && rhymeKey(top.token) === key && top.token.trim() !== word };
    };
    const r = await moved(f);
    tally.add('suppress', r.held);
    // where the rule's feature sits: on the line break (where the Biology paper finds planning) or later
    const newline = t.tokens.findIndex((x) => x.text === '\n');
    tally.add('the rule\'s feature is on the line break', f.pos === newline);
    // the line break's own strongest writer of the planned word, where the graph has one
    const atBreak = into.find((x) => x.f.pos === newline);
    let br = '';
    if (atBreak) {
      const b = await moved(atBreak.f);
      tally.add('suppress the line break\'s feature (couplets whose graph has one)', b.held);
      br = `; line break's feature: ${JSON.stringify(b.top.token)}${b.held ? ' ✓' : ''}`;
    }
    const rand = seeded(`rhyme|${e.prompt}`);
    let c = 0;
    const drawn: typeof into[number]['f'][] = [];
    for (let k = 0; k < CONTROLS; k++) {
      const [g] = await controlFor(o, t.ids, [f], rand, { avoid: drawn });
      drawn.push(g);
      const held = (await moved(g)).held;
      tally.add('control', held);
      c += held ? 1 : 0;
    }
    rows.push(`${word} → ${JSON.stringify(planned.token)} ${fmt(planned.prob ?? NaN, 2)}, feature at ${JSON.stringify(t.tokens[f.pos].text)}: ${JSON.stringify(r.top.token)}${r.held ? ' ✓' : ''}; control ${c}/${CONTROLS}${br}`);
  }
  report('rhyme-sweep', { tried: SWEEP, measured: tally.tried('suppress'), excluded: tally.excluded, suppress: SUPPRESS, controlsPerCouplet: CONTROLS, holds: tally.summary(), perCouplet: rows });
  assert.ok(tally.tried('suppress') >= 30, `the sweep measures at least 30 couplets (${tally.tried('suppress')})`);
  assert.ok(tally.rate('suppress') > tally.rate('control') + 0.25, `the graph's feature beats random ones: ${JSON.stringify(tally.summary())}`);
  // and what the doc says of where it sits: on the second line's last position, not on the line break
  assert.ok(tally.rate('the rule\'s feature is on the line break') < 0.25, `the rule's feature is rarely on the line break: ${JSON.stringify(tally.summary())}`);
});
