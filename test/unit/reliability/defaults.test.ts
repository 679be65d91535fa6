// The trace defaults come from one place (src/engine/options.ts): package.json's settings, the engine's DEFAULT_*
// constants and the CLI all show the same numbers, and each default is a value its own range accepts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_MAX_FEATURE_NODES } from '../../../src/engine/attribution/attribute';
import { DEFAULT_EDGE_THRESHOLD, DEFAULT_NODE_THRESHOLD } from '../../../src/engine/attribution/prune';
import { DEFAULT_DESIRED_LOGIT_PROB, DEFAULT_MAX_N_LOGITS } from '../../../src/engine/attribution/targets';
import { checkTraceOption, TRACE_OPTION_DEFAULTS, TRACE_OPTION_NAMES } from '../../../src/engine/options';

interface Setting { default?: unknown; minimum?: number; maximum?: number }

function settings(): Record<string, Setting> {
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
  const sections = [pkg.contributes.configuration].flat();
  return Object.assign({}, ...sections.map((s: { properties: Record<string, Setting> }) => s.properties));
}

test("package.json's trace settings default to the engine's defaults", () => {
  const all = settings();
  for (const name of TRACE_OPTION_NAMES) {
    const s = all[`selfTracing.${name}`];
    assert.ok(s, `package.json has no selfTracing.${name} setting`);
    assert.equal(s.default, TRACE_OPTION_DEFAULTS[name], `selfTracing.${name}: package.json says ${s.default}, the engine ${TRACE_OPTION_DEFAULTS[name]}`);
    assert.equal(checkTraceOption(name, s.default), undefined, `the default of ${name} is outside the engine's range`);
    if (s.minimum !== undefined) assert.ok((s.default as number) >= s.minimum, `${name}: default below the setting's minimum`);
    if (s.maximum !== undefined) assert.ok((s.default as number) <= s.maximum, `${name}: default above the setting's maximum`);
  }
});

test("the engine's DEFAULT_* constants are the one table's values", () => {
  assert.deepEqual(
    { maxFeatureNodes: DEFAULT_MAX_FEATURE_NODES, maxNLogits: DEFAULT_MAX_N_LOGITS, desiredLogitProb: DEFAULT_DESIRED_LOGIT_PROB, nodeThreshold: DEFAULT_NODE_THRESHOLD, edgeThreshold: DEFAULT_EDGE_THRESHOLD },
    TRACE_OPTION_DEFAULTS,
  );
});
