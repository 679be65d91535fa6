// The comparison of two attribution graphs (A and B), as the engine computes it (src/engine/compare), the CLI
// prints it (`self-trace compare --json`) and the panel draws it. Features are matched by (layer, feature id) when
// both graphs use the same transcoders, else by label and promoted-token similarity with a score in [0, 1].
// Imports nothing: shared by the engine, the host and the webview; `parseGraphComparison` checks one that crossed
// a process or webview boundary.

/** 'id': same transcoders, (layer, index) equal; 'label': different models or sets, label/promoted-token similarity. */
export type MatchMode = 'id' | 'label';

/** One transcoder feature of a graph, all its positions together. */
export interface ComparedFeature {
  /** `${layer}_${index}` (the feature index key). */
  key: string;
  layer: number;
  label: string;
  /** Influence on the graph's output logits, summed over the feature's nodes (fraction of the graph's total). */
  influence: number;
  /** The graph's node ids of this feature (one per prompt position it is active at). */
  nodeIds: string[];
}

export interface SharedFeature {
  a: ComparedFeature;
  b: ComparedFeature;
  /** 1 for id matches; the label/promoted-token similarity otherwise. */
  score: number;
}

export interface GraphSide {
  slug: string;
  prompt: string;
  scan: string;
  model?: string;
  target?: string;
  /** Feature nodes (positions counted) and distinct features. */
  featureNodes: number;
  features: number;
  /** Fraction of the graph's influence on its logits carried by transcoder features (the rest: errors, tokens). */
  featureInfluence: number;
}

export interface LayerOverlap {
  layer: number;
  /** Distinct features of each graph on this layer. */
  a: number;
  b: number;
  /** Of those, how many are shared (the partner may sit on another layer in label mode). */
  sharedA: number;
  sharedB: number;
}

export interface ComparisonHeadline {
  shared: number;
  onlyA: number;
  onlyB: number;
  /** Fraction of A's feature influence carried by features it shares with B (and B's by those shared with A). */
  sharedInfluenceA: number;
  sharedInfluenceB: number;
  /** shared / (A ∪ B) distinct features. */
  jaccard: number;
}

export type NodeMark = 'shared' | 'only';

export interface GraphComparison {
  version: 1;
  mode: MatchMode;
  /** Why that mode (e.g. "both graphs use transcoders \"organism\""). */
  modeReason: string;
  /** Label mode: the smallest score accepted as a match. */
  minScore?: number;
  a: GraphSide;
  b: GraphSide;
  headline: ComparisonHeadline;
  layers: LayerOverlap[];
  /** Most influential first (by the larger of the two sides' influence). */
  shared: SharedFeature[];
  onlyA: ComparedFeature[];
  onlyB: ComparedFeature[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown): v is string => typeof v === 'string';

function isFeature(v: unknown): v is ComparedFeature {
  return isRecord(v) && str(v.key) && num(v.layer) && str(v.label) && num(v.influence) && Array.isArray(v.nodeIds) && v.nodeIds.every(str);
}
function isSide(v: unknown): v is GraphSide {
  return isRecord(v) && str(v.slug) && str(v.prompt) && str(v.scan) && num(v.featureNodes) && num(v.features) && num(v.featureInfluence);
}

/** Checks a comparison that crossed a boundary; the reason names the first field that is wrong. */
export function parseGraphComparison(v: unknown): { ok: true; comparison: GraphComparison } | { ok: false; reason: string } {
  if (!isRecord(v) || v.version !== 1) return { ok: false, reason: 'not a graph comparison (version 1)' };
  if (v.mode !== 'id' && v.mode !== 'label') return { ok: false, reason: 'mode must be "id" or "label"' };
  if (!str(v.modeReason)) return { ok: false, reason: 'modeReason must be a string' };
  if (!isSide(v.a) || !isSide(v.b)) return { ok: false, reason: 'a and b must describe both graphs' };
  const h = v.headline;
  if (!isRecord(h) || !['shared', 'onlyA', 'onlyB', 'sharedInfluenceA', 'sharedInfluenceB', 'jaccard'].every((k) => num(h[k]))) {
    return { ok: false, reason: 'headline needs finite shared, onlyA, onlyB, sharedInfluenceA, sharedInfluenceB, jaccard' };
  }
  const layerOk = (l: unknown) => isRecord(l) && ['layer', 'a', 'b', 'sharedA', 'sharedB'].every((k) => num(l[k]));
  if (!Array.isArray(v.layers) || !v.layers.every(layerOk)) return { ok: false, reason: 'layers must be per-layer counts' };
  const sharedOk = (s: unknown) => isRecord(s) && isFeature(s.a) && isFeature(s.b) && num(s.score);
  if (!Array.isArray(v.shared) || !v.shared.every(sharedOk)) return { ok: false, reason: 'shared must be matched feature pairs' };
  if (!Array.isArray(v.onlyA) || !v.onlyA.every(isFeature)) return { ok: false, reason: 'onlyA must be features' };
  if (!Array.isArray(v.onlyB) || !v.onlyB.every(isFeature)) return { ok: false, reason: 'onlyB must be features' };
  return { ok: true, comparison: v as unknown as GraphComparison };
}

/** node id → shared / only, for one side's graph (the panel marks nodes with it). */
export function nodeMarks(c: GraphComparison, side: 'a' | 'b'): Map<string, { mark: NodeMark; partner?: ComparedFeature; score?: number }> {
  const marks = new Map<string, { mark: NodeMark; partner?: ComparedFeature; score?: number }>();
  for (const s of c.shared) {
    const mine = side === 'a' ? s.a : s.b;
    const other = side === 'a' ? s.b : s.a;
    for (const id of mine.nodeIds) marks.set(id, { mark: 'shared', partner: other, score: s.score });
  }
  for (const f of side === 'a' ? c.onlyA : c.onlyB) for (const id of f.nodeIds) marks.set(id, { mark: 'only' });
  return marks;
}
