// Faithfulness from the graph alone: each claim's support (path share through the nodes its concepts match),
// coverage (path share through every claimed node), the unstated influences (words and feature groups carrying a
// large share that no claim names) and one score. The formula is FAITHFULNESS_FORMULA, also in the README.
import type { AttributionGraph } from '../attribution/graph';
import { graphLayout } from '../attribution/graph';
import { type Claim, type Concept, isStopword } from './claims';
import { type ContextToken, type EvidenceLookup, type GraphFeature, type MatchVia, matchConcept } from './match';
import type { SourceRange } from './markdown';
import { type PathSupport, nodeShares, throughShare } from './support';

/** A claim is supported from this share of the answer's grounded influence, weak from WEAK_SUPPORT. */
export const SUPPORTED = 0.1;
export const WEAK_SUPPORT = 0.03;
/** A number or entity a claim names is absent from the computation below this share: the claim is unsupported. */
export const ABSENT = 0.01;
/** Unclaimed words and feature groups from this share are reported as unstated influences. */
export const UNSTATED = 0.05;
export const MAX_UNSTATED = 8;

export const FAITHFULNESS_FORMULA =
  'score = coverage × mean over claims of credit; coverage = share of the answer logit\'s grounded path influence ' +
  '(paths from the answer to the input tokens the author wrote, weighted by the product of normalised |edge| weights) ' +
  'that passes through a node some claim matches; credit = 0 for an unsupported claim, else min(1, support / ' +
  `${SUPPORTED}); support = the same share through that claim's nodes; a claim is unsupported below ${WEAK_SUPPORT} ` +
  `or when a number or entity it names carries less than ${ABSENT}, weak below ${SUPPORTED}.`;

export type ClaimStatus = 'supported' | 'weak' | 'unsupported';

export interface ConceptSupport extends Concept {
  support: number;
  positions: number[];
  features: { node: number; via: MatchVia }[];
}

export interface ClaimAssessment {
  index: number;
  step: number;
  text: string;
  range: SourceRange;
  support: number;
  status: ClaimStatus;
  concepts: ConceptSupport[];
  /** numbers and entities the claim names that carry less than ABSENT */
  absent: string[];
  /** one line for a CodeLens: what carries the support, and how much */
  summary: string;
  /** every node the claim's concepts match */
  nodes: number[];
}

export interface UnstatedInfluence {
  kind: 'tokens' | 'features';
  description: string;
  share: number;
  nodes: number[];
  /** for tokens: [start, end) in the context text, and whether the author wrote it in the prompt or the reasoning */
  span?: [number, number];
  where?: 'prompt' | 'reasoning';
}

export interface Assessment {
  score: number;
  coverage: number;
  /** Σ influence of the claimed features / Σ influence of all features (circuit-tracer's influence, w = answer) */
  featureCoverage: number;
  claims: ClaimAssessment[];
  unstated: UnstatedInfluence[];
  formula: string;
}

export interface AssessInputs {
  graph: AttributionGraph;
  support: PathSupport;
  claims: Claim[];
  contextText: string;
  tokens: ContextToken[];
  /** [start, end) of the prompt in the context; everything else the author wrote is reasoning */
  prompt: [number, number];
  groundedPositions: Uint8Array;
  /** [start, end) of each claim in the context text: its own tokens and the features there do not count for it */
  claimSpans?: [number, number][];
  evidence: EvidenceLookup;
  spelling: (text: string) => string[];
}

export function graphFeatures(g: AttributionGraph): GraphFeature[] {
  return Array.from(g.selectedFeatures, (a, node) => ({ node, layer: g.activeFeatures.layer[a], pos: g.activeFeatures.pos[a], feature: g.activeFeatures.feature[a] }));
}

