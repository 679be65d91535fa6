import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PromptTokenizer } from '../../../src/engine/model/tokenizer';
import { isBos, plainToken, spellTokens } from '../../../src/protocol/tokenText';

// The embedded model's byte-level tokenizer splits "ü" (its corpus has "ñ" often enough to merge it), CJK and emoji into byte tokens that decode alone to "�".
const dir = 'models/organism';
const tokenizer = PromptTokenizer.load(dir, {});

function spell(text: string) {
  const tokens = tokenizer.encode(text);
  return spellTokens(tokens.map((t) => t.text), tokens.map((t) => [t.start, t.end] as const), text);
}

test('characters split over byte-level tokens read as the characters they spell, each token marked as its part', () => {
  const out = spell('Zürich 中 🙂');
  const texts = out.map((s) => s.text);
  assert.ok(!texts.some((t) => t.includes('\uFFFD')), `no replacement characters left: ${texts.join(' | ')}`);
  assert.ok(texts.includes('⟨ü 1/2⟩') || texts.some((t) => t.endsWith('⟨ü 1/2⟩')), texts.join(' | '));
  assert.ok(texts.some((t) => t.includes('⟨ü 2/2⟩')), texts.join(' | '));
  assert.deepEqual(out.filter((s) => s.partial.some((p) => p.char === '中')).map((s) => s.partial.find((p) => p.char === '中')!.part), [1, 2, 3]);
  assert.deepEqual(out.filter((s) => s.partial.some((p) => p.char === '🙂')).map((s) => s.partial[0].of), [4, 4, 4, 4]);
  // what the tokens spell, joined, is the text again (markers aside)
  const joined = texts.slice(1).join('').replace(/⟨(.) (\d)\/\d⟩/gu, (_m, c: string, k: string) => (k === '1' ? c : ''));
  assert.equal(joined, 'Zürich 中 🙂');
});

test('plain ASCII tokens and tokens without ranges are left as they are; BOS is named plainly', () => {
  const out = spell('Fact: the capital');
  assert.deepEqual(out.map((s) => s.text).slice(1), tokenizer.encode('Fact: the capital').slice(1).map((t) => t.text));
  assert.deepEqual(spellTokens(['a\uFFFD'], undefined, undefined), [{ text: 'a\uFFFD', partial: [] }]);
  assert.equal(plainToken('<|endoftext|>', 0, [[0, 0]]), 'BOS');
  assert.equal(isBos('<|endoftext|>', 3), false);
  assert.equal(plainToken(' the', 0, [[0, 4]]), ' the');
});
