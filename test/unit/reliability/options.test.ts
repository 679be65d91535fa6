// Item 1 of issue 17: every trace option is checked at each boundary against what the engine accepts, and the
// feature-budget loop can neither spin nor miss a cancel. A value that used to hang the engine
// (`maxFeatureNodes: 2.5`) is refused at the settings, the worker protocol, the CLI and attribute() itself.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { Attributor } from '../../../src/engine/attribution/attribute';
import { EngineError } from '../../../src/engine/errors';
import { checkTraceOption, TRACE_OPTION_NAMES, TRACE_OPTION_RANGES } from '../../../src/engine/options';
import { parseToWorker } from '../../../src/engine/worker/protocol';
import { traceSettings } from '../../../src/extension/settings';
import { parseNumberArg } from '../../../src/cli/command';
import { loadFixture } from '../engine/attribution/fixtureModel';
import { fake } from '../fakeVscode';
import { forCases, optionValue } from './seeded';

beforeEach(() => fake.reset());

/** the engine's own definition of "fits", written out independently of options.ts */
function fits(name: (typeof TRACE_OPTION_NAMES)[number], v: unknown): boolean {
  if (v === undefined || (name === 'maxFeatureNodes' && v === null)) return true;
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  switch (name) {
    case 'maxFeatureNodes': return Number.isInteger(v) && v >= 1 && v <= 1e7;
    case 'maxNLogits': return Number.isInteger(v) && v >= 1 && v <= 1000;
    case 'desiredLogitProb': return v > 0 && v <= 1;
    default: return v >= 0 && v <= 1;
  }
}

test('property: the worker protocol accepts exactly the option values the engine takes, and says which one is wrong', () => {
  let refused = 0;
  forCases(17001, 600, (rng) => {
    const name = rng.pick(TRACE_OPTION_NAMES);
    const r = TRACE_OPTION_RANGES[name];
    const value = optionValue(rng, r.min, r.max);
    const parsed = parseToWorker({ kind: 'request', id: 1, method: 'trace', params: { modelDir: '/m', prompt: 'x', options: { [name]: value } } });
    const ok = typeof parsed !== 'string';
    assert.equal(ok, fits(name, value), `${name} = ${String(value)}: ${typeof parsed === 'string' ? parsed : 'accepted'}`);
    if (!ok) assert.match(parsed as string, new RegExp(`${name}.*must be`), 'the reason names the option and its range');
    if (!ok) refused++;
    assert.equal(checkTraceOption(name, value) === undefined, fits(name, value));
  });
  if (process.env.SELF_TRACE_VERBOSE) console.log(`option values: 600 cases, ${refused} refused naming the option, ${600 - refused} accepted`);
});

test('settings: a workspace maxFeatureNodes of 2.5 is refused with a warning and the default applies', () => {
  fake.state.settings['selfTracing.maxFeatureNodes'] = { workspaceValue: 2.5 };
  fake.state.settings['selfTracing.nodeThreshold'] = { workspaceValue: 0.5 };
  fake.state.settings['selfTracing.edgeThreshold'] = { workspaceValue: Number.NaN };
  const warnings: string[] = [];
  const s = traceSettings((w) => warnings.push(w));
  assert.equal(s.maxFeatureNodes, undefined);
  assert.equal(s.nodeThreshold, 0.5);
  assert.equal(s.edgeThreshold, undefined);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0], /selfTracing\.maxFeatureNodes .*whole number from 1 .* not 2\.5/);
});

test('settings: in Restricted Mode a workspace cannot set the trace settings, only the user can', () => {
  (vscode.workspace as { isTrusted: boolean }).isTrusted = false;
  fake.state.settings['selfTracing.maxFeatureNodes'] = { workspaceValue: 9_000_000, globalValue: 300 };
  fake.state.settings['selfTracing.maxNLogits'] = { workspaceValue: 50 };
  const s = traceSettings();
  assert.equal(s.maxFeatureNodes, 300);
  assert.equal(s.maxNLogits, undefined);
});

test('CLI numbers: only whole decimal literals are numbers ("" and "0x10" are not)', () => {
  for (const bad of ['', ' ', '1x', '0x10', 'Infinity', 'NaN', '1e', '--1']) assert.ok(Number.isNaN(parseNumberArg(bad)), JSON.stringify(bad));
  for (const [s, v] of [['5', 5], ['2.5', 2.5], ['1e3', 1000], ['.5', 0.5], [' 7 ', 7]] as const) assert.equal(parseNumberArg(s), v);
});

test('attribute(): a non-integer budget below the active count is refused at once instead of spinning for ever', async () => {
  const fx = await loadFixture('plt-relu-skip');
  const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
  try {
    for (const opts of [{ maxFeatureNodes: 2.5 }, { maxFeatureNodes: 0 }, { maxFeatureNodes: -3 }, { maxFeatureNodes: 1, updateInterval: 0 }, { maxFeatureNodes: 1, batchSize: 0.5 }]) {
      const err = await at.attribute(fx.ids, opts).then(() => undefined, (e: unknown) => e);
      assert.ok(EngineError.is(err, 'badInput'), `${JSON.stringify(opts)}: ${String(err)}`);
    }
    // a whole budget below the active count works, one row per round
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: 3, batchSize: 1, updateInterval: 1 });
    assert.equal(graph.selectedFeatures.length, 3);
  } finally {
    at.dispose();
  }
});

test('attribute(): a cancel during the feature rounds is read between rounds', async () => {
  const fx = await loadFixture('plt-relu-skip');
  const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
  try {
    assert.ok(fx.meta.n_active > 4, 'the fixture needs several rounds');
    const controller = new AbortController();
    let rounds = 0;
    const err = await at.attribute(fx.ids, {
      maxFeatureNodes: fx.meta.n_active - 1, batchSize: 1, updateInterval: 1, signal: controller.signal,
      onProgress: (p) => { if (p.phase === 'features' && ++rounds === 2) controller.abort(); },
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(EngineError.is(err, 'cancelled'), String(err));
    assert.equal(rounds, 2, 'stopped at the next round');
  } finally {
    at.dispose();
  }
});
