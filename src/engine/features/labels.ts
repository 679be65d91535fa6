// Automatic feature labels from the evidence in the index, by one deterministic rule (documented in
// LABEL_RULE and the README). User labels (clerps) override these; they are stored apart from the index.
import { NUMBERS_ONLY, type Lexicon } from '../reasoning/lexicon';
import { conceptAfter, conceptAt, countFirst, sharedConcept, tokenConcept, type Concept } from './concepts';
import type { FeatureLabel } from './types';

export interface LabelEvidence {
  layer: number;
  feature: number;
  /** the token at the max-activation position of each top example, highest activation first */
  maxTokens: string[];
  /** the token that follows that position in each top example (what the text said next), when there is one */
  nextTokens?: string[];
  /** each top example's tokens and its max-activation position (the concepts around it), in maxTokens' order */
  contexts?: { tokens: string[]; pos: number }[];
  /** the feature's decoder direction read through the unembedding: highest values first */
  topLogits: { token: string; value: number }[];
  /** mean and standard deviation of that direction over the whole vocabulary */
  logitMean: number;
  logitStd: number;
  /** the model's typed lexicon (entities and their kinds); numbers only without one */
  lexicon?: Lexicon;
  /** whether a word occurs whole in the index's corpus (a promoted "ge" is a piece of words, not one) */
  isWord?: (w: string) => boolean;
}

// The rule in full is the README's "Feature index and labels"; every record carries this summary of it.
export const LABEL_RULE =
  'concept: a typed-lexicon entity, a number or a content word (whole in the corpus; a word piece stands for its word); ' +
  'output: the top promoted token (decoder·unembedding ≥ 4 sd above the vocabulary mean) naming a concept, else the ' +
  'concept or most specific kind ≥ 50% (≥ 2) of those tokens share, else that of the token after the max-activating ' +
  'position in the top examples, "(next)"; input: the concept or kind ≥ 50% (≥ 2) of the max-activating positions ' +
  'share; without a concept, the old token rule; "in → out", "on in", "→ out", else layer/feature.';

const show = (t: string) => JSON.stringify(t.replace(/\n/g, '⏎'));
const bare = (t: string) => t.trim() || show(t);
const kindText = (k: string) => (/^[aeio]|^u[a-z]/.test(k) ? `an ${k}` : `a ${k}`);

interface Side {
  text: string;
  /** the concept this side names; undefined when it names none */
  concept?: string;
}

export function autoLabel(e: LabelEvidence): FeatureLabel {
  const lex = e.lexicon ?? NUMBERS_ONLY;
  const isWord = e.isWord ?? (() => false);
  const contexts = e.contexts ?? [];
  const out = promotedConcept(e, lex, isWord) ?? nextConcept(contexts, lex) ?? fallbackOutput(e);
  const inp = inputConcept(e, contexts, lex);
  let text: string;
  if (inp && out) text = `${inp.text} → ${out.text}`;
  else if (out) text = `→ ${out.text}`;
  else if (inp) text = `on ${inp.text}`;
  else text = `L${e.layer}/${e.feature}`;
  const concepts = [...new Set([inp?.concept, out?.concept].filter((c): c is string => c !== undefined))];
  return { text, source: 'auto', rule: LABEL_RULE, ...(concepts.length ? { concepts } : {}) };
}

/** the decoder's promoted tokens that clear the z ≥ 4 test, best first */
function promoted(e: LabelEvidence): { token: string; value: number }[] {
  if (!(e.logitStd > 0)) return [];
  return e.topLogits.filter((t) => (t.value - e.logitMean) / e.logitStd >= 4);
}

function promotedConcept(e: LabelEvidence, lex: Lexicon, isWord: (w: string) => boolean): Side | undefined {
  const strong = promoted(e);
  const found = strong.map((t) => tokenConcept(t.token, lex, isWord));
  const names = (c: Concept | undefined) => c !== undefined && !c.kindOnly;
  const pair = (i: number) => {
    const [a, b] = [strong[i], strong[i + 1]];
    const two = b && a.value - b.value <= 0.1 * (a.value - e.logitMean) && names(found[i + 1]);
    return { text: two ? `${bare(a.token)}/${bare(b.token)}` : bare(a.token), concept: found[i]!.text };
  };
  if (names(found[0])) return pair(0);
  const shared = sharedConcept(found, strong.length, lex);
  if (shared) return { text: shared.kind ? kindText(shared.text) : shared.text, concept: shared.text };
  // else the strongest promoted token that names a concept (the top one is often a piece of a word)
  const i = found.findIndex(names);
  return i >= 0 ? pair(i) : undefined;
}

function nextConcept(contexts: LabelEvidence['contexts'] & object, lex: Lexicon): Side | undefined {
  const found = contexts.map((c) => conceptAfter(c.tokens, c.pos, lex));
  const shared = sharedConcept(found, contexts.length, lex);
  if (!shared) return undefined;
  return { text: `${shared.kind ? kindText(shared.text) : shared.text} (next)`, concept: shared.text };
}

/** naming no concept: the top promoted token, else the most common next token (the rule before concepts) */
function fallbackOutput(e: LabelEvidence): Side | undefined {
  const [a, b] = promoted(e);
  if (a) return { text: b && a.value - b.value <= 0.1 * (a.value - e.logitMean) ? `${bare(a.token)}/${bare(b.token)}` : bare(a.token) };
  const next = mostCommon(e.nextTokens ?? []);
  return next ? { text: `${bare(next)} (next)` } : undefined;
}

function inputConcept(e: LabelEvidence, contexts: NonNullable<LabelEvidence['contexts']>, lex: Lexicon): Side | undefined {
  const raw = mostCommon(e.maxTokens);
  const found: (Concept | undefined)[] = contexts.map((c) => conceptAt(c.tokens, c.pos, lex));
  const shared = sharedConcept(found, contexts.length, lex);
  if (shared?.kind) return { text: kindText(shared.text), concept: shared.text };
  // the shared concept is shown as the token it was read from when they are the same text
  if (shared) return { text: raw !== undefined && raw.trim() === shared.text ? show(raw) : show(shared.text), concept: shared.text };
  return raw !== undefined ? { text: show(raw) } : undefined;
}

/** the most frequent token when it is at least half (and at least two) of the list; first seen wins ties */
function mostCommon(tokens: string[]): string | undefined {
  const best = countFirst(tokens);
  return best && best.n >= 2 && best.n / tokens.length >= 0.5 ? best.value : undefined;
}
