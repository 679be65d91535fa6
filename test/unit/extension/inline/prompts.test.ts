import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isJsonl, promptsInText } from '../../../../src/extension/inline/prompts';

test('one prompt per non-blank line, trimmed, with its offsets', () => {
  const text = 'Fact: the capital of the state containing Dallas is\n\n  The opposite of hot is  \r\nlast';
  const scan = promptsInText('prompts.txt', text);
  assert.equal(scan.format, 'lines');
  assert.deepEqual(scan.prompts.map((p) => p.text), ['Fact: the capital of the state containing Dallas is', 'The opposite of hot is', 'last']);
  for (const p of scan.prompts) {
    assert.equal(text.slice(p.start, p.end), p.text);
    assert.ok(p.exact);
  }
  assert.deepEqual(scan.prompts.map((p) => p.line), [0, 2, 3]);
});

test('JSONL: a string or an object\'s prompt/text/input; verbatim prompts keep exact offsets, escaped ones mark the record', () => {
  const lines = [
    '{"id": 1, "prompt": "Fact: Dallas is"}',
    '"The cat sat on"',
    '{"text": "say \\"hi\\"", "prompt": 3}',
    '{"prompt": "prompt"}',
    'not json',
    '{"other": "x"}',
  ];
  const text = lines.join('\n');
  const scan = promptsInText('data.jsonl', text);
  assert.equal(scan.format, 'jsonl');
  assert.deepEqual(scan.prompts.map((p) => [p.text, p.exact]), [['Fact: Dallas is', true], ['The cat sat on', true], ['say "hi"', false], ['prompt', true]]);
  assert.equal(text.slice(scan.prompts[0].start, scan.prompts[0].end), 'Fact: Dallas is');
  assert.equal(text.slice(scan.prompts[2].start, scan.prompts[2].end), lines[2], 'the whole record');
  const last = scan.prompts[3];
  assert.equal(text.slice(last.start - 2, last.end + 1), ' "prompt"', 'the value, not the key');
  assert.deepEqual(scan.skipped, ['line 5: not JSON', 'line 6: no "prompt", "text" or "input" string']);
});

test('a file whose lines are all JSON records is JSONL whatever its name', () => {
  assert.ok(isJsonl('prompts.txt', '{"prompt": "a"}\n\n"b"\n'));
  assert.ok(!isJsonl('prompts.txt', '{"prompt": "a"}\nplain words\n'));
  assert.ok(!isJsonl('prompts.txt', ''));
});
