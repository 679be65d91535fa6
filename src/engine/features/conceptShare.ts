// How many feature nodes of a traced graph carry an automatic label that names a concept (issue 14 asks ≥ 80 % on each
// case study's pruned graph). The prompts are traced by tracePrompt with the panel's default options (the same
// pruning), each feature node's label is read from the feature index, and a label counts when the rule (labels.ts)
// says which concepts it names and each of them is one by the documented test (concepts.ts) and is in the label's text.
import type { GraphJson } from '../../protocol/graph-json';
import { featureOf } from '../formats/graphJson';
import { NUMBER_KIND, type Lexicon } from '../reasoning/lexicon';
import { tracePrompt, type TraceOptions, type TraceTools } from '../trace';
import { conceptOf, UNKNOWN_NAME, WORD_CLASSES } from './concepts';
import type { FeatureIndex } from './records';
import type { FeatureLabel } from './types';

export interface PromptConceptShare {
  theme: string;
  prompt: string;
  /** feature nodes of the pruned graph (one per feature and position) */
  featureNodes: number;
  /** of those, the nodes whose label names a concept */
  named: number;
  share: number;
  /** the labels that name none, with how many nodes carry each, most first */
  unnamed: { label: string; nodes: number }[];
}

export interface ConceptShareReport {
  prompts: PromptConceptShare[];
  featureNodes: number;
  named: number;
  share: number;
}

/** Whether a label names a concept: it lists concepts, and each is an entity, number, word or lexicon kind in its text. */
export function namesConcept(label: FeatureLabel | undefined, lex: Lexicon): boolean {
  const concepts = label?.concepts ?? [];
  const isConcept = (c: string) => {
    const word = conceptOf(c, lex);
    const kind = lex.kinds.includes(c) || c in WORD_CLASSES || [NUMBER_KIND, 'digit', UNKNOWN_NAME, 'name'].includes(c) || /^rhyme in -\p{L}{2,}$/u.test(c);
    return (word !== undefined && !word.kindOnly) || kind;
  };
  return concepts.length > 0 && concepts.every((c) => isConcept(c) && label!.text.includes(c));
}

/** The share of one graph's feature nodes whose index label names a concept. */
export function graphConceptShare(graph: GraphJson, index: FeatureIndex, lex: Lexicon): Omit<PromptConceptShare, 'theme' | 'prompt'> {
  let featureNodes = 0, named = 0;
  const unnamed = new Map<string, number>();
  for (const node of graph.nodes) {
    const f = featureOf(graph, node);
    if (!f) continue;
    featureNodes++;
    const label = index.has(f.layer, f.feature) ? index.get(f.layer, f.feature).selfTracing?.label : undefined;
    if (namesConcept(label, lex)) named++;
    else {
      const text = label?.text ?? `L${f.layer}/${f.feature} (no record)`;
      unnamed.set(text, (unnamed.get(text) ?? 0) + 1);
    }
  }
  return {
    featureNodes,
    named,
    share: featureNodes ? named / featureNodes : 0,
    unnamed: [...unnamed].map(([label, nodes]) => ({ label, nodes })).sort((a, b) => b.nodes - a.nodes || a.label.localeCompare(b.label)),
  };
}

/** Traces each prompt (default options unless given: the panel's pruning) and measures its graph's label share. */
export async function measureConceptShare(
  tools: TraceTools & { features: FeatureIndex },
  lex: Lexicon,
  prompts: { theme: string; prompt: string }[],
  opts: TraceOptions = {},
): Promise<ConceptShareReport> {
  const out: PromptConceptShare[] = [];
  for (const p of prompts) {
    const { graph } = await tracePrompt(tools, p.prompt, opts);
    out.push({ theme: p.theme, prompt: p.prompt, ...graphConceptShare(graph, tools.features, lex) });
  }
  const featureNodes = out.reduce((s, p) => s + p.featureNodes, 0);
  const named = out.reduce((s, p) => s + p.named, 0);
  return { prompts: out, featureNodes, named, share: featureNodes ? named / featureNodes : 0 };
}

/** The report as a markdown table (eval.md, the README), one row per prompt and the total. */
export function conceptShareMarkdown(r: ConceptShareReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const cell = (s: string) => '`' + JSON.stringify(s).slice(1, -1).replace(/\|/g, '\\|') + '`';
  const rows = r.prompts.map((p) => `| ${p.theme} | ${cell(p.prompt)} | ${p.featureNodes} | ${p.named} | ${pct(p.share)} |`);
  const low = r.prompts.filter((p) => p.share < 0.8);
  return [
    '| theme | prompt | feature nodes | named | share |',
    '|---|---|---:|---:|---:|',
    ...rows,
    `| **all** | ${r.prompts.length} prompts | ${r.featureNodes} | ${r.named} | ${pct(r.share)} |`,
    '',
    `Prompts at or above 80 %: ${r.prompts.length - low.length} of ${r.prompts.length}; lowest: ${pct(Math.min(...r.prompts.map((p) => p.share)))}.`,
  ].join('\n');
}
