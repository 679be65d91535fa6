// The numbers of a study, from its graph files alone (so shards merged later give the same report as one run):
// per prompt the graph's scores, size, depth (longest path of links from a token to a logit) and width (most
// feature nodes on one layer); per feature how many prompts and groups use it and the share of their feature
// influence it carries; per group its most shared features. Pure; CSV writers included.
import { featureKeyOf, type GraphJson } from '../../protocol/graph-json';
import { nodeInfluence } from '../compare/influence';
import type { StudyPrompt } from './prompts';

export interface PromptRow {
  id: string;
  group: string;
  prompt: string;
  /** Prompt tokens, BOS included. */
  tokens: number;
  target: string;
  targetProb: number | null;
  replacement: number | null;
  completeness: number | null;
  nodes: number;
  links: number;
  featureNodes: number;
  features: number;
  depth: number;
  width: number;
}

export interface FeatureRow {
  key: string;
  layer: number;
  label: string;
  /** Prompts whose graph has the feature, and their groups. */
  prompts: number;
  groups: string[];
  /** Mean over those prompts of the share of the prompt's feature influence the feature carries. */
  meanInfluence: number;
}

export interface GroupRow {
  group: string;
  prompts: number;
  /** Features in at least two of the group's prompts, most prompts first, then most influence. */
  topShared: { key: string; label: string; prompts: number; meanInfluence: number }[];
}

export interface StudyResults {
  version: 1;
  prompts: PromptRow[];
  features: FeatureRow[];
  groups: GroupRow[];
  /** reuse[k] = number of features found in exactly k + 1 prompts. */
  reuse: number[];
}

const FEATURE_TYPES = new Set(['cross layer transcoder', 'lorsa', 'unexplored node']);

/** Longest path (in links) from an embedding to a logit, over the file's links. */
export function graphDepth(g: GraphJson): number {
  const index = new Map(g.nodes.map((n, i) => [n.node_id, i]));
  const n = g.nodes.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Int32Array(n);
  for (const l of g.links) {
    const s = index.get(l.source);
    const t = index.get(l.target);
    if (s === undefined || t === undefined || s === t) continue;
    out[s].push(t);
    indeg[t]++;
  }
  const longest = new Int32Array(n).fill(-1);
  const queue: number[] = [];
  g.nodes.forEach((node, i) => {
    if (node.feature_type === 'embedding') longest[i] = 0;
    if (indeg[i] === 0) queue.push(i);
  });
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q];
    for (const t of out[s]) {
      if (longest[s] >= 0) longest[t] = Math.max(longest[t], longest[s] + 1);
      if (--indeg[t] === 0) queue.push(t);
    }
  }
  let depth = 0;
  g.nodes.forEach((node, i) => {
    if (node.feature_type === 'logit') depth = Math.max(depth, longest[i]);
  });
  return depth;
}

interface PerGraph {
  row: PromptRow;
  /** feature key → share of the graph's feature influence */
  features: Map<string, { layer: number; label: string; influence: number }>;
}

function describe(p: StudyPrompt, g: GraphJson): PerGraph {
  const infl = nodeInfluence(g);
  const schema = g.metadata.schema_version ?? 0;
  const features = new Map<string, { layer: number; label: string; influence: number }>();
  const perLayer = new Map<string, number>();
  let featureNodes = 0;
  let total = 0;
  g.nodes.forEach((n, i) => {
    const key = FEATURE_TYPES.has(n.feature_type) ? featureKeyOf(n, schema) : null;
    if (key === null) return;
    featureNodes++;
    total += infl[i];
    perLayer.set(String(n.layer), (perLayer.get(String(n.layer)) ?? 0) + 1);
    const f = features.get(key) ?? { layer: Number(key.split('_')[0]), label: g.selfTracing?.features?.[key]?.label || n.clerp || '', influence: 0 };
    f.influence += infl[i];
    features.set(key, f);
  });
  for (const f of features.values()) f.influence = total > 0 ? f.influence / total : 0;
  const target = g.nodes.find((n) => n.is_target_logit);
  const x = g.selfTracing;
  return {
    features,
    row: {
      id: p.id,
      group: p.group,
      prompt: p.prompt,
      tokens: g.metadata.prompt_tokens.length,
      target: x?.target?.token ?? target?.clerp ?? '',
      targetProb: x?.target?.prob ?? target?.token_prob ?? null,
      replacement: x?.scores?.replacement ?? null,
      completeness: x?.scores?.completeness ?? null,
      nodes: g.nodes.length,
      links: g.links.length,
      featureNodes,
      features: features.size,
      depth: graphDepth(g),
      width: Math.max(0, ...perLayer.values()),
    },
  };
}

export function summarizeStudy(items: readonly { prompt: StudyPrompt; graph: GraphJson }[], topPerGroup = 10): StudyResults {
  const sorted = [...items].sort((a, b) => a.prompt.index - b.prompt.index);
  const per = sorted.map((it) => describe(it.prompt, it.graph));
  const byKey = new Map<string, { layer: number; label: string; prompts: number; groups: Set<string>; influence: number }>();
  for (const g of per) {
    for (const [key, f] of g.features) {
      const e = byKey.get(key) ?? { layer: f.layer, label: f.label, prompts: 0, groups: new Set<string>(), influence: 0 };
      if (!e.label) e.label = f.label;
      e.prompts++;
      e.groups.add(g.row.group);
      e.influence += f.influence;
      byKey.set(key, e);
    }
  }
  const features: FeatureRow[] = [...byKey].map(([key, e]) => ({
    key, layer: e.layer, label: e.label, prompts: e.prompts, groups: [...e.groups].sort(), meanInfluence: e.influence / e.prompts,
  })).sort((a, b) => b.prompts - a.prompts || b.meanInfluence - a.meanInfluence || (a.key < b.key ? -1 : 1));
  const reuse = new Array<number>(Math.max(0, ...features.map((f) => f.prompts))).fill(0);
  for (const f of features) reuse[f.prompts - 1]++;
  const groupNames = [...new Set(per.map((g) => g.row.group))];
  const groups: GroupRow[] = groupNames.map((group) => {
    const members = per.filter((g) => g.row.group === group);
    const counts = new Map<string, { prompts: number; influence: number }>();
    for (const m of members) {
      for (const [key, f] of m.features) {
        const c = counts.get(key) ?? { prompts: 0, influence: 0 };
        c.prompts++;
        c.influence += f.influence;
        counts.set(key, c);
      }
    }
    const topShared = [...counts].filter(([, c]) => c.prompts >= 2)
      .map(([key, c]) => ({ key, label: byKey.get(key)!.label, prompts: c.prompts, meanInfluence: c.influence / c.prompts }))
      .sort((a, b) => b.prompts - a.prompts || b.meanInfluence - a.meanInfluence || (a.key < b.key ? -1 : 1))
      .slice(0, topPerGroup);
    return { group, prompts: members.length, topShared };
  });
  return { version: 1, prompts: per.map((g) => g.row), features, groups, reuse };
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(6);
  const s = Array.isArray(v) ? v.join(';') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

export const PROMPT_COLUMNS: (keyof PromptRow & string)[] = ['id', 'group', 'prompt', 'tokens', 'target', 'targetProb', 'replacement', 'completeness', 'nodes', 'links', 'featureNodes', 'features', 'depth', 'width'];
export const FEATURE_COLUMNS: (keyof FeatureRow & string)[] = ['key', 'layer', 'label', 'prompts', 'groups', 'meanInfluence'];
