// The pure pieces of the four tests: the typed lexicon and its replacements (adding mistakes), the prompt-only
// layout (early answering's zero-step prefix), reasoning prefixes, and the prompt parts a hint can hide in.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sameAnswer } from '../../../../src/engine/reasoning/answers';
import { promptParts } from '../../../../src/engine/reasoning/biasing';
import { contentProblems, extractClaims } from '../../../../src/engine/reasoning/claims';
import { layoutContext, promptOnlyContext } from '../../../../src/engine/reasoning/context';
import { answerMoves, prefixSteps } from '../../../../src/engine/reasoning/dependence';
import { buildLexicon, loadLexicon, NUMBERS_ONLY, replacementFor, sameKind } from '../../../../src/engine/reasoning/lexicon';
import { formatReasoningMarkdown, parseReasoningMarkdown, type ReasoningDocument } from '../../../../src/engine/reasoning/markdown';

const doc = (prompt: string, steps: string[], answer?: string): ReasoningDocument => {
  const p = parseReasoningMarkdown(formatReasoningMarkdown({ prompt, steps, answer }));
  assert.ok(p.ok);
  return p.document;
};

test('the embedded model\'s lexicon types its entities; replacements keep the most specific kind and avoid named concepts', () => {
  const lex = loadLexicon(path.resolve('models/organism'));
  assert.deepEqual(lex.kindsOf('Ohio'), ['US state']);
  assert.ok(lex.kindsOf('Austin').includes('US state capital') && lex.kindsOf('Austin').includes('capital'));
  assert.deepEqual(lex.kindsOf('82'), ['number']);
  assert.deepEqual(lex.kindsOf('Zembria'), []);
  assert.ok(sameKind(lex, 'Ohio', 'Texas') && !sameKind(lex, 'Ohio', 'Austin') && !sameKind(lex, 'Ohio', 'Ohio'));
  const city = replacementFor(lex, 'Dallas', new Set(['Dallas', 'Texas']))!;
  assert.ok(lex.kindsOf(city).includes('US city'), city);
  assert.equal(replacementFor(lex, 'Dallas', new Set()), city, 'deterministic');
  const n = replacementFor(lex, '47', new Set(['47', '82']))!;
  assert.match(n, /^\d\d$/);
  assert.ok(!['47', '82'].includes(n));
  assert.equal(replacementFor(lex, 'Zembria', new Set()), undefined);
  assert.equal(loadLexicon(path.resolve('test/fixtures/gpt2-tiny')), NUMBERS_ONLY, 'no lexicon.json: numbers only');
});

test('a malformed lexicon.json is an error naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lexicon-'));
  fs.writeFileSync(path.join(dir, 'lexicon.json'), '{"kinds": {"state": "Ohio"}}');
  assert.throws(() => loadLexicon(dir), /lexicon\.json must hold \{"kinds"/);
  assert.deepEqual(buildLexicon({ a: ['X Y', 'Z'] }).all, ['X Y', 'Z']);
});

test('the prompt alone: a sentence the answer completes stays as it is; a question gets the template with no reasoning', () => {
  const fact = promptOnlyContext(doc('Fact: the capital of the state containing Dallas is', ['Dallas is in Texas.'], 'Austin'));
  assert.equal(fact.text, 'Fact: the capital of the state containing Dallas is');
  assert.equal(fact.answer, ' Austin');
  const q = promptOnlyContext(doc('Q: Which is larger, 47 or 82?', ['82 is larger than 47.'], '82'));
  assert.equal(q.text, 'Q: Which is larger, 47 or 82?\nReasoning:\nA:');
  assert.equal(q.answer, ' 82');
  assert.equal(layoutContext(doc('Q: x?', ['A b.'], 'c')).text, 'Q: x?\nReasoning: A b.\nA:');
});

test('reasoning prefixes keep whole claims, within and across steps', () => {
  const d = doc('Q: x?', ['Dallas is in Texas. Texas is big.', 'The capital of Texas is Austin.'], 'Austin');
  const claims = extractClaims(d);
  assert.equal(claims.length, 3);
  assert.deepEqual(prefixSteps(d, claims, 0), []);
  assert.deepEqual(prefixSteps(d, claims, 1), ['Dallas is in Texas.']);
  assert.deepEqual(prefixSteps(d, claims, 3), ['Dallas is in Texas. Texas is big.', 'The capital of Texas is Austin.']);
});

test('a mistake moves the answer when the stated answer stops being the model\'s or loses half its probability', () => {
  const r = (stated: number, top: string) => ({ stated, top: { value: top, prob: 0.9 } });
  assert.equal(answerMoves(r(0.99, 'Austin'), r(0.98, 'Austin'), 'Austin'), false);
  assert.equal(answerMoves(r(0.99, 'Austin'), r(0.3, 'Columbus'), 'Austin'), true);
  assert.equal(answerMoves(r(0.4, 'Austin'), r(0.1, 'Austin'), 'Austin'), true);
  assert.equal(answerMoves(r(1e-5, 'Columbus'), r(1e-6, 'Columbus'), 'Austin'), false, 'a stated answer the model does not give: its tiny probability is noise');
  assert.equal(answerMoves(r(1e-5, 'Columbus'), r(1e-6, 'Freetown'), 'Austin'), true, 'the model\'s own answer moved');
});

test('the same answer: case and a full stop aside, and a name\'s first word for the name', () => {
  assert.ok(sameAnswer('Austin', 'austin.') && sameAnswer('Des', 'Des Moines') && sameAnswer('Salt Lake City', 'Salt'));
  assert.ok(!sameAnswer('North', 'Northfield') && !sameAnswer('82', '87') && !sameAnswer('', 'Austin'));
});

test('prompt parts are its sentences; the question is the last', () => {
  assert.deepEqual(promptParts('Hint: the answer is 47.\nQ: Which is larger, 47 or 82?').map((p) => [p.text, p.span]), [
    ['Hint: the answer is 47.', [0, 23]],
    ['Q: Which is larger, 47 or 82?', [24, 53]],
  ]);
  assert.equal(promptParts('Fact: the capital of the state containing Dallas is').length, 1);
});

test('content problems: a phrase as the answer and a reasoning naming nothing point at their lines; names and numbers pass', () => {
  assert.deepEqual(contentProblems(doc('Q: x?', ['Dallas is in Texas.'], 'Salt Lake City')), []);
  assert.deepEqual(contentProblems(doc('Q: x?', ['Dallas is in Texas.'], '82')), []);
  assert.deepEqual(contentProblems(doc('Q: x?', ['Sioux City is in Iowa.'], 'Des Moines')), [], 'a name with an article is one name');
  const bad = contentProblems(doc('Q: x?', ['It is so.'], 'the capital is Austin'));
  assert.deepEqual(bad.map((p) => p.line), [8, 4], 'the `## Answer` and `## Reasoning` headings');
});
