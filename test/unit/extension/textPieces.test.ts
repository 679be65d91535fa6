import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitIntoPieces } from '../../../src/extension/textPieces';

test('a leading space sticks to the next word, as in GPT-2 pre-tokenization', () => {
  assert.deepEqual(splitIntoPieces('The capital of Texas is').map((p) => p.text), ['The', ' capital', ' of', ' Texas', ' is']);
});

test('punctuation, digits, accents and line breaks become their own pieces', () => {
  assert.deepEqual(splitIntoPieces('¿Dónde? 12+34=\n46').map((p) => p.text), ['¿', 'Dónde', '?', ' 12', '+', '34', '=', '\n', '46']);
});

test('pieces cover the text exactly, and offsets point at each piece', () => {
  const text = 'Austin, the  capital!\n\tDone';
  const pieces = splitIntoPieces(text);
  assert.equal(pieces.map((p) => p.text).join(''), text);
  for (const p of pieces) assert.equal(text.slice(p.offset, p.offset + p.text.length), p.text);
});
