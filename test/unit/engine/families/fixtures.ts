// The committed family fixtures (tools/reference/families_ref.py): tiny random Llama / Qwen3 checkpoints in their
// exact HF names (bf16; qwen3 sharded), tokenizers, random transcoders and the PyTorch reference numbers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile } from '../../../../src/engine/model/safetensors';

export const FAMILY_FIXTURES = path.resolve('test/fixtures/families');
export const FAMILY_FIXTURE_NAMES = ['llama', 'qwen3', 'llama-clt', 'qwen3-topk-normalized'];

export interface FamilyReference {
  cases: Record<string, number[]>;
  get(name: string): Float32Array;
}

export function familyReference(name: string): FamilyReference {
  const dir = path.join(FAMILY_FIXTURES, name);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
  const f = SafetensorsFile.open(path.join(dir, 'expected.safetensors'));
  return { cases: json.cases, get: (n) => f.read(n) };
}
