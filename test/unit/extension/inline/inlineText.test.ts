// The inline layer's strings on the embedded model's Dallas graph: the CodeLens summary, the after-text, the paths
// widget's markdown and links, inlay hints that agree with the hover, and ranges that follow edits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterText, attributionText, followEdits, pathChains, pathsMarkdown, summaryText, tokenHints } from '../../../../src/extension/inline/inlineText';
import { hoverMarkdown } from '../../../../src/extension/trace/hoverContent';
import { parseGraphJson } from '../../../../src/protocol/graph-json';
import dallasJson from '../../../fixtures/graphs/organism-dallas.graph.json';

const parsed = parseGraphJson(dallasJson);
assert.ok(parsed.ok);
const dallas = parsed.graph;

test('the summary names the target, its probability, the node count and the replacement score', () => {
  assert.equal(summaryText(dallas), '" Austin" 98.8% · 47 nodes · replacement 0.74');
  assert.equal(afterText(dallas, false), '→ " Austin" 98.8%');
  assert.equal(afterText(dallas, true), '→ " Austin" 98.8% · stale');
  // the strongest path that raises the answer, not the heavier one through L0/261 that lowers it (−3.2 %)
  assert.equal(afterText(dallas, false, true), '→ " Austin" 98.8% · Dallas → L1/63 → Austin 2.7%', 'where no paths widget shows');
  const contrast = { ...dallas, selfTracing: { ...dallas.selfTracing!, target: { token: ' Austin', contrast: { token: ' Dallas' } } } };
  assert.match(summaryText(contrast), /^" Austin" versus " Dallas" · 47 nodes/);
});

const decode = (md: string) => [...md.matchAll(/\]\(command:([\w.]+)\?([^ )]+)/g)].map((m) => ({ command: m[1], args: JSON.parse(decodeURIComponent(m[2])) }));

