// Automatic feature labels from the evidence in the index, by one deterministic rule (documented in
// LABEL_RULE and the README). User labels (clerps) override these; they are stored apart from the index.
import type { FeatureLabel } from './types';

export interface LabelEvidence {
  layer: number;
  feature: number;
  /** the token at the max-activation position of each top example, highest activation first */
  maxTokens: string[];
  /** the token that follows that position in each top example (what the text said next), when there is one */
  nextTokens?: string[];
  /** the feature's decoder direction read through the unembedding: highest values first */
  topLogits: { token: string; value: number }[];
  /** mean and standard deviation of that direction over the whole vocabulary */
  logitMean: number;
  logitStd: number;
}

export const LABEL_RULE =
  'output: the top promoted token when its decoder·unembedding value is ≥ 4 standard deviations above the vocabulary ' +
  'mean (two tokens when the second is within 10% of the first); input: the most common max-activating token when ' +
  'it is the max token of ≥ 50% (and ≥ 2) of the top examples; when the decoder test fails, the output side is the ' +
  'token that most often comes next in the top examples, under the same ≥ 50% (and ≥ 2) test, marked "(next)"; ' +
  'both → "in → out"; one → that; neither → layer/feature id.';

const show = (t: string) => JSON.stringify(t.replace(/\n/g, '⏎'));
const bare = (t: string) => t.trim() || show(t);

export function autoLabel(e: LabelEvidence): FeatureLabel {
  const next = mostCommon(e.nextTokens ?? []);
  const out = outputSide(e) ?? (next ? `${bare(next)} (next)` : undefined);
  const inp = mostCommon(e.maxTokens);
  let text: string;
  if (inp && out) text = `${show(inp)} → ${out}`;
  else if (out) text = `→ ${out}`;
  else if (inp) text = `on ${show(inp)}`;
  else text = `L${e.layer}/${e.feature}`;
  return { text, source: 'auto', rule: LABEL_RULE };
}

function outputSide(e: LabelEvidence): string | undefined {
  const [a, b] = e.topLogits;
  if (!a || !(e.logitStd > 0)) return undefined;
  const z = (a.value - e.logitMean) / e.logitStd;
  if (z < 4) return undefined;
  if (b && a.value - b.value <= 0.1 * (a.value - e.logitMean)) return `${bare(a.token)}/${bare(b.token)}`;
  return bare(a.token);
}

/** the most frequent token when it is at least half (and at least two) of the list; first seen wins ties */
function mostCommon(tokens: string[]): string | undefined {
  if (tokens.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  let best: string | undefined;
  let n = 0;
  for (const [t, c] of counts) if (c > n) [best, n] = [t, c];
  return n >= 2 && n / tokens.length >= 0.5 ? best : undefined;
}
