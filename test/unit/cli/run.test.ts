import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, context: { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') } };
}

test('run --json prints the tokens with offsets and the top next tokens, through the engine worker', async () => {
  const { out, context } = capture();
  assert.equal(await main(['run', '--model', MODEL, '--prompt', 'the café', '--top-k', '3', '--json'], context), 0);
  const result = JSON.parse(out.join('\n'));
  assert.deepEqual(Object.keys(result), ['tokens', 'top']);
  assert.deepEqual(Object.keys(result.tokens[0]), ['id', 'text', 'start', 'end']);
  assert.deepEqual(result.tokens[0], { id: 267, text: '<|endoftext|>', start: 0, end: 0 });
  assert.deepEqual(result.tokens.at(-1), { id: 266, text: 'é', start: 7, end: 8 });
  assert.equal(result.top.length, 3);
  assert.deepEqual(Object.keys(result.top[0]), ['id', 'token', 'prob', 'logit']);
  assert.ok(result.top[0].prob >= result.top[1].prob && result.top[1].prob >= result.top[2].prob);
});

test('run prints a readable table by default', async () => {
  const { out, context } = capture();
  assert.equal(await main(['run', '--model', MODEL, '--prompt', 'the cat'], context), 0);
  const text = out.join('\n');
  assert.match(text, /^5 tokens: "<\|endoftext\|>" "t" "he" " c" "at"/);
  assert.equal(text.split('\n').filter((l) => /^\s+\d+\. /.test(l)).length, 10);
});

test('run reports bad input as one sentence and exit 1, and a wrong command line with exit 2', async () => {
  const tooLong = capture();
  assert.equal(await main(['run', '--model', MODEL, '--prompt', 'x'.repeat(40)], tooLong.context), 1);
  assert.match(tooLong.err.join('\n'), /41 tokens long; this model's context is 16 tokens/);
  const missing = capture();
  assert.equal(await main(['run', '--model', '/nonexistent/model', '--prompt', 'x'], missing.context), 1);
  assert.match(missing.err.join('\n'), /Model folder not found: \/nonexistent\/model/);
  const noPrompt = capture();
  assert.equal(await main(['run', '--model', MODEL], noPrompt.context), 2);
  assert.match(noPrompt.err.join('\n'), /--prompt is required/);
  const badK = capture();
  assert.equal(await main(['run', '--model', MODEL, '--prompt', 'x', '--top-k', '0'], badK.context), 2);
});

test('run spells characters split over byte-level tokens instead of printing "�"', async () => {
  const { out, context } = capture();
  assert.equal(await main(['run', '--prompt', 'Zürich'], context), 0);
  const text = out.join('\n');
  assert.doesNotMatch(text.split('\n')[0], /\uFFFD/);
  assert.match(text, /"⟨ü 1\/2⟩" "⟨ü 2\/2⟩"/);
  assert.match(text, /part k of the n byte-level tokens/);
});
