import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPromptsMarkdown, parseDemoPrompts } from '../../../../src/extension/trace/demoPrompts';

test('demo prompts: malformed entries are skipped, multi-line prompts are quoted line by line, no prompts says so', () => {
  const prompts = parseDemoPrompts([{ theme: 'rhyme', prompt: 'Poem: a cat,\nand a', top: [{ token: ' hat', prob: 0.5 }] }, { theme: 3 }, null, 'x']);
  assert.equal(prompts.length, 1);
  const md = demoPromptsMarkdown(prompts);
  assert.match(md, /## Rhyming couplets\n\n> Poem: a cat,\n> and a\n\nModel: `" hat"` 50\.0%/);
  assert.deepEqual(parseDemoPrompts({ not: 'a list' }), []);
  assert.match(demoPromptsMarkdown([]), /no demo prompts/);
});
