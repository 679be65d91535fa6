// What one clean forward pass gives the attribution: the transcoder input of every layer, the active features with
// their activations (none at BOS), activation-scaled decoder vectors grouped by the layer they write to, error
// vectors (MLP output − reconstruction, zero at BOS), token vectors and the frozen patterns and norm scales.
import type { FamilyWeights } from '../families/family';
import { familyOf } from '../families/registry';
import { ZERO_POSITIONS, type ModelConfig } from '../model/config';
import { applyActivation, type TranscoderSet } from '../model/transcoders';
import type { ForwardResult } from '../onnx/forward';
import type { TranscoderEncoder } from '../onnx/transcoderGraphs';

/**
 * Activation-scaled decoder vectors writing to one layer, in slots of `slotWidth` columns: each slot belongs to one
 * position and the slots are in position order; a position with more writes than that takes several slots. The
 * width is the mean number of writes per position (that has any), so the table holds at most about twice the vectors
 * (padding every position to the busiest one's count instead takes P × that count: gigabytes when one lights up).
 */
export interface DecoderTable {
  /** [S, d, slotWidth]: column m of slot s is one vector */
  table: Float32Array;
  /** [S, slotWidth]: the active-feature index of each column, −1 for padding */
  source: Int32Array;
  /** [S]: the position of each slot (int64, as the backward graph gathers with it) */
  slotPos: BigInt64Array;
  /** [P + 1]: slots of positions before p (the slots of positions < p are the first slotsBefore[p]) */
  slotsBefore: Int32Array;
  /** columns per slot (at least 1) */
  slotWidth: number;
}

/** Lays out one layer's writes (position, active-feature index, vector) in slots (see DecoderTable). */
export function decoderSlots(writes: readonly { p: number; src: number; vec: Float32Array }[], P: number, d: number): DecoderTable {
  const perPos = new Int32Array(P);
  for (const wr of writes) perPos[wr.p]++;
  const busy = perPos.reduce((a, m) => a + (m > 0 ? 1 : 0), 0);
  const M = Math.max(1, Math.ceil(writes.length / Math.max(1, busy)));
  const slotsBefore = new Int32Array(P + 1);
  for (let p = 0; p < P; p++) slotsBefore[p + 1] = slotsBefore[p] + Math.ceil(perPos[p] / M);
  const S = slotsBefore[P];
  const table = new Float32Array(S * d * M);
  const source = new Int32Array(S * M).fill(-1);
  const slotPos = new BigInt64Array(S);
  for (let p = 0; p < P; p++) for (let s = slotsBefore[p]; s < slotsBefore[p + 1]; s++) slotPos[s] = BigInt(p);
  const fill = new Int32Array(P);
  const at: (Float32Array | undefined)[] = new Array(S * M);
  for (const wr of writes) {
    const k = fill[wr.p]++;
    const s = slotsBefore[wr.p] + Math.floor(k / M);
    source[s * M + (k % M)] = wr.src;
    at[s * M + (k % M)] = wr.vec;
  }
  // slot by slot, a row of the table at a time: the writes run in order (vector by vector, each would stride by M)
  for (let s = 0; s < S; s++) {
    const vecs = at.slice(s * M, (s + 1) * M);
    for (let i = 0; i < d; i++) {
      const row = (s * d + i) * M;
      for (let m = 0; m < M; m++) {
        const v = vecs[m];
        if (v) table[row + m] = v[i];
      }
    }
  }
  return { table, source, slotPos, slotsBefore, slotWidth: M };
}

export interface Components {
  ids: number[];
  nPos: number;
  /** active features in (layer, pos, feature) order */
  layer: Int32Array;
  pos: Int32Array;
  feature: Int32Array;
  activation: Float32Array;
  /** per layer: the transcoder input u_l, [P, d] */
  u: Float32Array[];
  /** per layer: pre-activations of every feature, [P, d_transcoder] */
  pre: Float32Array[];
  /** [A, d]: the encoder row of each active feature (its injection vector in the backward pass) */
  encoders: Float32Array;
  decoders: DecoderTable[];
  /** per layer: [P, d] */
  errors: Float32Array[];
  /** [P, d]: what each token writes into the residual stream (W_E[id], times √d for Gemma) */
  tokens: Float32Array;
  forward: ForwardResult;
}

