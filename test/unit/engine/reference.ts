// Reads the PyTorch reference activations committed next to each fixture checkpoint and compares tensors,
// reporting the largest difference and where it is.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';

/** tests run from the repository root (bundled tests live elsewhere, so not relative to __dirname) */
export const FIXTURES = path.resolve('test', 'fixtures');
const REGENERATE = 'regenerate with: /usr/bin/python3 tools/reference/make_fixtures.py';

export interface Reference {
  cases: Record<string, number[]>;
  get(name: string): Float32Array;
  has(name: string): boolean;
}

export function readReference(model: string): Reference {
  const f = SafetensorsFile.open(path.join(FIXTURES, `${model}.expected.safetensors`));
  assert.equal(f.metadata.format, 'self-tracing-reference', `bad reference file; ${REGENERATE}`);
  assert.equal(f.metadata.version, '1', `stale reference file; ${REGENERATE}`);
  return { cases: JSON.parse(f.metadata.cases), get: (n) => f.read(n), has: (n) => f.has(n) };
}

/** asserts max |actual − expected| < atol, naming the tensor and the first mismatch */
export function checkTensor(name: string, actual: Float32Array, expected: Float32Array, atol = 1e-4): number {
  assert.equal(actual.length, expected.length, `${name}: ${actual.length} values, expected ${expected.length}`);
  let max = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= max)) {
      max = d;
      at = i;
    }
  }
  assert.ok(max < atol, `${name}: max |diff| ${max} at index ${at} (got ${actual[at]}, expected ${expected[at]}); ${REGENERATE} if the reference changed`);
  return max;
}