test('the paths widget: raising paths first, then the heavy ones that lower the target; every step links to its node, only feature steps can be ablated', () => {
  const md = pathsMarkdown({ traceId: 't1', graph: dallas, stale: false, more: false, effects: new Map() });
  const lines = md.split('\n');
  const items = lines.filter((l) => /^\d+\. /.test(l));
  // the 3 heaviest raising paths (down to 1.0 %), then the lowering ones at least that heavy (−3.2 % and −1.1 %: the
  // heaviest path of all lowers Austin, and it must neither lead the list nor disappear)
  assert.equal(items.length, 5);
  assert.equal(lines[0], items[0], 'the first line is the strongest raising path (the Comments view lists a thread by it)');
  assert.match(items[0], /^1\. \[Dallas\]\(command:selfTracing\.inline\.showStep/);
  assert.match(items[0], /· \*\*2\.7%\*\*$/);
  assert.ok(items.slice(0, 3).every((l) => !/\*\*−/.test(l)), 'no lowering path among the raising ones');
  const lower = lines.findIndex((l) => l.startsWith('**Lower it**'));
  assert.ok(lower > lines.indexOf(items[2]), 'the lowering paths come after the raising ones');
  assert.match(items[3], /^1\. .*· \*\*−3\.2%\*\*$/);
  assert.match(items[4], /^2\. .*· \*\*−1\.1%\*\*$/);
  const links = decode(items[3]);
  const shown = links.filter((l) => l.command === 'selfTracing.inline.showStep').map((l) => l.args[0].nodeId);
  const ablated = links.filter((l) => l.command === 'selfTracing.inline.ablateStep').map((l) => l.args[0].nodeId);
  assert.deepEqual(shown, ['E_1589_9', '0_261_10', '5_701_10']);
  assert.deepEqual(ablated, ['0_261_10'], 'the feature, not the token or the output');
  assert.match(md, /Direct \(token → output\): Dallas 12% · is 5\.7% · state 3\.5%/);
  assert.match(md, /\[More paths\]\(command:selfTracing\.inline\.morePaths/);
  const more = pathsMarkdown({ traceId: 't1', graph: dallas, stale: true, more: true, effects: new Map([['0_261_10', 'P(" Austin") 98.8% → 99.0% (+0.2 points)']]) });
  const moreItems = more.split('\n').filter((l) => /^\d+\. /.test(l));
  // 8 raising paths, then every lowering path (up to 8) at least as heavy as the 8th raising one: here 7
  const share = (l: string) => Number(/· \*\*−?([\d.]+)%\*\*$/.exec(l)![1]);
  assert.equal(moreItems.length, 8 + 7);
  assert.ok(moreItems.slice(8).every((l) => /\*\*−/.test(l) && share(l) >= share(moreItems[7])), moreItems.join('\n'));
  assert.match(more, /^\$\(warning\) \*The text changed/);
  assert.ok(more.includes('\n    - ablate L0/261: P\\(" Austin"\\) 98\\.8% → 99\\.0% \\(\\+0\\.2 points\\)'), 'the effect, escaped, under its path');
  assert.match(more, /\[Fewer paths\]/);
  assert.deepEqual(pathChains(dallas, 1), ['Dallas → L0/261 → Austin · −3.2%']);
  assert.deepEqual(pathChains(dallas, 1, 1), ['Dallas → L1/63 ‹" in" → Massachusetts (next)› → Austin · 2.7%']);
});

test('a graph whose only path through a feature lowers the target says so before listing it', () => {
  // keep only the links of the path Dallas → L0/261 → Austin, which lowers Austin
  const keep = new Set(['E_1589_9>0_261_10', '0_261_10>5_701_10']);
  const only = { ...dallas, links: dallas.links.filter((l) => keep.has(`${l.source}>${l.target}`)) };
  const md = pathsMarkdown({ traceId: 't1', graph: only, stale: false, more: false, effects: new Map() });
  const lines = md.split('\n');
  assert.equal(lines[0], '*No path through a feature raises the target in this graph.*');
  assert.ok(lines.some((l) => l.startsWith('**Lower it**')));
  assert.equal(lines.filter((l) => /^\d+\. .*· \*\*−/.test(l)).length, 1);
  assert.match(afterText(only, false, true), /Dallas → L0\/261 → Austin −/, 'the after-text falls back to the lowering path');
});

test('a label with markdown in it cannot break the widget', () => {
  const labelled = { ...dallas, nodes: dallas.nodes.map((n) => (n.node_id === '0_261_10' ? { ...n, clerp: '[x](command:evil) *y*' } : n)) };
  const md = pathsMarkdown({ traceId: 't1', graph: labelled, stale: false, more: false, effects: new Map() });
  assert.ok(!md.includes('command:evil)'), 'the label is escaped');
  assert.deepEqual(new Set(decode(md).map((l) => l.command)), new Set(['selfTracing.inline.showStep', 'selfTracing.inline.ablateStep', 'selfTracing.inline.morePaths']));
});

test('the inlay hints are the hover\'s numbers: signed, three decimals, one per token with characters', () => {
  const hints = tokenHints(dallas);
  assert.equal(hints.length, 10, 'BOS has no characters');
  for (const h of hints) {
    const hover = hoverMarkdown(dallas, 't1', h.ctx, false);
    const total = /\| ([+-]?\d+\.\d{3})(?: \([^)]*\))? \| (?:[+-]?\d+\.\d{3}|—) \|/.exec(hover)?.[1];
    assert.equal(h.label, total, `position ${h.ctx}`);
  }
  assert.equal(hints.find((h) => h.ctx === 9)?.label, '+18.451');
  assert.equal(hints.find((h) => h.ctx === 9)?.end, 48);
  assert.equal(tokenHints(dallas, 'direct').find((h) => h.ctx === 9)?.label, '+3.415');
  assert.equal(attributionText(-0.73075), '-0.731');
});

test('a traced range moves with edits before it and goes stale when its text is edited', () => {
  const r = { start: 10, end: 20, stale: false };
  assert.deepEqual(followEdits(r, [{ rangeOffset: 0, rangeLength: 0, text: 'abc' }]), { start: 13, end: 23, stale: false });
  assert.deepEqual(followEdits(r, [{ rangeOffset: 20, rangeLength: 0, text: 'x' }]), r, 'typing right after it');
  assert.deepEqual(followEdits(r, [{ rangeOffset: 25, rangeLength: 3, text: '' }]), r);
  assert.deepEqual(followEdits(r, [{ rangeOffset: 12, rangeLength: 2, text: 'abcd' }]), { start: 10, end: 22, stale: true });
  assert.deepEqual(followEdits(r, [{ rangeOffset: 2, rangeLength: 2, text: '' }, { rangeOffset: 30, rangeLength: 0, text: 'x' }]), { start: 8, end: 18, stale: false });
});