/** the transcoder's input at layer l: the forward graph value its input hook names (see families/family.ts) */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function transcoderInput(tc: TranscoderSet, fwd: ForwardResult, l: number, _d?: number): Float32Array {
  const a = fwd.layers[l];
  if (tc.inputHook === 'mlp.hook_in') return a.mlpIn;
  if (tc.inputHook === 'hook_resid_mid') return a.residMid;
  return a.mlpNormalized; // ln2.hook_normalized: the pre-MLP norm's output before its gain
}

export async function computeComponents(
  cfg: ModelConfig,
  w: FamilyWeights,
  tc: TranscoderSet,
  encoder: TranscoderEncoder,
  fwd: ForwardResult,
): Promise<Components> {
  const { nLayers: L, dModel: d } = cfg;
  const P = fwd.nPos;
  const n = tc.dTranscoder;
  const zero = cfg.zeroPositions ?? ZERO_POSITIONS;
  const u = Array.from({ length: L }, (_, l) => transcoderInput(tc, fwd, l, d));

  const layer: number[] = [];
  const pos: number[] = [];
  const feature: number[] = [];
  const activation: number[] = [];
  const pre: Float32Array[] = [];
  const skips: (Float32Array | undefined)[] = [];
  const encoderRows: Float32Array[] = [];
  for (let l = 0; l < L; l++) {
    // one layer's encoder in memory at a time; the rows of its active features are kept for the backward pass
    const enc = await encoder.layer(l, u[l], P);
    const preL = enc.pre;
    pre.push(preL);
    skips.push(enc.skip);
    const first = feature.length;
    for (let p = zero; p < P; p++) {
      const a = Float32Array.from(preL.subarray(p * n, (p + 1) * n));
      applyActivation(tc.activation, a, tc.layers[l].threshold);
      for (let f = 0; f < n; f++) {
        if (a[f] === 0) continue;
        layer.push(l);
        pos.push(p);
        feature.push(f);
        activation.push(a[f]);
      }
    }
    if (feature.length > first) encoderRows.push(tc.encoderRows(l, feature.slice(first)));
  }
  const A = layer.length;
  const encoders = new Float32Array(A * d);
  for (let i = 0, off = 0; i < encoderRows.length; off += encoderRows[i].length, i++) encoders.set(encoderRows[i], off);

  // decoder rows of active features, read per source layer; a cross-layer row has one slot per output layer
  const writes: { out: number; p: number; src: number; vec: Float32Array }[][] = Array.from({ length: L }, () => []);
  for (let l = 0, i = 0; l < L; l++) {
    const start = i;
    while (i < A && layer[i] === l) i++;
    if (i === start) continue;
    const rows = tc.decoderRows(l, feature.slice(start, i));
    const slots = tc.kind === 'cross-layer' ? L - l : 1;
    for (let j = start; j < i; j++) {
      for (let s = 0; s < slots; s++) {
        const off = ((j - start) * slots + s) * d;
        const vec = rows.slice(off, off + d);
        for (let k = 0; k < d; k++) vec[k] *= activation[j];
        writes[l + s].push({ out: l + s, p: pos[j], src: j, vec });
      }
    }
  }

  const decoders: DecoderTable[] = [];
  const errors: Float32Array[] = [];
  for (let l = 0; l < L; l++) {
    const recon = new Float32Array(P * d);
    for (const wr of writes[l]) for (let k = 0; k < d; k++) recon[wr.p * d + k] += wr.vec[k];
    decoders.push(decoderSlots(writes[l], P, d));
    writes[l] = []; // the vectors now live in the table
    const skip = skips[l];
    const mlpOut = fwd.layers[l].mlpOut;
    const err = new Float32Array(P * d);
    for (let p = zero; p < P; p++) {
      for (let k = 0; k < d; k++) {
        const i = p * d + k;
        err[i] = mlpOut[i] - (recon[i] + tc.layers[l].b_dec[k] + (skip ? skip[i] : 0));
      }
    }
    errors.push(err);
  }

  const tokens = familyOf(cfg).tokenVectors(cfg, w, fwd.ids);
  return {
    ids: fwd.ids,
    nPos: P,
    layer: Int32Array.from(layer),
    pos: Int32Array.from(pos),
    feature: Int32Array.from(feature),
    activation: Float32Array.from(activation),
    u,
    pre,
    encoders,
    decoders,
    errors,
    tokens,
    forward: fwd,
  };
}
