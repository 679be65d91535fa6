import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseSpec } from '../../../src/cli/intervene';
import { main } from '../../../src/cli/main';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const TC = path.resolve('test/fixtures/interventions/gpt2-tiny-transcoders');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, context: { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') } };
}

const intervene = async (...args: string[]) => {
  const c = capture();
  const code = await main(['intervene', '--model', MODEL, '--transcoders', TC, '--prompt', 'the cat', ...args], c.context);
  return { code, out: c.out.join('\n'), err: c.err.join('\n') };
};

test('intervene --json prints clean and intervened top tokens, changes and continuations, through the engine worker', async () => {
  const r = await intervene('--set', '1:3@-1=x0', '--steer', '0:5=3', '--mode', 'frozen', '--generate', '3', '--top-k', '4', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  for (const side of ['clean', 'intervened']) {
    assert.equal(j[side].top.length, 4);
    assert.deepEqual(Object.keys(j[side].top[0]).slice(0, 3), ['id', 'token', 'prob']);
    assert.equal(j[side].continuation.ids.length, 3);
  }
  assert.equal(j.mode, 'frozen');
  assert.ok(Array.isArray(j.changes) && j.changes.length > 0 && j.changes.length <= 20);
  assert.deepEqual(Object.keys(j.changes[0]), ['layer', 'pos', 'feature', 'clean', 'intervened', 'delta']);
  assert.ok(Math.abs(j.changes[0].delta) >= Math.abs(j.changes.at(-1).delta), 'largest change first');
  assert.equal(j.tokens.length, 5);
  assert.ok(j.applied.some((a: { layer: number; pos: number; value: number }) => a.layer === 1 && a.pos === 4 && a.value === 0));
  assert.notDeepEqual(j.clean.top.map((t: { prob: number }) => t.prob), j.intervened.top.map((t: { prob: number }) => t.prob));
});

test('intervene prints a readable comparison by default', async () => {
  const r = await intervene('--ablate', '0:5+0:7@1,2');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^5 tokens: 0:"<\|endoftext\|>" 1:"t"/);
  assert.match(r.out, /0:5 \+ 0:7 ablated at positions 1, 2/);
  assert.match(r.out, /next token: +clean +intervened/);
  assert.match(r.out, /largest activation changes downstream/);
});

test('intervene names a feature that does not exist, an out-of-range position and a non-numeric value', async () => {
  const layer = await intervene('--set', '7:3=1');
  assert.equal(layer.code, 1);
  assert.match(layer.err, /feature 7:3 does not exist; layers are 0…1/);
  const feature = await intervene('--set', '1:999=1');
  assert.equal(feature.code, 1);
  assert.match(feature.err, /feature 1:999 does not exist; layer 1 has features 0…31/);
  const pos = await intervene('--set', '1:3@9=1');
  assert.equal(pos.code, 1);
  assert.match(pos.err, /position 9 is outside the prompt, which has 5 tokens/);
  const value = await intervene('--set', '1:3=abc');
  assert.equal(value.code, 2);
  assert.match(value.err, /"abc" is not a number; write a value \(=2\.5\) or a factor \(=x3, =x0 to ablate\)/);
  const factor = await intervene('--set', '1:3=x');
  assert.equal(factor.code, 2);
  assert.match(factor.err, /"" is not a number/);
  const mode = await intervene('--set', '1:3=1', '--mode', 'sideways');
  assert.equal(mode.code, 2);
  assert.match(mode.err, /--mode must be one of free, frozen, constrained/);
  const none = await intervene();
  assert.equal(none.code, 2);
  assert.match(none.err, /give at least one --set, --steer or --ablate/);
  const genOnly = await intervene('--steer', '1:3@gen=2');
  assert.equal(genOnly.code, 1);
  assert.match(genOnly.err, /only change a continuation/);
});

test('intervention specs parse features, supernodes, positions and operations', () => {
  assert.deepEqual(parseSpec('2:17=3.5', 'set'), { features: [{ layer: 2, feature: 17 }], positions: 'all', op: { kind: 'set', value: 3.5 } });
  assert.deepEqual(parseSpec('2:17+3:4@1,-1=x0', 'set'), {
    features: [{ layer: 2, feature: 17 }, { layer: 3, feature: 4 }],
    positions: [1, -1],
    op: { kind: 'scale', factor: 0 },
  });
  assert.deepEqual(parseSpec('0:1@gen=-2', 'steer'), { features: [{ layer: 0, feature: 1 }], positions: 'generated', op: { kind: 'steer', strength: -2 } });
  assert.deepEqual(parseSpec('0:1@all', 'ablate').op, { kind: 'scale', factor: 0 });
  assert.throws(() => parseSpec('2-17=1', 'set'), /"2-17" is not LAYER:FEATURE/);
  assert.throws(() => parseSpec('2:17@x=1', 'set'), /position "x" is not a whole number/);
  assert.throws(() => parseSpec('2:17', 'set'), /missing =VALUE or =xK/);
  assert.throws(() => parseSpec('2:17=1', 'ablate'), /takes no value/);
});
