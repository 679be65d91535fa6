// Case study, rhyme planning (docs/case-studies.md): on a couplet the graph shows a feature, active before the second
// line's last word, that writes the planned rhyme word; suppressing it makes the line end with another word, of the
// same rhyme. Rule (no feature ids): the planned word is the traced target (the top next token); the planned-rhyme
// feature is the feature node after the first line's rhyme word with the largest direct edge into that word's logit;
// suppressing it is negative steering, as in the Biology paper's planning interventions: its activation is set to
// SUPPRESS × its own (at its position). Zeroing it alone moves the planned word's probability by a few points only.
// Rhymes are told by the CMU dictionary's rhyme key (last stressed vowel onward), the rule the corpus was built with.
// SELF_TRACE_CASES=1 prints the numbers the doc quotes.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { dictionary } from 'cmu-pronouncing-dictionary';
import { directInto, fmt, name, Organism, report, saveGraph, skipNoModel, tops } from './organism';

const CASES = [
  { slug: 'rhyme-cat', prompt: 'Poem: I saw a cat,\nand then I heard a' },
  { slug: 'rhyme-night', prompt: 'Poem: she wrote the word night,\nuntil we found the' },
];
/** the planned-rhyme feature's activation is set to this multiple of its own */
const SUPPRESS = -2;

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
    assert.ok(!cont.startsWith(planned.token), `the ablated line does not end with ${JSON.stringify(planned.token)}: ${JSON.stringify(cont)}`);
  });
}
