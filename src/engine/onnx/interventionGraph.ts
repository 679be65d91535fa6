// Interventions inside the forward graph, as circuit-tracer's feature_intervention hooks: at each layer the intervened
// features' current activations are encoded from the transcoder input (the live one, or the clean one when MLP outputs
// are frozen), delta = mask · (alpha + beta · current), and delta · W_dec is added to the MLP output of the layer (or,
// for a cross-layer transcoder, of every layer it writes to). With frozen MLP outputs the skip path stays live:
// skip(u) − skip(u_clean) is added back, so only direct effects propagate.
import type { TranscoderSet } from '../model/transcoders';
import type { GraphBuilder } from './builder';
import type { MlpOutEdit } from './forward';
import type { Feed } from './session';

/**
 * Inputs per source layer l that has intervened features (k of them); the features themselves are inputs, so one
 * session serves every choice of features, amounts and positions on the same layers.
 */
export const interventionNames = {
  mask: (l: number) => `intervention.${l}.mask`, // [P, k]: 1 where a column applies
  alpha: (l: number) => `intervention.${l}.alpha`, // [k]
  beta: (l: number) => `intervention.${l}.beta`, // [k]
  encoder: (l: number) => `intervention.${l}.W_enc`, // [d, k]: the features' encoder rows, transposed
  bias: (l: number) => `intervention.${l}.b_enc`, // [k]
  threshold: (l: number) => `intervention.${l}.threshold`, // [k] (JumpReLU)
  index: (l: number) => `intervention.${l}.features`, // int64 [k] (TopK)
  decoder: (l: number) => `intervention.${l}.W_dec`, // [k, d], or [k, n_layers − l, d] for a cross-layer transcoder
  cleanInput: (l: number) => `u.${l}.clean`, // [1, P, d]: the clean transcoder input (constrained mode)
} as const;

export interface InterventionGraphSpec {
  /** the source layers that have intervened features */
  layers: readonly number[];
  /** MLP outputs are frozen: current activations come from the clean input and the skip correction is added */
  constrained: boolean;
}

/** One graph column: a feature of a layer and the affine map delta = mask · (alpha + beta · current). */
export interface GraphColumn {
  layer: number;
  feature: number;
  alpha: number;
  beta: number;
}

/** Which layers read `u.{l}.clean` in constrained mode. */
export function cleanInputLayers(tc: TranscoderSet, spec: InterventionGraphSpec): number[] {
  if (!spec.constrained) return [];
  return Array.from({ length: tc.nLayers }, (_, l) => l).filter((l) => tc.hasSkip || spec.layers.includes(l));
}

/** The MLP-output edit for the forward graph (ForwardSpec.editMlpOut). */
export function interventionEdit(tc: TranscoderSet, spec: InterventionGraphSpec): MlpOutEdit {
  const { dModel: d, nLayers: L } = tc;
  const needsClean = new Set(cleanInputLayers(tc, spec));
  const I = interventionNames;
  /** per source layer: its delta [B, P, k] and decoder rows, once computed */
  const writes = new Map<number, { delta: string; W_dec: string }>();

  return (g, l, at) => {
    const live = transcoderInput(tc, at);
    const clean = needsClean.has(l) ? g.input(I.cleanInput(l), [1, 'pos', d]) : undefined;
    let out = at.mlpOut;
    const W_skip = spec.constrained ? tc.skip(l) : undefined;
    if (W_skip) out = g.add(out, timesTransposed(g, g.sub(live, clean!), g.constant(W_skip, [d, d]), d, d));

    if (spec.layers.includes(l)) {
      const k = `k${l}`;
      const current = activations(g, tc, l, spec.constrained ? clean! : live);
      const mask = g.input(I.mask(l), ['pos', k]);
      const delta = g.mul(mask, g.add(g.input(I.alpha(l), [k]), g.mul(g.input(I.beta(l), [k]), current))); // [B, P, k]
      writes.set(l, { delta, W_dec: g.input(I.decoder(l), tc.kind === 'cross-layer' ? [k, L - l, d] : [k, d]) });
    }
    for (const [source, { delta, W_dec }] of writes) {
      if (tc.kind !== 'cross-layer') {
        if (source === l) out = g.add(out, g.matmul(delta, W_dec));
        continue;
      }
      const slot = g.constant(new BigInt64Array([BigInt(l - source)]), []);
      out = g.add(out, g.matmul(delta, g.gather(W_dec, slot, 1))); // slot l − source of each row: [k, d]
    }
    return out;
  };
}

