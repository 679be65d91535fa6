import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { PromptTokenizer } from '../../../src/engine/model/tokenizer';
import { EngineError } from '../../../src/engine/errors';
import { FIXTURES } from './reference';

const tok = () => PromptTokenizer.load(path.join(FIXTURES, 'gpt2-tiny'), {});
const EOT = 267;

test('prepends BOS (the first of bos, pad, eos) when the prompt does not start with a special token', () => {
  const t = tok();
  assert.equal(t.bosId, EOT);
  const tokens = t.encode('the cat');
  assert.deepEqual(
    tokens.map((x) => x.id),
    [EOT, 116, 257, 264, 265],
  );
  assert.deepEqual(tokens[0], { id: EOT, text: '<|endoftext|>', start: 0, end: 0 });
  assert.deepEqual(
    tokens.slice(1).map((x) => [x.text, x.start, x.end]),
    [
      ['t', 0, 1],
      ['he', 1, 3],
      [' c', 3, 5],
      ['at', 5, 7],
    ],
  );
});

test('does not prepend BOS when the prompt starts with a special token; its offsets cover it', () => {
  const tokens = tok().encode('<|endoftext|>the');
  assert.deepEqual(
    tokens.map((x) => [x.id, x.start, x.end]),
    [
      [EOT, 0, 13],
      [116, 13, 14],
      [257, 14, 16],
    ],
  );
});

test('offsets map byte-level tokens back to UTF-16 ranges of non-ASCII text; partial characters cover the whole character', () => {
  const text = 'café über 😀 naïve';
  const tokens = tok().encode(text).slice(1);
  // every token's range lies in the text, ranges never go backwards, and they cover the text
  let prevEnd = 0;
  for (const t of tokens) {
    assert.ok(t.start >= 0 && t.end <= text.length && t.start <= t.end);
    assert.ok(t.start >= prevEnd || t.start === tokens[tokens.indexOf(t) - 1]?.start, `token ${JSON.stringify(t)} goes backwards`);
    prevEnd = Math.max(prevEnd, t.end);
  }
  assert.equal(prevEnd, text.length);
  const slice = (i: number) => text.slice(tokens[i].start, tokens[i].end);
  assert.equal(slice(3), 'é'); // the merged 'Ã ©' token: two bytes, one character
  const emoji = tokens.filter((t) => text.slice(t.start, t.end) === '😀');
  assert.equal(emoji.length, 4); // four byte tokens, each covering the surrogate pair [10, 12)
  assert.deepEqual([emoji[0].start, emoji[0].end], [10, 12]);
  const u = tokens.filter((t) => text.slice(t.start, t.end) === 'ü');
  assert.equal(u.length, 2);
});

test('an empty prompt is an error', () => {
  assert.throws(
    () => tok().encode(''),
    (e: unknown) => e instanceof EngineError && e.code === 'badInput' && /empty/.test(e.message),
  );
});

test('SentencePiece-style tokenizers (Gemma): ▁ pieces and <0xNN> byte-fallback tokens map back to exact offsets; BOS is <bos>', () => {
  const t = PromptTokenizer.load(path.join(FIXTURES, 'gemma2-tiny'), { bosTokenId: 2, eosTokenId: 1, padTokenId: 0 });
  assert.equal(t.bosId, 2);
  const prompt = 'The cat\nQ é is';
  const tokens = t.encode(prompt);
  assert.deepEqual(tokens[0], { id: 2, text: '<bos>', start: 0, end: 0 });
  const spans = tokens.slice(1).map((x) => prompt.slice(x.start, x.end));
  assert.deepEqual(spans, ['T', 'he', ' cat', '\n', 'Q', ' ', 'é', 'é', ' is']);
  assert.ok(tokens.slice(1).every((x, i, a) => i === 0 || x.start >= a[i - 1].start), 'offsets never go back');
  assert.equal(t.decodeAll(tokens.slice(1).map((x) => x.id)), prompt);
  assert.equal(t.encode('<bos>the')[0].id, 2, 'a prompt starting with <bos> gets no second one');
  assert.equal(t.encode('<bos>the')[1].id !== 2, true);
});
