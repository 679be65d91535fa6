// onnxruntime-node sessions: created from builder bytes with the engine's thread policy, run with typed arrays.
import * as ort from 'onnxruntime-node';
import { EngineError } from '../errors';
import type { FedWeight, GraphBytes } from './builder';

export interface SessionOptions {
  /** intra-op threads; the machine has few cores and the extension host needs one */
  threads?: number;
  /**
   * false: no memory pattern (onnxruntime's default plans one block for all of a run's intermediates). A model's
   * forward graph converts each 16-bit weight to fp32 where it is used; without the pattern those copies reuse each
   * other's memory: +213 instead of +400 MiB after a Qwen3-0.6B forward pass, no slower (results/real-size-memory.md).
   */
  memPattern?: boolean;
}

/** Uint16Array: 16-bit patterns (uint16), which a graph BitCasts to bfloat16 */
export type Feed = Record<string, { data: Float32Array | BigInt64Array | Int32Array | Uint16Array; dims: number[] }>;
export interface Fetched {
  data: Float32Array;
  dims: number[];
}

/** An inference session over one graph; holds native memory until `dispose`. */
export class GraphSession {
  private constructor(
    private session: ort.InferenceSession | undefined,
    /** weights the graph takes as inputs (GraphBytes.weights), fed on every run from the caller's arrays */
    private readonly weights: ReadonlyMap<string, FedWeight> = new Map(),
  ) {}

  static async create(model: GraphBytes, opts: SessionOptions = {}): Promise<GraphSession> {
    try {
      const s = await ort.InferenceSession.create(model, {
        executionProviders: ['cpu'],
        intraOpNumThreads: opts.threads ?? defaultThreads(),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        ...(opts.memPattern === false ? { enableMemPattern: false } : {}),
      });
      return new GraphSession(s, model.weights);
    } catch (e) {
      throw new EngineError('internal', 'onnxruntime could not load a graph the engine built.', (e as Error).message);
    }
  }

  /** the inputs a caller feeds (weights fed by the session itself are not among them) */
  get inputNames(): readonly string[] {
    return this.live().inputNames.filter((n) => !this.weights.has(n));
  }

  get outputNames(): readonly string[] {
    return this.live().outputNames;
  }

  /**
   * Runs the graph on `feed`. `weights`: fed weights of another graph with the same structure (the same bytes but for
   * which arrays its weights are), in place of this graph's own.
   */
  async run(feed: Feed, fetch?: string[], weights: ReadonlyMap<string, FedWeight> = this.weights): Promise<Record<string, Fetched>> {
    const s = this.live();
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, w] of weights) feeds[name] = new ort.Tensor(w.type, w.data, w.dims);
    for (const [name, t] of Object.entries(feed)) {
      const type = t.data instanceof Float32Array ? 'float32' : t.data instanceof BigInt64Array ? 'int64' : t.data instanceof Uint16Array ? 'uint16' : 'int32';
      feeds[name] = new ort.Tensor(type, t.data, t.dims);
    }
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = fetch ? await s.run(feeds, fetch) : await s.run(feeds);
    } catch (e) {
      throw new EngineError('internal', 'onnxruntime failed while running a graph.', (e as Error).message);
    }
    const res: Record<string, Fetched> = {};
    for (const [name, v] of Object.entries(out)) {
      const t = v as ort.Tensor;
      res[name] = { data: t.data as Float32Array, dims: [...t.dims] };
    }
    return res;
  }

  dispose(): void {
    const s = this.session;
    this.session = undefined;
    void s?.release();
  }

  private live(): ort.InferenceSession {
    if (!this.session) throw new EngineError('internal', 'the graph session was already disposed.');
    return this.session;
  }
}

/** the onnxruntime version this engine runs (the doctor and the self-check report it) */
export function onnxRuntimeVersion(): string {
  return ort.env.versions.common ?? 'unknown';
}

export function defaultThreads(): number {
  const env = Number(process.env.SELF_TRACE_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return 2;
}
