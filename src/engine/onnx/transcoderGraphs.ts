// Transcoder encoders as one ONNX graph: for every layer, pre-activations u·W_encᵀ + b_enc and the skip u·W_skipᵀ.
import type { TranscoderSet } from '../model/transcoders';
import { GraphBuilder } from './builder';

export const encoderNames = {
  input: (l: number) => `u.${l}`, // [P, d_model]
  pre: (l: number) => `pre.${l}`, // [P, d_transcoder]
  skip: (l: number) => `skip.${l}`, // [P, d_model]
} as const;

export function transcoderEncoderGraph(tc: TranscoderSet): Uint8Array {
  const g = new GraphBuilder('transcoder_encoders');
  const { dModel: d, dTranscoder: n } = tc;
  tc.layers.forEach((layer, l) => {
    g.scope(`l${l}/`);
    const u = g.input(encoderNames.input(l), ['pos', d]);
    const pre = g.op('Gemm', [u, g.constant(layer.W_enc, [n, d]), g.constant(layer.b_enc, [n])], { transB: 1 });
    g.output(pre, encoderNames.pre(l), ['pos', n]);
    if (layer.W_skip) g.output(g.op('Gemm', [u, g.constant(layer.W_skip, [d, d])], { transB: 1 }), encoderNames.skip(l), ['pos', d]);
  });
  return g.toBytes();
}
