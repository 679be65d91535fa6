// The one node vocabulary of graph files: what kind a node is (told by `feature_type`, never by parsing its id),
// the keys a feature is known by, and the ids nodes get. circuit-tracer's writer (frontend/graph_models.py at
// decoderesearch/circuit-tracer 4bb8c0e) is the reference for ids; Neuronpedia's frontend keys labels by featureId.
// Imports nothing: shared by the engine, the host, the CLI and the webview.

/** Every `feature_type` circuit-tracer and Neuronpedia write. */
export type FeatureType =
  | 'cross layer transcoder'
  | 'mlp reconstruction error'
  | 'embedding'
  | 'logit'
  | 'lorsa'
  | 'lorsa error'
  | 'bias'
  | 'unexplored node';

/**
 * feature: a transcoder feature (circuit-tracer's frontend draws `unexplored node` as one, and so do we for types
 * we do not know); attention: a LoRSA feature; error: an MLP or attention reconstruction error.
 */
export type NodeKind = 'feature' | 'attention' | 'error' | 'embedding' | 'logit' | 'bias';

export function nodeKindOf(featureType: string): NodeKind {
  switch (featureType) {
    case 'embedding': return 'embedding';
    case 'logit': return 'logit';
    case 'mlp reconstruction error':
    case 'lorsa error': return 'error';
    case 'lorsa': return 'attention';
    case 'bias': return 'bias';
    default: return 'feature';
  }
}

/** A node that is a learned feature (transcoder or LoRSA): it has an activation, a label and an index entry. */
export const isFeatureKind = (kind: NodeKind): boolean => kind === 'feature' || kind === 'attention';

interface NodeLike {
  node_id: string;
  feature: number | null;
  layer: string | number;
  ctx_idx: number;
  feature_type: string;
}

/** Cantor pairing, as schema 1 writes `feature` = cantor(layer, index). */
export const cantor = (layer: number, index: number): number => ((layer + index) * (layer + index + 1)) / 2 + index;

/** Inverse of the Cantor pairing: feature → (layer, index). */
export function uncantor(z: number): { layer: number; index: number } {
  const w = Math.floor((Math.sqrt(8 * z + 1) - 1) / 2);
  const t = (w * (w + 1)) / 2;
  const index = z - t;
  return { layer: w - index, index };
}

/**
 * (layer, index) of a feature node. Schema 1 Cantor-pairs `feature`; schema 0 files name the index in the node id
 * `{layer}_{index}_{pos}` (their `feature` is layer·10^k + index). Null for non-features.
 */
export function featureIndexOf(n: NodeLike, schemaVersion: number): { layer: number; index: number } | null {
  if (!isFeatureKind(nodeKindOf(n.feature_type)) || n.feature === null || !Number.isInteger(n.feature) || n.feature < 0) return null;
  if (schemaVersion >= 1) return uncantor(n.feature);
  const parts = n.node_id.split('_');
  const index = Number(parts[1]);
  const layer = Number(n.layer);
  return parts.length === 3 && Number.isInteger(index) && Number.isInteger(layer) ? { layer, index } : null;
}

/** `${layer}_${index}`: the key into `selfTracing.features` and the feature index; null for non-features. */
export function featureKeyOf(n: NodeLike, schemaVersion: number): string | null {
  const f = featureIndexOf(n, schemaVersion);
  return f ? `${f.layer}_${f.index}` : null;
}

/** circuit-tracer's and Neuronpedia's `featureId` (`${layer}_${feature}_${ctx_idx}`): how Neuronpedia keys labels. */
export const featureIdOf = (n: Pick<NodeLike, 'layer' | 'feature' | 'ctx_idx'>): string => `${n.layer}_${n.feature}_${n.ctx_idx}`;

/** How circuit-tracer's frontend keys a label (`qParams.clerps`): the node's `feature` number alone. */
export const circuitTracerClerpKey = (n: Pick<NodeLike, 'feature'>): string => `${n.feature}`;

// ── node ids, as circuit-tracer writes them ──

export const featureNodeId = (layer: number, index: number, pos: number): string => `${layer}_${index}_${pos}`;
export const featureJsNodeId = (layer: number, index: number): string => `${layer}_${index}-0`;
/**
 * circuit-tracer's error id is `0_{layer}_{pos}`. It collides with the layer-0 feature `layer` at `pos`
 * (circuit-tracer issue #78); `taken` says whether that id is a feature's, and then the error keeps the
 * `{layer}_-1_{pos}` form PR #100 proposed, which every reader here accepts.
 */
export function errorNodeId(layer: number, pos: number, taken: (id: string) => boolean = () => false): string {
  const id = `0_${layer}_${pos}`;
  return taken(id) ? `${layer}_-1_${pos}` : id;
}
export const errorJsNodeId = (layer: number, pos: number): string => `${layer}_${pos}-0`;
export const embeddingNodeId = (tokenId: number, pos: number): string => `E_${tokenId}_${pos}`;
export const embeddingJsNodeId = (tokenId: number, pos: number): string => `E_${tokenId}-${pos}`;
/** Logits sit one row above the last layer: `{nLayers+1}_{vocab}_{lastPos}`. */
export const logitNodeId = (nLayers: number, vocabIdx: number, pos: number): string => `${nLayers + 1}_${vocabIdx}_${pos}`;
export const logitJsNodeId = (vocabIdx: number, pos: number): string => `L_${vocabIdx}-${pos}`;

/** A selected supernode's id in `qParams.clickedId`, as circuit-tracer's subgraph names it. */
export const supernodeId = (i: number): string => `supernode-${i}`;
export const supernodeIndexOf = (id: string): number | null => {
  const m = /^supernode-(\d+)$/.exec(id);
  return m ? Number(m[1]) : null;
};
