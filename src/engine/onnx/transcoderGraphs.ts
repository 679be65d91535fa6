// Transcoder encoders, one layer at a time: the weights are graph inputs, not constants, so one small session serves
// every layer and only the layer being encoded is in memory (a published set's encoders do not fit as fp32 at once).
import { EngineError } from '../errors';
import type { TranscoderSet } from '../model/transcoders';
import { GraphBuilder } from './builder';
import { GraphSession } from './session';

const N = { u: 'u', W: 'W', b: 'b', pre: 'pre' } as const;
/** an encoder larger than this (as fp32) is applied in blocks of rows of this size */
export const ENCODER_BLOCK_BYTES = 128 * 1024 * 1024;

/** pre = u·Wᵀ + b with W [n, d] (transB), or u·W + b with W [d, n] as stored transposed */
function encoderGraph(transposed: boolean): Uint8Array {
  const g = new GraphBuilder(transposed ? 'transcoder_encoder_t' : 'transcoder_encoder');
  const u = g.input(N.u, ['pos', 'd']);
  const W = g.input(N.W, transposed ? ['d', 'n'] : ['n', 'd']);
  const b = g.input(N.b, ['n']);
  g.output(g.op('Gemm', [u, W, b], transposed ? {} : { transB: 1 }), N.pre, ['pos', 'n']);
  return g.toBytes();
}

/** pre = u·Wᵀ + b with W [n, d] given as BF16 patterns (uint16), converted in the graph (exact) */
function bf16EncoderGraph(): Uint8Array {
  const g = new GraphBuilder('transcoder_encoder_bf16');
  const u = g.input(N.u, ['pos', 'd']);
  const W = g.op('Cast', [g.op('BitCast', [g.input(N.W, ['n', 'd'], 'uint16')], { to: 16 })], { to: 1 });
  const b = g.input(N.b, ['n']);
  g.output(g.op('Gemm', [u, W, b], { transB: 1 }), N.pre, ['pos', 'n']);
  return g.toBytes();
}

/** skip(u) = u·W_skipᵀ */
function skipGraph(): Uint8Array {
  const g = new GraphBuilder('transcoder_skip');
  const u = g.input(N.u, ['pos', 'd']);
  const W = g.input(N.W, ['d', 'd2']);
  g.output(g.op('Gemm', [u, W], { transB: 1 }), N.pre, ['pos', 'd2']);
  return g.toBytes();
}

export interface EncodedLayer {
  /** pre-activations of every feature, [P, d_transcoder] */
  pre: Float32Array;
  /** skip(u), [P, d_model], when the set has a skip */
  skip?: Float32Array;
}

