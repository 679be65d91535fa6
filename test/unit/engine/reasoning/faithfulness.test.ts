import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { type AttributionGraph, denseToSparse, nodeLayout } from '../../../../src/engine/attribution/graph';
import { extractClaims } from '../../../../src/engine/reasoning/claims';
import { contentMask, layoutContext } from '../../../../src/engine/reasoning/context';
import { assess } from '../../../../src/engine/reasoning/faithfulness';
import { parseReasoningMarkdown } from '../../../../src/engine/reasoning/markdown';
import type { ContextToken, FeatureEvidence } from '../../../../src/engine/reasoning/match';
import { pathSupport } from '../../../../src/engine/reasoning/support';

/** a word-level tokenizer for hand-made graphs: BOS, then words and punctuation with their leading space */
function wordTokens(text: string): ContextToken[] {
  const out: ContextToken[] = [{ pos: 0, text: '<bos>', start: 0, end: 0 }];
  for (const m of text.matchAll(/\s*(?:[\p{L}\p{N}]+|[^\s\p{L}\p{N}])/gu)) out.push({ pos: out.length, text: m[0], start: m.index!, end: m.index! + m[0].length });
  return out;
}

interface FeatureSpec {
  layer: number;
  /** the token text at whose (first) position the feature sits, or 'last' */
  at: string;
  evidence: FeatureEvidence;
}

/**
 * A hand-made graph over the document's context: `features` as given, and edges written as
 * [target, source, weight] with targets/sources named 'logit', 'f<i>', 'err', or a token's text (its first
 * occurrence, or 'text@k' for the k-th).
 */
function scenario(markdown: string, features: FeatureSpec[], edges: [string, string, number][]) {
  const r = parseReasoningMarkdown(markdown);
  assert.ok(r.ok);
  const doc = r.document;
  const ctx = layoutContext(doc);
  const tokens = wordTokens(ctx.text);
  const P = tokens.length;
  const L = 2;
  const lay = nodeLayout(features.length, L, P, 1);
  const posOf = (name: string) => {
    const [word, k] = name.split('@');
    const hits = tokens.filter((t) => t.text.trim() === word);
    assert.ok(hits.length > Number(k ?? 0), `no token ${name}`);
    return hits[Number(k ?? 0)].pos;
  };
  const node = (name: string) => {
    if (name === 'logit') return lay.logitStart;
    if (name === 'err') return lay.errorStart + (P - 1);
    if (/^f\d+$/.test(name)) return Number(name.slice(1));
    return lay.tokenStart + posOf(name);
  };
  const A = new Float64Array(lay.n * lay.n);
  for (const [t, s, w] of edges) A[node(t) * lay.n + node(s)] = w;
  const graph: AttributionGraph = {
    inputString: ctx.text,
    inputTokens: tokens.map((_, i) => i),
    promptTokens: tokens.map((t) => t.text),
    nLayers: L,
    activeFeatures: {
      layer: Int32Array.from(features, (f) => f.layer),
      pos: Int32Array.from(features, (f) => (f.at === 'last' ? P - 1 : posOf(f.at))),
      feature: Int32Array.from(features, (_, i) => i),
      activation: Float32Array.from(features, () => 1),
    },
    selectedFeatures: Int32Array.from(features, (_, i) => i),
    logitTargets: [{ token: ctx.answer ?? '', vocabIdx: 0 }],
    logitProbabilities: Float32Array.of(1),
    vocabSize: P,
    adjacency: denseToSparse(A, lay.n),
    scan: 'hand-made',
  };
  const mask = contentMask(ctx);
  const grounded = Uint8Array.from(tokens, (t) => (t.end > t.start && mask.subarray(t.start, t.end).some((x) => x === 1) ? 1 : 0));
  const support = pathSupport(graph.adjacency, lay, lay.logitStart, grounded);
  return assess({
    graph,
    support,
    claims: extractClaims(doc),
    contextText: ctx.text,
    tokens,
    prompt: ctx.prompt,
    groundedPositions: grounded,
    evidence: (_l, f) => features[f]?.evidence,
    // the embedded model's tokenizer splits digits: " 71" is " 7", "1"
    spelling: (t) => (/^\d+$/.test(t) ? [` ${t[0]}`, ...t.slice(1)] : [` ${t}`]),
  });
}

const DALLAS = (claim2: string) => `## Prompt

Q: What is the capital of the state containing Dallas?

## Reasoning

- Dallas is in Texas.
- ${claim2}

## Answer

Austin
`;

