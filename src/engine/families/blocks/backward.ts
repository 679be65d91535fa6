// The skeleton every family's backward layer graph shares (contract in family.ts): the edges of the sources writing
// to this layer's MLP output, the transcoder skip path, the residual through attention, and the token edges at
// layer 0. A family supplies two transposes: of its transcoder input hook (u as a function of resid_mid) and of its
// attention block (the residual's gradient through attention and its norms, frozen, to resid_pre).
import { GraphBuilder } from '../../onnx/builder';
import { type BackwardLayerSpec, backwardNames as N } from '../family';

export interface LayerTransposes {
  /** gradient at the transcoder input u (for `spec.inputHook`) → gradient at resid_mid */
  input(g: GraphBuilder, gu: string): string;
  /** gradient at resid_mid → the part of the gradient at resid_pre that flows through attention (not the residual) */
  attention(g: GraphBuilder, gMid: string): string;
}

export function backwardLayerGraph(name: string, d: number, spec: BackwardLayerSpec, t: LayerTransposes): Uint8Array {
  // no layer number in the name: graphs of two layers whose weights are all fed inputs serialise to the same bytes
  // and share one session (attribute.ts)
  const g = new GraphBuilder(`${name}_backward${spec.layer === 0 ? '_0' : ''}${spec.entry ? '_entry' : ''}`);
  let gMid: string;
  if (spec.entry) {
    gMid = t.input(g, g.input(N.inject, ['batch', 'pos', d]));
  } else {
    const gIn = g.input(N.gradIn, ['batch', 'pos', d]);
    // edges of sources writing to this layer's MLP output: the gradient there is gIn itself; decoder vectors come in
    // slots of m columns, each slot at one position (attribution/components.ts DecoderTable)
    const dec = g.input(N.decoders, ['slot', d, 'm']);
    const atSlot = g.gather(g.transpose(gIn, [1, 0, 2]), g.input(N.slotPos, ['slot'], 'int64'), 0); // [S, B, d]
    g.output(g.matmul(atSlot, dec), N.featureEdges, ['slot', 'batch', 'm']);
    g.output(g.reduceSum(g.mul(gIn, g.input(N.errors, ['pos', d])), [-1], 0), N.errorEdges, ['batch', 'pos']);
    // the MLP is replaced by its transcoder: only the skip, skip(u) = u·W_skipᵀ, carries gradient through it
    gMid = spec.W_skip ? g.add(gIn, t.input(g, g.matmul(gIn, g.weight(spec.W_skip, [d, d], 'W_skip', { fed: true })))) : gIn;
  }
  const gOut = g.add(gMid, t.attention(g, gMid));
  g.output(gOut, N.gradOut, ['batch', 'pos', d]);
  if (spec.layer === 0) g.output(g.reduceSum(g.mul(gOut, g.input(N.tokens, ['pos', d])), [-1], 0), N.tokenEdges, ['batch', 'pos']);
  return g.toBytes();
}

/** the top step: a gradient injected at the final norm's output → the gradient at the last residual stream */
export function backwardTopGraph(name: string, d: number, finalNormT: (g: GraphBuilder, grad: string, scale: string) => string): Uint8Array {
  const g = new GraphBuilder(`${name}_backward_top`);
  const inj = g.input(N.inject, ['batch', 'pos', d]);
  g.output(finalNormT(g, inj, g.input(N.lnfScale, ['pos', 1])), N.gradOut, ['batch', 'pos', d]);
  return g.toBytes();
}