/** the feed of the intervention inputs over P positions; `mask(l)` gives each layer's [P, k] mask */
export function interventionFeed(tc: TranscoderSet, columns: readonly GraphColumn[], mask: (layer: number, cols: number[]) => Float32Array, P: number): Feed {
  const { dModel: d, nLayers: L } = tc;
  const I = interventionNames;
  const feed: Feed = {};
  for (const l of new Set(columns.map((c) => c.layer))) {
    const cols = columns.flatMap((c, i) => (c.layer === l ? [i] : []));
    const features = cols.map((i) => columns[i].feature);
    const k = cols.length;
    const layer = tc.layers[l];
    feed[I.mask(l)] = { data: mask(l, cols), dims: [P, k] };
    feed[I.alpha(l)] = { data: Float32Array.from(cols, (i) => columns[i].alpha), dims: [k] };
    feed[I.beta(l)] = { data: Float32Array.from(cols, (i) => columns[i].beta), dims: [k] };
    if (tc.activation.kind === 'topk') feed[I.index(l)] = { data: BigInt64Array.from(features, (f) => BigInt(f)), dims: [k] };
    else {
      const rows = tc.encoderRows(l, features);
      const Wt = new Float32Array(d * k);
      features.forEach((_, j) => {
        for (let i = 0; i < d; i++) Wt[i * k + j] = rows[j * d + i];
      });
      feed[I.encoder(l)] = { data: Wt, dims: [d, k] };
      feed[I.bias(l)] = { data: Float32Array.from(features, (f) => layer.b_enc[f]), dims: [k] };
      if (tc.activation.kind === 'jumprelu') feed[I.threshold(l)] = { data: Float32Array.from(features, (f) => layer.threshold![f]), dims: [k] };
    }
    const rows = tc.decoderRows(l, features);
    feed[I.decoder(l)] = { data: rows, dims: tc.kind === 'cross-layer' ? [k, L - l, d] : [k, d] };
  }
  return feed;
}

/** the transcoder's input at this layer, per its input hook */
function transcoderInput(tc: TranscoderSet, at: Parameters<MlpOutEdit>[2]): string {
  if (tc.inputHook === 'mlp.hook_in') return at.mlpIn;
  if (tc.inputHook === 'hook_resid_mid') return at.residMid;
  return at.mlpNormalized; // ln2.hook_normalized: the pre-MLP norm's output before its gain
}

/** activations [B, P, k] of the layer's intervened features, with the set's activation function */
function activations(g: GraphBuilder, tc: TranscoderSet, l: number, u: string): string {
  const { dModel: d, dTranscoder: n } = tc;
  const I = interventionNames;
  const layer = tc.layers[l];
  const act = tc.activation;
  const k = `k${l}`;
  if (act.kind === 'topk') {
    // a feature is active when it is among the k largest pre-activations of its position
    const W = tc.encoderMatrix(l);
    const encoded = W.transposed ? g.matmul(u, g.constant(W.data, [d, n])) : timesTransposed(g, u, g.constant(W.data, [n, d]), d, n);
    const pre = g.add(encoded, g.constant(layer.b_enc, [n])); // [B, P, n]
    const [top] = g.opN('TopK', [pre, g.ints([Math.min(act.k, n)])], 2, { axis: -1 });
    const kth = g.op('ReduceMin', [top, g.ints([-1])], { keepdims: 1 });
    const mine = g.gather(pre, g.input(I.index(l), [k], 'int64'), 2);
    return g.where(g.op('GreaterOrEqual', [mine, kth]), mine, g.scalar(0));
  }
  const pre = g.add(g.matmul(u, g.input(I.encoder(l), [d, k])), g.input(I.bias(l), [k]));
  if (act.kind === 'relu') return g.relu(pre);
  return g.where(g.greater(pre, g.input(I.threshold(l), [k])), pre, g.scalar(0)); // JumpReLU: strict >, as circuit-tracer
}

/** x [B, P, m] · Wᵀ with W [r, m] as stored (no transposed copy): [B, P, r] */
function timesTransposed(g: GraphBuilder, x: string, W: string, m: number, r: number): string {
  const flat = g.reshape(x, [-1, m]);
  const y = g.op('Gemm', [flat, W], { transB: 1 });
  const bp = g.slice(g.op('Shape', [x]), [0], [2], [0]);
  return g.op('Reshape', [y, g.concat([bp, g.ints([r])], 0)]);
}
