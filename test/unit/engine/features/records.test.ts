import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FeatureIndex, writeIndex, writeLayerFile } from '../../../../src/engine/features/records';
import { autoLabel } from '../../../../src/engine/features/labels';
import type { FeatureRecord } from '../../../../src/engine/features/types';
import { EngineError } from '../../../../src/engine/errors';

const record = (i: number): FeatureRecord => ({
  transcoder_id: 'test',
  index: i,
  examples_quantiles: [{ quantile_name: 'Top activations', examples: [{ tokens: ['a', ' ü', '€'], tokens_acts_list: [0, i, 0.5], train_token_ind: 1, is_repeated_datapoint: false }] }],
  top_logits: [' x'], bottom_logits: [' y'], act_min: 0.1, act_max: i, quantile_values: [], histogram: [1, 2], activation_frequency: 0.01 * i,
});

function build() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fi-'));
  writeIndex(dir, [writeLayerFile(dir, 0, [0, 1, 2].map(record)), writeLayerFile(dir, 1, [3, 4].map(record))]);
  return dir;
}

test('records round-trip through the binary layout, read one at a time', () => {
  const dir = build();
  const idx = FeatureIndex.open(dir);
  assert.equal(idx.nLayers, 2);
  assert.equal(idx.featureCount(0), 3);
  assert.deepEqual(idx.get(1, 1), record(4));
  assert.deepEqual(idx.get(0, 2), record(2));
  // the layout is circuit-tracer's: the index is a gzipped array of {filename, offsets}
  const raw = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, 'index.json.gz'))).toString());
  assert.equal(raw[1].filename, 'layer_1.bin');
  const bin = fs.readFileSync(path.join(dir, 'layer_1.bin'));
  const len = bin.readUInt32LE(raw[1].offsets[1]);
  assert.deepEqual(JSON.parse(zlib.inflateSync(bin.subarray(raw[1].offsets[1] + 4, raw[1].offsets[1] + 4 + len)).toString()), record(4));
});

test('a corrupt or missing index gives a clear error', () => {
  const dir = build();
  const code = (fn: () => unknown, c: string, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof EngineError && e.code === c && re.test(e.message));
  fs.writeFileSync(path.join(dir, 'layer_1.bin'), fs.readFileSync(path.join(dir, 'layer_1.bin')).subarray(0, 10));
  code(() => FeatureIndex.open(dir), 'badFile', /truncated/);
  fs.writeFileSync(path.join(dir, 'index.json.gz'), 'not gzip');
  code(() => FeatureIndex.open(dir), 'badFile', /not gzipped JSON/);
  code(() => FeatureIndex.open(path.join(dir, 'nope')), 'fileNotFound', /features build/);
  const dir2 = build();
  const bin = fs.readFileSync(path.join(dir2, 'layer_0.bin'));
  bin[6] ^= 0xff; // damage the zlib stream of feature 0
  fs.writeFileSync(path.join(dir2, 'layer_0.bin'), bin);
  code(() => FeatureIndex.open(dir2).get(0, 0), 'badFile', /layer_0\.bin#0/);
  code(() => FeatureIndex.open(dir2).get(0, 7), 'badInput', /out of range/);
});

test('auto labels follow the documented rule', () => {
  const base = { layer: 2, feature: 17, logitMean: 0, logitStd: 1 };
  assert.equal(autoLabel({ ...base, maxTokens: [' Dallas', ' Dallas', ' Houston'], topLogits: [{ token: ' Texas', value: 9 }, { token: ' Austin', value: 3 }] }).text, '" Dallas" → Texas');
  assert.equal(autoLabel({ ...base, maxTokens: [' a', ' b', ' c'], topLogits: [{ token: ' Texas', value: 9 }, { token: ' Austin', value: 8.5 }] }).text, '→ Texas/Austin');
  assert.equal(autoLabel({ ...base, maxTokens: [' Paris', ' Paris'], topLogits: [{ token: ' x', value: 2 }] }).text, 'on " Paris"');
  assert.equal(autoLabel({ ...base, maxTokens: [' a', ' b'], topLogits: [{ token: ' x', value: 2 }] }).text, 'L2/17');
  assert.equal(autoLabel({ ...base, maxTokens: [], topLogits: [] }).source, 'auto');
  // the decoder test fails, so the output side is what came next in the top examples
  assert.equal(autoLabel({ ...base, maxTokens: [' in', ' in', ' in'], nextTokens: [' Texas', ' Texas', ' Ohio'], topLogits: [{ token: ' x', value: 2 }] }).text, '" in" → Texas (next)');
  assert.equal(autoLabel({ ...base, maxTokens: [' a', ' b'], nextTokens: [' Texas', ' Ohio'], topLogits: [{ token: ' x', value: 2 }] }).text, 'L2/17');
});
