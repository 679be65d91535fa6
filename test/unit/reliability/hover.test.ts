// Item 9 of issue 17: tokens and feature-index strings reach the hover's markdown, which is trusted for three
// commands and renders HTML. Hostile strings (backticks, links, `command:` URIs, HTML, theme icons, line breaks)
// must come out as text: the rendered hover has exactly the links we put there and no tag we did not write.
// Rendered with markdown-it (CommonMark; already in node_modules through @vscode/vsce) as VS Code's renderer would.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { codeSpan, escapeMarkdown, featuresAt, hoverMarkdown } from '../../../src/extension/trace/hoverContent';
import type { GraphJson } from '../../../src/protocol/graph-json';
import { forCases, Rng } from './seeded';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (o: object) => { render(s: string): string };
const md = new MarkdownIt({ html: true, linkify: false });
const dallas = JSON.parse(fs.readFileSync('test/fixtures/graphs/organism-dallas.graph.json', 'utf8')) as GraphJson;

const ATTACKS = [
  '`[x](command:selfTracing.ablateTopFeature?%5B%5D)`',
  '``[x](command:workbench.action.terminal.sendSequence)``',
  '` <img src=x onerror=alert(1)> `',
  '[click](command:selfTracing.traceFromHere?%5B%7B%7D%5D)',
  '<a href="command:selfTracing.showInGraph">x</a>',
  '$(alert) $(warning)',
  '\n\n# heading\n- item',
  '`',
  '```',
  ' ` ',
  '<script>alert(1)</script>',
  '![img](https://example.com/x.png)',
  '<https://example.com>',
  'command:selfTracing.showInGraph',
  '&lt;b&gt;',
  '\\`',
];

function hostile(rng: Rng): string {
  if (rng.bool(0.5)) return rng.pick(ATTACKS);
  return rng.string(rng.int(0, 24), '`[]()<>!*_#|\\:$&"\' \nabcXYZcommand:/?=%');
}

/** the tags and link targets the hover's own markdown produces, so anything else came from the data */
const OWN_LINKS = /^command:selfTracing\.(showInGraph|traceFromHere|ablateTopFeature)\?/;
const OWN_TAGS = new Set(['p', 'strong', 'code', 'a', 'ul', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span', 'em']);

function check(html: string, wantLinks: number, what: string): void {
  const links = [...html.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(links.length, wantLinks, `${what}: links ${JSON.stringify(links)}`);
  for (const l of links) assert.match(l, OWN_LINKS, what);
  for (const [, tag] of html.matchAll(/<\/?([a-zA-Z0-9]+)/g)) assert.ok(OWN_TAGS.has(tag.toLowerCase()), `${what}: a <${tag}> tag came from the data\n${html}`);
  assert.ok(!/<img|<script/i.test(html), what);
  assert.ok(!/<h\d/.test(html), `${what}: a heading`);
}

test('property: a code span holds any token as text, whole, and nothing else', () => {
  forCases(17009, 500, (rng) => {
    const t = hostile(rng);
    if (t === '') return assert.equal(codeSpan(t), '\\"\\"', 'an empty token reads ""');
    const html = md.render(`x ${codeSpan(t)} y`);
    const m = /^<p>x <code>([\s\S]*)<\/code> y<\/p>\n$/.exec(html);
    assert.ok(m, `${JSON.stringify(t)} → ${html}`);
    const text = m![1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    assert.equal(text, JSON.stringify(t).slice(1, -1).replace(/\n/g, ' '), 'the token comes out whole');
  });
});

test('property: escaped labels render as their own text, with no link, tag or block', () => {
  forCases(17010, 500, (rng) => {
    const label = hostile(rng);
    const html = md.render(`- [${escapeMarkdown(label)}](command:selfTracing.showInGraph?x) · L1`);
    check(html, 1, JSON.stringify(label));
    assert.ok(!/(^|[^\\])\$\(/.test(escapeMarkdown(label)), 'theme icons are escaped');
  });
});

test('property: a graph whose tokens, labels, layers and feature strings are hostile gives a hover with only its own links', () => {
  // the position with the most transcoder features
  const counts = new Map<number, number>();
  for (const n of dallas.nodes) if (typeof n.activation === 'number' && n.feature_type !== 'embedding' && n.feature_type !== 'logit') counts.set(n.ctx_idx, (counts.get(n.ctx_idx) ?? 0) + 1);
  const ctx = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  forCases(17011, 150, (rng) => {
    const g = structuredClone(dallas);
    g.metadata.prompt_tokens[ctx] = hostile(rng);
    g.selfTracing!.target!.token = hostile(rng);
    for (const n of g.nodes) if (n.ctx_idx === ctx) {
      n.clerp = hostile(rng);
      if (rng.bool(0.3)) (n as { layer: unknown }).layer = hostile(rng);
    }
    for (const f of Object.values(g.selfTracing!.features!)) {
      f.top_logits = [hostile(rng), hostile(rng)];
      f.bottom_logits = [hostile(rng)];
      if (rng.bool(0.3)) (f as { activation_frequency: unknown }).activation_frequency = hostile(rng);
    }
    const text = hoverMarkdown(g, 'trace-1', ctx, rng.bool(0.2));
    // one link per listed feature, then Show in graph, Trace from here and (with a feature here) Ablate
    const own = featuresAt(g, ctx).length + 2 + (text.includes('](command:selfTracing.ablateTopFeature?') ? 1 : 0);
    const html = md.render(text);
    check(html, own, 'hover');
    assert.ok(own >= 4, `the features and the command links are there:\n${text}`);
  });
});
