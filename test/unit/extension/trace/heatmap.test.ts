import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { GraphJson } from '../../../../src/protocol/graph-json';
import { bucketOf, heatColorId, positionAt, positionsIn, tokenHeat } from '../../../../src/extension/trace/heatmap';
import { hoverMarkdown } from '../../../../src/extension/trace/hoverContent';

const dallas = JSON.parse(readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8')) as GraphJson;
const text = dallas.selfTracing!.source!.text!;

test('buckets are signed, symmetric and saturate at the largest magnitude', () => {
  assert.equal(bucketOf(0, 1), 0);
  assert.equal(bucketOf(1, 1), 5);
  assert.equal(bucketOf(-1, 1), -5);
  assert.equal(bucketOf(0.5, 1), 3);
  assert.equal(bucketOf(-0.01, 1), -1);
  assert.equal(bucketOf(5, 1), 5);
  assert.equal(bucketOf(1, 0), 0);
  assert.equal(bucketOf(Number.NaN, 1), 0);
  assert.equal(heatColorId(-3), 'selfTracing.heatNegative3');
});

test('token heat maps the tokenizer offsets onto the document, skipping BOS, and aligns with characters', () => {
  const prefix = '# notes\n';
  const heat = tokenHeat(dallas, prefix.length);
  assert.equal(heat.length, dallas.metadata.prompt_tokens.length - 1);
  const doc = prefix + text;
  for (const h of heat) assert.equal(doc.slice(h.start, h.end), dallas.metadata.prompt_tokens[h.ctx]);
  const dallasToken = heat.find((h) => h.ctx === 9)!;
  assert.equal(dallasToken.bucket, 5, 'the most attributed token gets the strongest colour');
  assert.ok(heat.find((h) => h.ctx === 1)!.bucket < 0, '"Fact" pushes away from Austin');
  assert.equal(positionAt(heat, prefix.length + text.indexOf('Dallas') + 2)?.ctx, 9);
  assert.deepEqual(positionsIn(heat, prefix.length + text.indexOf('capital'), prefix.length + text.indexOf('state') + 2), [4, 7]);
});

test('token heat follows offsets in UTF-16 code units, so multi-byte text aligns', () => {
  const graph: GraphJson = {
    ...dallas,
    metadata: { ...dallas.metadata, prompt_tokens: ['<|endoftext|>', 'Ça', ' 🙂', ' va'] },
    selfTracing: { version: 1, tokenOffsets: [[0, 0], [0, 2], [2, 5], [5, 8]], tokenScores: { total: [0, 1, -2, 0.5] } },
  };
  const doc = 'Ça 🙂 va';
  const heat = tokenHeat(graph, 0);
  assert.deepEqual(heat.map((h) => doc.slice(h.start, h.end)), ['Ça', ' 🙂', ' va']);
  assert.deepEqual(heat.map((h) => h.bucket), [3, -5, 2]);
});

test('graphs without per-token scores give no heat', () => {
  assert.deepEqual(tokenHeat({ ...dallas, selfTracing: undefined }, 0), []);
});

test('the hover names the token, its attributions, the top features with links, and trusted command links', () => {
  const md = hoverMarkdown(dallas, 'trace-1', 9, false);
  assert.match(md, /\*\*` Dallas`\*\* · token 8533 · position 9/);
  assert.match(md, /Attribution to the logit of \\" Austin\\", in logits \(\+ pushes towards it, − away\):/, 'the unit and the sign say what the numbers mean');
  assert.match(md, /\| through every path \| directly \(embedding → logit\) \|/);
  assert.match(md, /\| \+37\.522 \(\d+% of the prompt's\) \| \+0\.160 \|/);
  assert.match(md, /· L1 · activation 6\.30/);
  assert.match(md, /- \[Dallas\]\(command:selfTracing\.showInGraph\?/);
  assert.match(md, /\[\$\(debug-restart\) Trace from here\]\(command:selfTracing\.traceFromHere\?/);
  const args = decodeURIComponent(/traceFromHere\?([^)]+)\)/.exec(md)![1]);
  assert.deepEqual(JSON.parse(args), [{ traceId: 'trace-1', ctx: 9 }]);
  assert.match(hoverMarkdown(dallas, 't', 9, true), /\$\(warning\)/);
});

test('the hover of a token holding part of a character shows the character it is part of, not "�"', () => {
  const graph = JSON.parse(readFileSync('test/fixtures/graphs/organism-nonascii.graph.json', 'utf8'));
  const ctx = graph.metadata.prompt_tokens.indexOf('\uFFFD');
  const md = hoverMarkdown(graph, 't', ctx, false);
  assert.match(md, /\*\*`⟨ñ 1\/2⟩`\*\*/);
  assert.doesNotMatch(md.split('\n')[0], /\uFFFD/);
});
