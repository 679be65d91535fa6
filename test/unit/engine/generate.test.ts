// The one greedy loop (engine/generate.ts) on a scripted "model": each step's logits favour the next id of a script.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { continuation, greedyIds } from '../../../src/engine/generate';

const V = 8;
const row = (best: number) => Float32Array.from({ length: V }, (_, i) => (i === best ? 2 : 0));
const scripted = (script: number[]) => async (seq: number[]) => row(script[seq.length] ?? 1);

test('greedy picks the argmax (ties to the lower id), stops at end-of-text, the budget and the context', async () => {
  const tie = Float32Array.from({ length: V }, (_, i) => (i === 2 || i === 5 ? 1 : 0));
  assert.deepEqual(await greedyIds([0], { maxNewTokens: 1, nCtx: 100, eos: [] }, async () => tie), [2]);
  const next = scripted([0, 0, 5, 6, 7, 3, 4]);
  assert.deepEqual(await greedyIds([0, 0, 5], { maxNewTokens: 10, nCtx: 100, eos: [7] }, next), [6]);
  assert.deepEqual(await greedyIds([0, 0, 5], { maxNewTokens: 10, nCtx: 100, eos: [7], keepEos: true }, next), [6, 7]);
  assert.deepEqual(await greedyIds([0, 0, 5], { maxNewTokens: 1, nCtx: 100, eos: [] }, next), [6]);
  assert.deepEqual(await greedyIds([0, 0, 5], { maxNewTokens: 10, nCtx: 5, eos: [] }, next), [6, 7]);
  const stopped = await greedyIds([0, 0, 5], { maxNewTokens: 10, nCtx: 100, eos: [], onToken: (id) => id === 6 }, next);
  assert.deepEqual(stopped, [6]);
});

test('a continuation starts from the given logits, keeps end-of-text, reports each token and honours its signal', async () => {
  const done: number[] = [];
  const c = await continuation([1, 2], 5, { nCtx: 100, eos: 7, decode: (id) => `<${id}>`, first: row(6), onToken: (n) => done.push(n) }, scripted([0, 0, 0, 7]));
  assert.deepEqual(c, { ids: [6, 7], tokens: ['<6>', '<7>'], text: '<6><7>' });
  assert.deepEqual(done, [1, 2]);
  await assert.rejects(continuation([1], 3, { nCtx: 100, decode: String, first: row(6), signal: AbortSignal.abort() }, scripted([])), /cancelled/);
});
