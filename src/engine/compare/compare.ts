// Compares two attribution graph files (ours, circuit-tracer's or Neuronpedia's): which transcoder features they
// share, which only one has, per layer, and how much of each graph's influence on its output the shared features
// carry. Same transcoders (metadata.scan and transcoder_list equal) → features matched by (layer, index), wherever
// in the prompt they fire; otherwise by label and promoted-token similarity (./labelMatch.ts). Pure: no files, no
// vscode; the CLI, the bench and the extension host call it.
import { featureKeyOf, type GraphJson, type GraphNode } from '../../protocol/graph-json';
import type { ComparedFeature, GraphComparison, GraphSide, LayerOverlap, MatchMode, SharedFeature } from '../../protocol/graphCompare';
import { nodeInfluence } from './influence';
import { matchByLabel } from './labelMatch';

export interface CompareOptions {
  /** Force a mode; default: 'id' when both graphs use the same transcoders, else 'label'. */
  mode?: MatchMode;
  /** Label mode: the smallest similarity accepted as a match (default 0.5). */
  minScore?: number;
}

export const DEFAULT_MIN_SCORE = 0.5;

interface Collected {
  side: GraphSide;
  features: ComparedFeature[];
  promoted: string[][];
}

const FEATURE_TYPES = new Set(['cross layer transcoder', 'lorsa', 'unexplored node']);

function collect(g: GraphJson): Collected {
  const infl = nodeInfluence(g);
  const schema = g.metadata.schema_version ?? 0;
  const byKey = new Map<string, { f: ComparedFeature; promoted: string[] }>();
  let featureNodes = 0;
  let featureInfl = 0;
  let otherInfl = 0;
  g.nodes.forEach((n: GraphNode, i) => {
    const key = FEATURE_TYPES.has(n.feature_type) ? featureKeyOf(n, schema) : null;
    if (key === null) {
      if (n.feature_type !== 'logit') otherInfl += infl[i];
      return;
    }
    featureNodes++;
    featureInfl += infl[i];
    let entry = byKey.get(key);
    if (!entry) {
      const detail = g.selfTracing?.features?.[key];
      const label = (detail?.label ?? '') || n.clerp || '';
      const layer = Number(key.split('_')[0]);
      entry = { f: { key, layer: Number.isFinite(layer) ? layer : Number(n.layer), label, influence: 0, nodeIds: [] }, promoted: detail?.top_logits ?? [] };
      byKey.set(key, entry);
    }
    if (!entry.f.label && n.clerp) entry.f.label = n.clerp;
    entry.f.influence += infl[i];
    entry.f.nodeIds.push(n.node_id);
  });
  const entries = [...byKey.values()];
  const norm = featureInfl > 0 ? featureInfl : 1;
  for (const e of entries) e.f.influence /= norm;
  const side: GraphSide = {
    slug: g.metadata.slug,
    prompt: g.metadata.prompt,
    scan: g.metadata.scan,
    model: g.selfTracing?.model,
    target: g.selfTracing?.target?.token ?? g.nodes.find((n) => n.is_target_logit)?.clerp,
    featureNodes,
    features: entries.length,
    featureInfluence: featureInfl + otherInfl > 0 ? featureInfl / (featureInfl + otherInfl) : 0,
  };
  return { side, features: entries.map((e) => e.f), promoted: entries.map((e) => e.promoted) };
}

const same = (x: readonly string[] | undefined, y: readonly string[] | undefined) =>
  (x ?? []).length === (y ?? []).length && (x ?? []).every((v, i) => v === (y ?? [])[i]);

