// The label rule's concepts (labels.ts, concepts.ts) on small hand-made evidence: what names a concept and what
// falls back honestly to a token or layer/feature label; and the checker the share measure counts with.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { autoLabel, type LabelEvidence } from '../../../../src/engine/features/labels';
import { conceptAfter, conceptAt, rhymeOf, wordsOf } from '../../../../src/engine/features/concepts';
import { namesConcept } from '../../../../src/engine/features/conceptShare';
import { buildLexicon } from '../../../../src/engine/reasoning/lexicon';

const lex = buildLexicon({
  'US state': ['Texas', 'Ohio', 'California', 'South Carolina'],
  'US city': ['Dallas', 'Houston', 'Austin', 'Carson City', 'Salt Lake City'],
  city: ['Dallas', 'Houston', 'Austin', 'Carson City', 'Salt Lake City', 'Paris'],
});
const words = new Set(['Texas', 'Austin', 'wrote', 'cent']);
const base = { layer: 1, feature: 7, logitMean: 0, logitStd: 1, lexicon: lex, isWord: (w: string) => words.has(w) };
/** an example: tokens with the max-activation position marked by [[…]] */
const ex = (...parts: string[]) => {
  const pos = parts.findIndex((p) => p.startsWith('[['));
  return { tokens: parts.map((p) => p.replace(/^\[\[|\]\]$/g, '')), pos };
};
const label = (e: Partial<LabelEvidence> & { contexts?: { tokens: string[]; pos: number }[] }) => {
  const contexts = e.contexts ?? [];
  return autoLabel({ ...base, maxTokens: contexts.map((c) => c.tokens[c.pos]), nextTokens: contexts.map((c) => c.tokens[c.pos + 1] ?? ''), topLogits: [], ...e, contexts });
};

test('a piece of a word stands for the whole word or lexicon entity around it; special tokens are gaps', () => {
  assert.equal(conceptAt(['<|endoftext|>', 'Car', 'son', ' City', ' is'], 1, lex)?.text, 'Carson City');
  assert.deepEqual(conceptAt(['The', ' capital', ' of', ' South', ' Carolina'], 3, lex)?.kinds, ['US state']);
  assert.equal(conceptAt([' Fort', ' Collin', 's', ' is'], 2, lex)?.text, 'Collins');
  assert.equal(conceptAt(['36', '+', '5', '9', '='], 3, lex)?.text, '59');
  assert.equal(conceptAt(['The', ' capital', ' is'], 2, lex), undefined, 'a function word names nothing');
  assert.equal(conceptAt(['Espa', '\uFFFD', '\uFFFD', 'a'], 0, lex), undefined, 'a split character leaves the word unreadable');
  // the concept after a position starts after the word or entity there
  assert.equal(conceptAfter([' Salt', ' Lake', ' City', ' is'], 0, lex), undefined);
  assert.equal(conceptAfter([' is', ' Salt', ' Lake', ' City'], 0, lex)?.text, 'Salt Lake City');
  assert.deepEqual(wordsOf("de l'Australie, I don't").map((w) => w.w), ['de', "l'", 'Australie', 'I', "don't"]);
});

test('inputs: the shared concept, else the most specific shared kind, else the token with no concept', () => {
  const dallas = [ex('Q:', '[[ Dallas]]', ' is'), ex('[[ Dallas]]', ','), ex(' in', '[[ Houston]]')];
  assert.deepEqual(label({ contexts: dallas }), { text: 'on " Dallas"', source: 'auto', rule: label({}).rule, concepts: ['Dallas'] });
  const cities = [ex('[[Car]]', 'son', ' City'), ex('[[ Dallas]]'), ex('[[ Houston]]'), ex('[[ Paris]]')];
  assert.equal(label({ contexts: cities }).text, 'on a US city', 'US city (3 of 4) is more specific than city (4 of 4)');
  const made = [ex('Which state is', '[[ Blor]]', 'vik', ' in'), ex('Which state is', '[[ Sn]]', 'agra', ' in'), ex('[[ Dallas]]')];
  assert.equal(label({ contexts: made }).text, 'on an unknown name');
  const is = [ex('Texas', '[[ is]]', ' big'), ex('Ohio', '[[ is]]', ' cold'), ex('Paris', '[[ is]]', ' far')];
  const l = label({ contexts: is });
  assert.equal(l.text, 'on " is"');
  assert.equal(l.concepts, undefined);
  assert.equal(label({ contexts: [ex('[[ a]]'), ex('[[ b]]')] }).text, 'L1/7');
});

test('outputs: a promoted concept, else the kind the promoted tokens share, else the concept that comes next', () => {
  const strong = (...ts: string[]) => ts.map((token, i) => ({ token, value: 9 - i * 0.1 }));
  assert.equal(label({ topLogits: strong(' Texas', ' Austin') }).text, '→ Texas/Austin');
  assert.equal(label({ topLogits: strong('ge', ' Ohio', ' Texas') }).text, '→ a US state', 'the piece "ge" is no word; two states are');
  assert.equal(label({ topLogits: strong('ge', ' he', ' she', ' I') }).text, '→ a pronoun');
  assert.equal(label({ topLogits: strong('ge', ' I') }).concepts, undefined, 'one pronoun alone is grammar');
  assert.equal(label({ topLogits: strong('ge', 'ya', ' wrote') }).text, '→ wrote', 'the strongest promoted word');
  assert.equal(label({ topLogits: strong(' Columb') }).concepts, undefined, 'not a whole word of the corpus');
  const rhyme = [ex(' found', '[[ the]]', ' went'), ex(' saw', '[[ the]]', ' spent'), ex(' heard', '[[ a]]', ' cent')];
  assert.equal(label({ contexts: rhyme }).text, '" the" → a rhyme in -ent (next)');
  const capitals = [ex(' of Texas', '[[ is]]', ' Austin'), ex(' of Texas', '[[ is]]', ' Austin'), ex(' of Ohio', '[[ is]]', ' Columbus')];
  assert.equal(label({ contexts: capitals }).text, '" is" → Austin (next)');
  // below the 4 sd test nothing is promoted
  assert.equal(label({ topLogits: [{ token: ' Texas', value: 3 }] }).text, 'L1/7');
});

test('rhymes are spelled endings of at least two letters', () => {
  assert.deepEqual(['slide', 'guide', 'dress', 'yes', 'went', 'cat', 'hall', 'sky', 'a'].map(rhymeOf), ['ide', 'ide', 'es', 'es', 'ent', 'at', 'al', undefined, undefined]);
});

test('the share counts a label only when its concepts are concepts and are in its text', () => {
  const rule = 'r';
  assert.ok(namesConcept({ text: '" in" → Texas (next)', source: 'auto', rule, concepts: ['Texas'] }, lex));
  assert.ok(namesConcept({ text: 'on a US city', source: 'auto', rule, concepts: ['US city'] }, lex));
  assert.ok(namesConcept({ text: '→ a rhyme in -ent (next)', source: 'auto', rule, concepts: ['rhyme in -ent'] }, lex));
  assert.ok(!namesConcept({ text: 'on " is"', source: 'auto', rule }, lex));
  assert.ok(!namesConcept({ text: 'on " is"', source: 'auto', rule, concepts: ['is'] }, lex), 'a function word is no concept');
  assert.ok(!namesConcept({ text: 'L3/596', source: 'auto', rule, concepts: ['Texas'] }, lex), 'a concept the text does not show');
  assert.ok(!namesConcept(undefined, lex));
});
