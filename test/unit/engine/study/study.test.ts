import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { readGraphJson } from '../../../../src/engine/formats/graphJson';
import { parsePrompts, parseShard, shardOf } from '../../../../src/engine/study/prompts';
import { studyReportHtml } from '../../../../src/engine/study/reportHtml';
import { graphDepth, summarizeStudy, toCsv } from '../../../../src/engine/study/summary';
import { reportWebviewHtml } from '../../../../src/extension/compare/studyReport';

const graph = (l: string) => readGraphJson(fs.readFileSync(`test/fixtures/graphs/multilingual/${l}.graph.json`, 'utf8'));

test('prompts: ids, groups (group / task / theme), comments; shards cover every prompt once', () => {
  const ps = parsePrompts('# c\n{"prompt":"a","group":"g"}\n\n{"prompt":"b","task":"t","id":"x"}\n{"prompt":"c","theme":"h"}\n{"prompt":"d"}\n');
  assert.deepEqual(ps.map((p) => `${p.id}/${p.group}/${p.index}`), ['p0002/g/0', 'x/t/1', 'p0005/h/2', 'p0006/all/3']);
  const s = [0, 1, 2].map((i) => shardOf(ps, parseShard(`${i}/3`)).map((p) => p.id));
  assert.deepEqual(s.flat().sort(), ps.map((p) => p.id).sort());
  assert.equal(parseShard('3/3'), undefined);
  assert.equal(parseShard('1-3'), undefined);
  assert.throws(() => parsePrompts('{"prompt":"a","id":"../x"}'), /must be 1–100 letters/);
  assert.throws(() => parsePrompts('{"prompt":"a","id":"x"}\n{"prompt":"b","id":"x"}'), /appears twice/);
  assert.throws(() => parsePrompts('# nothing\n'), /has no prompts/);
});

test('graph depth is the longest token → logit path over the links', () => {
  const g = graph('en');
  const d = graphDepth(g);
  const layers = new Set(g.nodes.filter((n) => n.feature_type === 'cross layer transcoder').map((n) => n.layer)).size;
  assert.ok(d >= 2 && d <= layers + 2, `depth ${d} with ${layers} feature layers`);
});

test('the summary of the multilingual graphs: reuse counts, per-group shared features, CSV quoting; the report is static', () => {
  const ps = parsePrompts(['en', 'es', 'fr'].map((l) => JSON.stringify({ id: l, prompt: l, group: l === 'es' ? 'es' : 'enfr' })).join('\n'));
  const r = summarizeStudy(ps.map((p) => ({ prompt: p, graph: graph(p.id) })));
  assert.deepEqual(r.prompts.map((p) => p.id), ['en', 'es', 'fr']);
  const inAll = r.features.filter((f) => f.prompts === 3).length;
  assert.equal(r.reuse[2], inAll);
  const enfr = r.groups.find((g) => g.group === 'enfr')!;
  assert.equal(enfr.topShared.length, 10, 'English and French share more than ten features');
  assert.ok(enfr.topShared.every((f) => f.prompts === 2));
  assert.equal(toCsv([{ a: 'x,"y"', b: 0.5, c: ['p', 'q'] }], ['a', 'b', 'c']), 'a,b,c\n"x,""y""",0.500000,p;q\n');
  const html = studyReportHtml(r, 'T <b>');
  assert.match(html, /<title>T &lt;b&gt;<\/title>/);
  assert.doesNotMatch(html, /<script/i);
  const shown = reportWebviewHtml('<html><head><meta http-equiv="Content-Security-Policy" content="default-src *"></head><body></body></html>');
  assert.doesNotMatch(shown, /default-src \*/);
  assert.match(shown, /<head>\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
});