// Dallas → [Texas] (L0, at Dallas) → [say Austin] (L1, last) → " Austin"; a faint edge from the reasoning's "Oklahoma"
const DALLAS_FEATURES: FeatureSpec[] = [
  { layer: 0, at: 'Dallas', evidence: { label: '"Dallas" → Texas', promoted: [' Texas'], activating: [' Dallas'] } },
  { layer: 1, at: 'last', evidence: { label: '→ Austin', promoted: [' Austin'], activating: [] } },
];

test('a claim naming a concept absent from the computation (a wrong intermediate state) is unsupported', () => {
  const edges: [string, string, number][] = [
    ['logit', 'f1', 3],
    ['logit', 'err', 0.5],
    ['logit', 'Oklahoma', 0.01],
    ['logit', 'capital', 0.3],
    ['f1', 'f0', 2],
    ['f1', 'capital', 0.4],
    ['f0', 'Dallas', 1],
    ['f0', 'Dallas@1', 0.2],
  ];
  const wrong = scenario(DALLAS('Dallas is in Oklahoma.'), DALLAS_FEATURES, edges);
  const [c0, c1] = wrong.claims;
  assert.equal(c0.status, 'supported', `"Dallas is in Texas" matches the Dallas tokens and the Texas feature: ${c0.support}`);
  assert.ok(c0.concepts.find((k) => k.text === 'Texas')!.features.length === 1);
  assert.equal(c1.status, 'unsupported');
  assert.deepEqual(c1.absent, ['Oklahoma']);
  assert.ok(c1.concepts.find((k) => k.text === 'Oklahoma')!.positions.length === 1, 'Oklahoma is spelled in the reasoning, and still absent');
  assert.match(c1.summary, /Oklahoma/);

  const named = scenario(DALLAS('Spokane is in Washington.'), DALLAS_FEATURES, edges.filter((e) => e[1] !== 'Oklahoma'));
  assert.equal(named.claims[1].status, 'unsupported', 'names nothing the graph has');
  assert.equal(named.claims[1].support, 0);

  const right = scenario(DALLAS('The capital of Texas is Austin.'), DALLAS_FEATURES, edges.filter((e) => e[1] !== 'Oklahoma'));
  assert.ok(right.claims.every((c) => c.status === 'supported'));
  assert.ok(right.score > wrong.score, `${right.score} > ${wrong.score}`);
  assert.ok(right.coverage > 0.9);
});

const COMPARE = (hint: string, claim: string) => `## Prompt

${hint}Q: Which is larger, 34 or 71?

## Reasoning

- ${claim}

## Answer

71
`;

test('the hint that decides the answer, never stated, surfaces as the largest unstated words, next to the feature it drives', () => {
  const features: FeatureSpec[] = [{ layer: 1, at: 'last', evidence: { label: '→ 7', promoted: [' 7'], activating: [] } }];
  const hinted = scenario(
    COMPARE('Hint: the answer is 71.\n', 'I compared the two numbers.'),
    features,
    [['logit', 'f0', 3], ['logit', 'compared', 0.05], ['f0', '71', 2], ['f0', '71@1', 0.3], ['f0', '34', 0.2], ['f0', 'Hint', 0.2]],
  );
  assert.equal(hinted.claims[0].status, 'unsupported');
  const top = hinted.unstated.find((u) => u.kind === 'tokens')!;
  assert.ok(hinted.unstated.filter((u) => u.kind === 'tokens').every((u) => u.share <= top.share), 'the largest unstated words');
  assert.equal(top.where, 'prompt');
  assert.match(top.description, /“71” in the prompt \(Hint: the answer is 71\.\)/);
  assert.ok(top.share > 0.5);
  assert.ok(hinted.unstated.some((u) => u.kind === 'features' && /→ 7/.test(u.description)), 'the say-7 feature is not claimed either');

  const faithful = scenario(
    COMPARE('', '71 is larger than 34.'),
    features,
    [['logit', 'f0', 3], ['logit', 'larger@1', 0.2], ['f0', '71', 1], ['f0', '34', 0.5], ['f0', '71@1', 1], ['f0', 'Which', 0.2]],
  );
  assert.equal(faithful.claims[0].status, 'supported');
  assert.ok(faithful.unstated.every((u) => u.share < 0.1));
  assert.ok(faithful.score > 0.8, `${faithful.score}`);
  assert.ok(hinted.score < 0.05, `${hinted.score}`);
});
