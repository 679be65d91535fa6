import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { PromptTokenizer } from '../../../../src/engine/model/tokenizer';
import { FAMILY_FIXTURES } from './fixtures';

const load = (name: string) => PromptTokenizer.load(path.join(FAMILY_FIXTURES, name), {});
const ids = (t: PromptTokenizer, s: string) => t.encode(s).map((x) => x.id);

test("Llama 3: circuit-tracer's BOS once (the post-processor's is not added), none before a prompt that has it", () => {
  const t = load('llama');
  const enc = t.encode('the cat sat');
  assert.equal(enc[0].id, 267);
  assert.deepEqual([enc[0].start, enc[0].end], [0, 0]);
  assert.equal(enc.filter((x) => x.id === 267).length, 1);
  assert.deepEqual(ids(t, '<|begin_of_text|>the').slice(0, 2), [267, 116]);
  assert.equal(ids(t, '<|begin_of_text|>the').filter((x) => x === 267).length, 1);
  // special in tokenizer.json but not one of transformers' all_special_ids: circuit-tracer prepends the BOS
  assert.deepEqual(ids(t, '<|start_header_id|>user').slice(0, 2), [267, 269]);
});

test('Qwen3: no BOS token, so the pad token <|endoftext|> is prepended, except before a special token', () => {
  const t = load('qwen3');
  assert.equal(t.bosId, 267);
  assert.equal(t.decode(267), '<|endoftext|>');
  const enc = t.encode('the cat');
  assert.equal(enc[0].id, 267);
  assert.equal(enc.slice(1).map((x) => 'the cat'.slice(x.start, x.end)).join(''), 'the cat');
  assert.equal(ids(t, '<|im_start|>user')[0], 268);
});
