// Feature records as the graph JSON carries them (`selfTracing.features`): a compact summary for every feature node
// of a traced graph (label, a few promoted/suppressed tokens, frequency, two short examples), and the fuller detail
// the panel asks for when the user opens one node.
import type { FeatureDetail, FeatureExample as DetailExample, GraphJson } from '../../protocol/graph-json';
import { featureOf } from '../formats/graphJson';
import type { FeatureIndex } from './records';
import type { FeatureExample, FeatureRecord } from './types';

export interface DetailSize {
  /** examples kept, highest activations first */
  examples: number;
  /** tokens kept either side of each example's max-activation token */
  window: number;
  /** promoted and suppressed tokens kept */
  logits: number;
}

/** What every feature node of a traced graph carries: enough for the tooltip, hover and a first look. */
export const SUMMARY_SIZE: DetailSize = { examples: 2, window: 6, logits: 5 };
/** What the panel loads when a node is opened. */
export const FULL_SIZE: DetailSize = { examples: 12, window: 16, logits: 10 };

export const featureKey = (layer: number, feature: number): string => `${layer}_${feature}`;

/** An example cut to `window` tokens either side of its strongest token. */
function trimmed(e: FeatureExample, window: number, quantile?: string): DetailExample {
  const centre = e.train_token_ind;
  const from = Math.max(0, centre - window);
  const to = Math.min(e.tokens.length, centre + window + 1);
  return {
    tokens: e.tokens.slice(from, to),
    tokens_acts_list: e.tokens_acts_list.slice(from, to),
    train_token_ind: centre - from,
    ...(quantile === undefined ? {} : { quantile }),
  };
}

export function featureDetail(record: FeatureRecord, size: DetailSize): FeatureDetail {
  const groups = record.examples_quantiles;
  // the top group first, then one example from each lower group, so the full view shows the whole range
  const ordered: { e: FeatureExample; q: string }[] = [];
  for (const e of groups[0]?.examples ?? []) ordered.push({ e, q: groups[0].quantile_name });
  for (const g of groups.slice(1)) for (const e of g.examples) ordered.push({ e, q: g.quantile_name });
  const full = size.examples > SUMMARY_SIZE.examples;
  return {
    label: record.selfTracing?.label.text,
    top_logits: record.top_logits.slice(0, size.logits),
    bottom_logits: record.bottom_logits.slice(0, size.logits),
    activation_frequency: record.activation_frequency,
    ...(full ? { act_max: record.act_max } : {}),
    examples: ordered.slice(0, size.examples).map(({ e, q }) => trimmed(e, size.window, full ? q : undefined)),
  };
}

/**
 * Summaries of the graph's feature nodes, keyed `${layer}_${index}`, and each node's `clerp` set to the automatic
 * label (circuit-tracer leaves it empty; a user's label overrides it through qParams `clerps`).
 */
/** Attaches what the index holds; an unreadable record is left out. Returns the first such problem, if any. */
export function attachFeatureDetails(graph: GraphJson, index: FeatureIndex): string | undefined {
  const features: Record<string, FeatureDetail> = {};
  let unreadable = 0;
  let first: string | undefined;
  for (const node of graph.nodes) {
    const f = featureOf(graph, node);
    if (!f || !index.has(f.layer, f.feature)) continue;
    const key = featureKey(f.layer, f.feature);
    if (!features[key]) {
      try {
        features[key] = featureDetail(index.get(f.layer, f.feature), SUMMARY_SIZE);
      } catch (err) {
        if (unreadable++ === 0) first = err instanceof Error ? err.message : String(err);
        continue;
      }
    }
    const label = features[key].label;
    if (label && !node.clerp) node.clerp = label;
  }
  graph.selfTracing = { version: 1, ...graph.selfTracing, features };
  return unreadable ? `${unreadable} feature record(s) in ${index.dir} could not be read (${first}); those features have no details. Rebuild the index with \`self-trace features build\`.` : undefined;
}