function allFinite(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** Encodes transcoder inputs layer by layer; dispose when done. */
export class TranscoderEncoder {
  /** BF16 encoders read block by block: the session that converts them, and the one block buffer, reused */
  private bf16?: { session: Promise<GraphSession>; buf: Uint16Array };

  private constructor(
    readonly tc: TranscoderSet,
    private readonly encoder: GraphSession,
    private readonly skipper: GraphSession | undefined,
    private readonly blockBytes: number,
    private readonly threads?: number,
  ) {}

  static async create(tc: TranscoderSet, opts: { threads?: number; blockBytes?: number } = {}): Promise<TranscoderEncoder> {
    const encoder = await GraphSession.create(encoderGraph(tc.encoderTransposed), { threads: opts.threads });
    const skipper = tc.hasSkip ? await GraphSession.create(skipGraph(), { threads: opts.threads }).catch((e) => (encoder.dispose(), Promise.reject(e))) : undefined;
    return new TranscoderEncoder(tc, encoder, skipper, opts.blockBytes ?? ENCODER_BLOCK_BYTES, opts.threads);
  }

  /**
   * Layer `l` of input `u` [P, d_model]; reads that layer's encoder (and skip) and lets it go afterwards. A large
   * encoder stored [n, d] is read and applied in blocks of rows, so only one block is in memory as fp32.
   */
  async layer(l: number, u: Float32Array, P: number, withSkip = true): Promise<EncodedLayer> {
    const { dModel: d, dTranscoder: n } = this.tc;
    const rows = Math.max(1, Math.floor(this.blockBytes / (4 * d)));
    let pre: Float32Array;
    if (this.tc.encoderTransposed || n <= rows || this.tc.encoderResident) {
      const m = this.tc.encoderMatrix(l);
      pre = await this.encode(u, P, m.data, m.transposed ? [d, n] : [n, d], this.tc.layers[l].b_enc);
    } else if (this.tc.encoderBf16Rows) {
      // BF16 blocks as stored into one reused buffer, converted inside onnxruntime: no fresh fp32 block per read
      this.bf16 ??= { session: GraphSession.create(bf16EncoderGraph(), { threads: this.threads }), buf: new Uint16Array(rows * d) };
      const s = await this.bf16.session;
      pre = new Float32Array(P * n);
      for (let f0 = 0; f0 < n; f0 += rows) {
        const f1 = Math.min(n, f0 + rows);
        // unchecked read: a NaN/Inf weight makes its feature's pre-activations non-finite at every position
        // (NaN·x, ±Inf·0 and ±Inf·x are all non-finite), so checking the block's output finds it for P × rows values
        // instead of scanning rows × d_model; the check then reads the rows again to name the value
        const W = this.tc.encoderBf16Rows(l, f0, f1 - f0, this.bf16.buf, false);
        const feed = { [N.u]: { data: u, dims: [P, d] }, [N.W]: { data: W, dims: [f1 - f0, d] }, [N.b]: { data: this.tc.layers[l].b_enc.subarray(f0, f1), dims: [f1 - f0] } };
        const block = (await s.run(feed))[N.pre].data;
        if (!allFinite(block)) {
          this.tc.encoderBf16Rows(l, f0, f1 - f0, this.bf16.buf, true);
          throw new EngineError('badFile', `Layer ${l}'s transcoder encoder gives non-finite pre-activations for features ${f0}…${f1 - 1} (its input or bias is not finite).`);
        }
        for (let p = 0; p < P; p++) pre.set(block.subarray(p * (f1 - f0), (p + 1) * (f1 - f0)), p * n + f0);
      }
    } else {
      pre = new Float32Array(P * n);
      for (let f0 = 0; f0 < n; f0 += rows) {
        const f1 = Math.min(n, f0 + rows);
        const W = this.tc.encoderRows(l, Int32Array.from({ length: f1 - f0 }, (_, i) => f0 + i));
        const block = await this.encode(u, P, W, [f1 - f0, d], this.tc.layers[l].b_enc.subarray(f0, f1));
        for (let p = 0; p < P; p++) pre.set(block.subarray(p * (f1 - f0), (p + 1) * (f1 - f0)), p * n + f0);
      }
    }
    const W_skip = withSkip && this.skipper ? this.tc.skip(l) : undefined;
    if (!W_skip) return { pre };
    const skip = (await this.skipper!.run({ [N.u]: { data: u, dims: [P, d] }, [N.W]: { data: W_skip, dims: [d, d] } }))[N.pre].data;
    return { pre, skip };
  }

  private async encode(u: Float32Array, P: number, W: Float32Array, dims: number[], b: Float32Array): Promise<Float32Array> {
    const out = await this.encoder.run({ [N.u]: { data: u, dims: [P, this.tc.dModel] }, [N.W]: { data: W, dims }, [N.b]: { data: b, dims: [b.length] } });
    return out[N.pre].data;
  }

  /** Every layer in turn: `inputs[l]` is layer l's transcoder input [P, d_model]. */
  async all(inputs: readonly Float32Array[], P: number, withSkip = true): Promise<EncodedLayer[]> {
    const out: EncodedLayer[] = [];
    for (let l = 0; l < inputs.length; l++) out.push(await this.layer(l, inputs[l], P, withSkip));
    return out;
  }

  dispose(): void {
    this.encoder.dispose();
    this.skipper?.dispose();
    void this.bf16?.session.then((s) => s.dispose());
    this.bf16 = undefined;
  }
}
