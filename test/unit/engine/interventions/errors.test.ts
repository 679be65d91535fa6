// Bad interventions get one clear sentence each; a long generation stops when its signal fires, in the engine and
// through the worker.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EngineError } from '../../../../src/engine/errors';
import { Intervener } from '../../../../src/engine/interventions/intervene';
import { planColumns, type Intervention } from '../../../../src/engine/interventions/spec';
import type { Progress } from '../../../../src/engine/progress';
import { EngineWorkerClient } from '../../../../src/engine/worker/client';
import { loadFixture } from '../attribution/fixtureModel';

const one = (layer: number, feature: number, positions: Intervention['positions'], op: Intervention['op']): Intervention => ({ features: [{ layer, feature }], positions, op });

function badInput(f: () => unknown, message: RegExp): void {
  assert.throws(f, (e: unknown) => EngineError.is(e, 'badInput') && message.test(e.message));
}

test('planColumns rejects missing features, out-of-range positions, non-finite amounts and double operations, and names them', () => {
  // 3 layers of 24 features, a prompt of 7 tokens
  const plan = (ivs: Intervention[]) => planColumns(ivs, 3, 24, 7);
  badInput(() => plan([]), /No intervention given/);
  badInput(() => plan([one(3, 0, 'all', { kind: 'set', value: 1 })]), /Intervention 1: feature 3:0 does not exist; layers are 0…2/);
  badInput(() => plan([one(1, 24, 'all', { kind: 'set', value: 1 })]), /feature 1:24 does not exist; layer 1 has features 0…23/);
  badInput(() => plan([one(1, 2.5, 'all', { kind: 'set', value: 1 })]), /feature 1:2.5 does not exist/);
  badInput(() => plan([one(1, 2, [7], { kind: 'set', value: 1 })]), /position 7 is outside the prompt, which has 7 tokens \(0…6, or −1…−7 from the end\)/);
  badInput(() => plan([one(1, 2, [-8], { kind: 'set', value: 1 })]), /position -8 is outside the prompt/);
  badInput(() => plan([one(1, 2, [], { kind: 'set', value: 1 })]), /give at least one position/);
  badInput(() => plan([one(1, 2, 'all', { kind: 'set', value: Number.NaN })]), /the value NaN is not a finite number/);
  badInput(() => plan([one(1, 2, 'all', { kind: 'scale', factor: Infinity })]), /the factor Infinity is not a finite number/);
  badInput(() => plan([{ features: [], op: { kind: 'set', value: 0 } }]), /names no feature/);
  badInput(
    () => plan([one(1, 2, [3], { kind: 'set', value: 1 }), one(1, 2, 'all', { kind: 'steer', strength: 1 })]),
    /Intervention 1 and Intervention 2 both change feature 1:2 at position 3/,
  );
  const cols = plan([one(1, 2, [-1, 3, 3], { kind: 'scale', factor: 0 }), one(1, 2, [4], { kind: 'set', value: 2 })]);
  assert.deepEqual(cols.map((c) => [c.alpha, c.beta, c.positions]), [
    [0, -1, { list: [3, 6] }],
    [2, -1, { list: [4] }],
  ]);
});

test('intervene rejects a negative generation length and interventions on generated tokens without a generation', async () => {
  const fx = await loadFixture('plt-relu-skip');
  const iv = await Intervener.create(fx.model, fx.transcoders, { threads: 1 });
  try {
    const steer = [one(1, 2, 'generated', { kind: 'steer', strength: 1 })];
    await assert.rejects(iv.intervene(fx.ids, steer), /only change a continuation/);
    await assert.rejects(iv.intervene(fx.ids, steer, { generate: -1 }), /generate must be a whole number of tokens ≥ 0/);
  } finally {
    iv.dispose();
  }
});

test('a long generation is cancelled by its AbortSignal after the first tokens', async () => {
  const fx = await loadFixture('plt-jumprelu-resid');
  const iv = await Intervener.create(fx.model, fx.transcoders, { threads: 1 });
  const controller = new AbortController();
  const progress: Progress[] = [];
  try {
    const run = iv.intervene(fx.ids.slice(0, 2), [one(0, 1, 'all', { kind: 'steer', strength: 2 })], {
      generate: 12,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        if (p.message.startsWith('generating: 2 ')) controller.abort();
      },
    });
    await assert.rejects(run, (e: unknown) => EngineError.is(e, 'cancelled'));
    assert.ok(progress.length < 10, `stopped soon after the abort: ${progress.map((p) => p.message).join('; ')}`);
  } finally {
    iv.dispose();
  }
});

test('the worker cancels a long intervened generation and still answers afterwards', async () => {
  const client = new EngineWorkerClient({ workerPath: path.resolve('dist/worker.js') });
  const params = {
    modelDir: path.resolve('test/fixtures/gpt2-tiny'),
    transcodersDir: path.resolve('test/fixtures/interventions/gpt2-tiny-transcoders'),
    prompt: 'a',
    interventions: [one(0, 5, 'all', { kind: 'steer', strength: 3 })],
    generate: 14,
    mode: 'frozen' as const,
  };
  try {
    const controller = new AbortController();
    const seen: string[] = [];
    const run = client.request('intervene', params, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.message);
        if (p.message.startsWith('generating')) controller.abort();
      },
    });
    await assert.rejects(run, (e: unknown) => EngineError.is(e, 'cancelled'));
    assert.ok(seen.some((m) => m.startsWith('generating')));
    const done = await client.request('intervene', { ...params, generate: 2 });
    assert.equal(done.intervened.continuation?.ids.length, 2);
    assert.equal(done.tokens[0].text, '<|endoftext|>');
  } finally {
    client.dispose();
  }
});
