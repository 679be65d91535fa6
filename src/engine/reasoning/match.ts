// Matching concepts to graph nodes: the input tokens that spell a concept, and the features whose evidence carries
// it (promoted tokens, dominant top-activating tokens, label). Presence only: how much each match matters is the
// path support's job (support.ts).
import type { FeatureRecord } from '../features/types';
import { type Concept, occurrences, spells } from './claims';

/** What a feature's evidence says it reads and writes. */
export interface FeatureEvidence {
  label?: string;
  /** tokens its decoder promotes most (decoder · unembedding), strongest first */
  promoted: string[];
  /** tokens it fires on in most of its top examples */
  activating: string[];
}

export type EvidenceLookup = (layer: number, feature: number) => FeatureEvidence | undefined;

/** Promoted tokens within this fraction of the top value count; at most this many. */
export const PROMOTED_RELATIVE = 0.5;
export const PROMOTED_MAX = 3;
/** A max-activating token is the feature's when it is the max token of at least this share of the top examples. */
export const ACTIVATING_SHARE = 0.3;

export function evidenceFromRecord(r: FeatureRecord): FeatureEvidence {
  const values = r.selfTracing?.top_logit_values;
  const promoted = r.top_logits.slice(0, PROMOTED_MAX).filter((_, i) => !values || values[i] >= PROMOTED_RELATIVE * values[0]);
  const top = r.examples_quantiles[0]?.examples ?? [];
  const counts = new Map<string, number>();
  for (const ex of top) {
    const t = ex.tokens[ex.train_token_ind];
    if (t !== undefined) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const activating = [...counts].filter(([, c]) => top.length > 0 && c / top.length >= ACTIVATING_SHARE).sort((a, b) => b[1] - a[1]).map(([t]) => t);
  return { label: r.selfTracing?.label.text, promoted, activating };
}

/** Caches evidence per feature; a lookup that fails (no index, feature out of range) yields undefined. */
export function cachedEvidence(get: (layer: number, feature: number) => FeatureRecord | undefined, labels?: ReadonlyMap<string, string>): EvidenceLookup {
  const cache = new Map<string, FeatureEvidence | undefined>();
  return (layer, feature) => {
    const key = `${layer}/${feature}`;
    if (!cache.has(key)) {
      const r = get(layer, feature);
      const ev = r ? evidenceFromRecord(r) : labels?.has(key) ? { promoted: [], activating: [] } : undefined;
      if (ev && labels?.has(key)) ev.label = labels.get(key);
      cache.set(key, ev);
    }
    return cache.get(key);
  };
}

/** One input token of the context: its position and character range. */
export interface ContextToken {
  pos: number;
  text: string;
  start: number;
  end: number;
}

export interface GraphFeature {
  /** node index in the graph */
  node: number;
  layer: number;
  pos: number;
  feature: number;
}

export type MatchVia = 'token' | 'promoted' | 'activating' | 'label';

export interface ConceptMatch {
  /** input positions whose token spells the concept */
  positions: number[];
  /** feature nodes whose evidence carries the concept, with the evidence that did */
  features: { node: number; via: MatchVia }[];
}

/**
 * `spelling(text)`: the concept's tokens as the model writes it after a space (for numbers split into digits, or
 * words split into pieces, the first token stands for the concept in feature evidence).
 */
export function matchConcept(
  concept: Concept,
  contextText: string,
  tokens: ContextToken[],
  features: GraphFeature[],
  evidence: EvidenceLookup,
  spelling: (text: string) => string[],
  /** [start, end) of context text whose tokens may not match: a claim's own words cannot support it */
  exclude?: [number, number],
): ConceptMatch {
  const inside = (t: ContextToken) => exclude !== undefined && t.end > exclude[0] && t.start < exclude[1];
  const excludedPos = new Set(tokens.filter(inside).map((t) => t.pos));
  const positions = new Set<number>();
  for (const [a, b] of occurrences(concept, contextText)) for (const t of tokens) if (t.end > a && t.start < b && t.end > t.start && !inside(t)) positions.add(t.pos);

  // the first token compares untrimmed: " 7" (the tens digit of " 71") is not "7" (a units digit)
  const spelled = spelling(concept.text).filter((t) => t.trim() !== '');
  const first = spelled.length > 1 && (concept.kind === 'number' || spelled[0].trim().length >= 3) ? spelled[0] : undefined;
  const carries = (token: string) => {
    const t = token.trim();
    if (t === '') return false;
    return spells(concept, t) || token === first;
  };
  const out: ConceptMatch['features'] = [];
  for (const f of features) {
    if (excludedPos.has(f.pos)) continue;
    const ev = evidence(f.layer, f.feature);
    if (!ev) continue;
    const via: MatchVia | undefined = ev.promoted.some(carries)
      ? 'promoted'
      : ev.activating.some(carries)
        ? 'activating'
        : ev.label !== undefined && occurrences(concept, ev.label).length > 0
          ? 'label'
          : undefined;
    if (via) out.push({ node: f.node, via });
  }
  return { positions: [...positions].sort((a, b) => a - b), features: out };
}
