import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPromptsDocument, demoPromptsMarkdown, parseDemoPrompts } from '../../../../src/extension/trace/demoPrompts';

test('demo prompts: malformed entries are skipped, prompts sit verbatim in fenced blocks, no prompts says so', () => {
  const prompts = parseDemoPrompts([{ theme: 'rhyme', prompt: 'Poem: a cat,\nand a', top: [{ token: ' hat', prob: 0.5 }] }, { theme: 'rhyme', prompt: 'odd ``` fence' }, { theme: 3 }, null, 'x', { theme: 'a', prompt: ' ' }]);
  assert.equal(prompts.length, 2);
  const { text, ranges } = demoPromptsDocument(prompts);
  assert.match(text, /## Rhyming couplets\n\nLook at: [^\n]+\n\n```text\nPoem: a cat,\nand a\n```\n\nModel: `" hat"` 50\.0%/);
  assert.deepEqual(ranges.map((r) => text.slice(r.start, r.end)), ['Poem: a cat,\nand a', 'odd ``` fence']);
  assert.match(text, /````text\nodd ``` fence\n````/, 'a longer fence around a prompt with backticks');
  assert.deepEqual(parseDemoPrompts({ not: 'a list' }), []);
  assert.match(demoPromptsMarkdown([]), /no demo prompts/);
});

test('demo prompts: a prompt\'s note (the held-out two-hop prompt\'s) is shown under its outputs', () => {
  const { text } = demoPromptsDocument(parseDemoPrompts([{ theme: 'twohop', prompt: 'Fact: the capital of the state containing Birmingham is', expected: ' Montgomery', note: 'held out: its composed question is never trained', top: [{ token: ' Montgomery', prob: 0.991 }] }]));
  assert.match(text, /Model: `" Montgomery"` 99\.1% \(expected `" Montgomery"`\)\n\n\*held out: its composed question is never trained\.\*/);
});