/** Which mode two graphs call for, and why in words. */
export function chooseMode(a: GraphJson, b: GraphJson): { mode: MatchMode; reason: string } {
  if (a.metadata.scan !== b.metadata.scan) return { mode: 'label', reason: `different transcoders ("${a.metadata.scan}" and "${b.metadata.scan}")` };
  if (!same(a.metadata.transcoder_list, b.metadata.transcoder_list)) return { mode: 'label', reason: `different transcoder lists under "${a.metadata.scan}"` };
  const ma = a.selfTracing?.model;
  const mb = b.selfTracing?.model;
  if (ma !== undefined && mb !== undefined && ma !== mb) return { mode: 'label', reason: `different models ("${ma}" and "${mb}")` };
  return { mode: 'id', reason: `both graphs use transcoders "${a.metadata.scan}"` };
}

export function compareGraphs(a: GraphJson, b: GraphJson, opts: CompareOptions = {}): GraphComparison {
  const chosen = chooseMode(a, b);
  const mode = opts.mode ?? chosen.mode;
  const modeReason = opts.mode && opts.mode !== chosen.mode ? `asked for (${chosen.reason})` : chosen.reason;
  const A = collect(a);
  const B = collect(b);
  const pairs: [number, number, number][] = [];
  if (mode === 'id') {
    const inB = new Map(B.features.map((f, j) => [f.key, j]));
    A.features.forEach((f, i) => {
      const j = inB.get(f.key);
      if (j !== undefined) pairs.push([i, j, 1]);
    });
  } else {
    const inputs = (c: Collected) => c.features.map((f, i) => ({ label: f.label, promoted: c.promoted[i] }));
    pairs.push(...matchByLabel(inputs(A), inputs(B), opts.minScore ?? DEFAULT_MIN_SCORE));
  }
  const sharedA = new Uint8Array(A.features.length);
  const sharedB = new Uint8Array(B.features.length);
  const shared: SharedFeature[] = pairs.map(([i, j, score]) => {
    sharedA[i] = sharedB[j] = 1;
    return { a: A.features[i], b: B.features[j], score };
  });
  const byInfluence = (x: ComparedFeature, y: ComparedFeature) => y.influence - x.influence || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
  shared.sort((x, y) => Math.max(y.a.influence, y.b.influence) - Math.max(x.a.influence, x.b.influence) || (x.a.key < y.a.key ? -1 : 1));
  const onlyA = A.features.filter((_, i) => !sharedA[i]).sort(byInfluence);
  const onlyB = B.features.filter((_, j) => !sharedB[j]).sort(byInfluence);
  const sum = (fs: ComparedFeature[]) => fs.reduce((t, f) => t + f.influence, 0);
  const union = A.features.length + B.features.length - shared.length;
  return {
    version: 1,
    mode,
    modeReason,
    ...(mode === 'label' ? { minScore: opts.minScore ?? DEFAULT_MIN_SCORE } : {}),
    a: A.side,
    b: B.side,
    headline: {
      shared: shared.length,
      onlyA: onlyA.length,
      onlyB: onlyB.length,
      sharedInfluenceA: sum(shared.map((s) => s.a)),
      sharedInfluenceB: sum(shared.map((s) => s.b)),
      jaccard: union > 0 ? shared.length / union : 0,
    },
    layers: layerOverlap(A.features, sharedA, B.features, sharedB),
    shared,
    onlyA,
    onlyB,
  };
}

function layerOverlap(fa: ComparedFeature[], sa: Uint8Array, fb: ComparedFeature[], sb: Uint8Array): LayerOverlap[] {
  const rows = new Map<number, LayerOverlap>();
  const row = (layer: number) => {
    let r = rows.get(layer);
    if (!r) rows.set(layer, (r = { layer, a: 0, b: 0, sharedA: 0, sharedB: 0 }));
    return r;
  };
  fa.forEach((f, i) => {
    const r = row(f.layer);
    r.a++;
    r.sharedA += sa[i];
  });
  fb.forEach((f, j) => {
    const r = row(f.layer);
    r.b++;
    r.sharedB += sb[j];
  });
  return [...rows.values()].sort((x, y) => x.layer - y.layer);
}
