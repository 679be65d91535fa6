import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runPrompt } from '../../../src/engine/run';
import { ModelCache } from '../../../src/engine/worker/models';
import { FIXTURES } from './reference';

test('runPrompt returns the top next tokens of the last position, sorted, with softmax probabilities', async () => {
  const cache = new ModelCache();
  const model = await cache.get(path.join(FIXTURES, 'gpt2-tiny'), { threads: 1 });
  const r = await runPrompt(model, 'the cat', model.config.dVocab);
  const logits = await model.logits(r.tokens.map((t) => t.id));
  const last = logits.subarray(logits.length - model.config.dVocab);
  assert.equal(r.top[0].logit, Math.max(...last));
  const total = r.top.reduce((s, t) => s + t.prob, 0);
  assert.ok(Math.abs(total - 1) < 1e-6, `probabilities sum to ${total}`);
  for (let i = 1; i < r.top.length; i++) assert.ok(r.top[i - 1].logit >= r.top[i].logit);
  cache.dispose();
});

test('the model cache loads a folder once and reuses it; another folder replaces it', async () => {
  const cache = new ModelCache();
  const a = cache.get(path.join(FIXTURES, 'gpt2-tiny'));
  assert.equal(cache.get(path.join(FIXTURES, '..', 'fixtures', 'gpt2-tiny')), a);
  const b = cache.get(path.join(FIXTURES, 'gpt2-tiny-b'));
  assert.notEqual(b, a);
  assert.equal((await b).config.nHeads, 5);
  await assert.rejects(cache.get('/nonexistent/model'));
  assert.notEqual(cache.get(path.join(FIXTURES, 'gpt2-tiny-b')), b, 'a failed load replaced it');
  cache.dispose();
});