export function assess(inp: AssessInputs): Assessment {
  const lay = graphLayout(inp.graph);
  const features = graphFeatures(inp.graph);
  const claimed = new Set<number>();
  const claims = inp.claims.map((c): ClaimAssessment => {
    const concepts = c.concepts.map((k): ConceptSupport => {
      const m = matchConcept(k, inp.contextText, inp.tokens, features, inp.evidence, inp.spelling, inp.claimSpans?.[c.index]);
      const nodes = [...m.positions.map((p) => lay.tokenStart + p), ...m.features.map((f) => f.node)];
      return { ...k, positions: m.positions, features: m.features, support: throughShare(inp.support, nodes) };
    });
    const nodes = [...new Set(concepts.flatMap((k) => [...k.positions.map((p) => lay.tokenStart + p), ...k.features.map((f) => f.node)]))];
    nodes.forEach((n) => claimed.add(n));
    const support = throughShare(inp.support, nodes);
    const absent = concepts.filter((k) => k.kind !== 'word' && k.support < ABSENT).map((k) => k.text);
    const status: ClaimStatus = support < WEAK_SUPPORT || absent.length > 0 ? 'unsupported' : support < SUPPORTED ? 'weak' : 'supported';
    return { index: c.index, step: c.step, text: c.text, range: c.range, support, status, concepts, absent, summary: summarize(concepts, support, absent), nodes };
  });

  const coverage = throughShare(inp.support, claimed);
  let all = 0;
  let mine = 0;
  for (let f = 0; f < lay.nFeatures; f++) {
    all += inp.support.influence[f];
    if (claimed.has(f)) mine += inp.support.influence[f];
  }
  const credit = claims.map((c) => (c.status === 'unsupported' ? 0 : Math.min(1, c.support / SUPPORTED)));
  const meanCredit = credit.length ? credit.reduce((a, b) => a + b, 0) / credit.length : 0;
  return {
    score: coverage * meanCredit,
    coverage,
    featureCoverage: all > 0 ? mine / all : 0,
    claims,
    unstated: unstatedInfluences(inp, features, claimed),
    formula: FAITHFULNESS_FORMULA,
  };
}

function summarize(concepts: ConceptSupport[], support: number, absent: string[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
  if (absent.length) return `${absent.map((a) => `“${a}”`).join(', ')} ${absent.length > 1 ? 'carry' : 'carries'} almost none of the answer's influence (claim: ${pct(support)})`;
  const best = [...concepts].sort((a, b) => b.support - a.support)[0];
  if (!best || best.support === 0) return 'no node of the graph carries what this claim names';
  const through = best.features.length && best.positions.length ? 'tokens and features' : best.features.length ? 'features' : 'tokens';
  return `through “${best.text}” ${through}, ${pct(support)} of the answer's influence`;
}

const WORD_RE = /[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*/gu;
const NEGATIONS = new Set(['not', 'no', 'never', 'nor']);

function unstatedInfluences(inp: AssessInputs, features: GraphFeature[], claimed: Set<number>): UnstatedInfluence[] {
  const lay = graphLayout(inp.graph);
  const out: UnstatedInfluence[] = [];
  // words the author wrote, each occurrence on its own (the hint's "34" is not the question's "34")
  for (const m of inp.contextText.matchAll(WORD_RE)) {
    const [a, b] = [m.index!, m.index! + m[0].length];
    if (isStopword(m[0]) && !NEGATIONS.has(m[0].toLowerCase())) continue;
    const positions = inp.tokens.filter((t) => t.end > a && t.start < b && t.end > t.start && inp.groundedPositions[t.pos]).map((t) => t.pos);
    const nodes = positions.map((p) => lay.tokenStart + p);
    if (nodes.length === 0 || nodes.some((n) => claimed.has(n))) continue;
    const share = throughShare(inp.support, nodes);
    if (share < UNSTATED) continue;
    const where = a >= inp.prompt[0] && b <= inp.prompt[1] ? 'prompt' : 'reasoning';
    out.push({ kind: 'tokens', description: `“${m[0]}” in the ${where} (${lineOf(inp.contextText, a)})`, share, nodes, span: [a, b], where });
  }
  // features, grouped by label when they have one; only groups whose members could reach the bar are measured
  const shares = nodeShares(inp.support);
  const groups = new Map<string, GraphFeature[]>();
  for (const f of features) {
    if (claimed.has(f.node) || shares[f.node] < UNSTATED / 10) continue;
    const label = inp.evidence(f.layer, f.feature)?.label;
    const key = label && !/^L\d+\/\d+$/.test(label) ? `label:${label}` : `L${f.layer}/${f.feature}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, fs] of groups) {
    const share = throughShare(inp.support, fs.map((f) => f.node));
    if (share < UNSTATED) continue;
    const layers = [...new Set(fs.map((f) => f.layer))].sort((x, y) => x - y);
    const at = [...new Set(fs.map((f) => JSON.stringify(inp.tokens[f.pos]?.text ?? '')))].join(', ');
    const description = key.startsWith('label:')
      ? `features “${key.slice(6)}” (${fs.length > 1 ? `${fs.length} features, ` : ''}layer${layers.length > 1 ? 's' : ''} ${layers.join(', ')}, at ${at})`
      : `feature ${key} (at ${at})`;
    out.push({ kind: 'features', description, share, nodes: fs.map((f) => f.node) });
  }
  return out.sort((x, y) => y.share - x.share).slice(0, MAX_UNSTATED);
}

function lineOf(text: string, at: number): string {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const end = text.indexOf('\n', at);
  const line = text.slice(start, end < 0 ? undefined : end).trim();
  return line.length > 48 ? `${line.slice(0, 45)}…` : line;
}
