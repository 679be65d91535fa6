// Engine self-check: proves that onnxruntime-node loads here and runs a graph built in TypeScript.
// Used by `self-trace doctor` and by the worker's `ping`; the first thing to run when a machine misbehaves.
import { EngineError, throwIfAborted } from './errors';
import { GraphBuilder, type GraphBytes } from './onnx/builder';
import { GraphSession, onnxRuntimeVersion } from './onnx/session';
import type { ProgressSink } from './progress';

export interface SelfCheckResult {
  readonly onnxRuntimeVersion: string;
  readonly nodeVersion: string;
  readonly platform: string;
  /** Y = X · W for the fixed inputs below, as computed by onnxruntime. */
  readonly output: number[];
  readonly expected: number[];
  readonly ok: boolean;
  readonly elapsedMs: number;
}

// X [2, 3] · W [3, 2] = Y [2, 2]; small enough to check by eye.
const X = [1, 0, 0, 0, 1, 1];
const W = [1, 2, 3, 4, 5, 6];
const EXPECTED = [1, 2, 8, 10];

/** A one-node MatMul graph with W as a constant, built and run the way every engine graph is (builder, session). */
function matMulGraph(): GraphBytes {
  const g = new GraphBuilder('self_check');
  const x = g.input('X', [2, 3]);
  const w = g.constant(new Float32Array(W), [3, 2], 'W');
  g.output(g.matmul(x, w), 'Y', [2, 2]);
  return g.toBytes();
}

export async function runSelfCheck(options: { signal?: AbortSignal; onProgress?: ProgressSink } = {}): Promise<SelfCheckResult> {
  const { signal, onProgress } = options;
  const started = performance.now();
  throwIfAborted(signal);
  onProgress?.({ message: 'building the self-check graph', fraction: 0 });
  const model = matMulGraph();
  let session: GraphSession;
  try {
    onProgress?.({ message: 'starting onnxruntime', fraction: 0.3 });
    session = await GraphSession.create(model, { threads: 1 });
  } catch (err) {
    const detail = err instanceof EngineError ? err.detail : String(err);
    throw new EngineError('onnxRuntimeUnavailable', 'onnxruntime-node could not start on this machine.', detail);
  }
  try {
    throwIfAborted(signal);
    onProgress?.({ message: 'running the self-check graph', fraction: 0.6 });
    const output = Array.from((await session.run({ X: { data: new Float32Array(X), dims: [2, 3] } })).Y.data);
    onProgress?.({ message: 'self-check done', fraction: 1 });
    return {
      onnxRuntimeVersion: onnxRuntimeVersion(),
      nodeVersion: process.version,
      platform: `${process.platform}-${process.arch}`,
      output,
      expected: EXPECTED,
      ok: output.length === EXPECTED.length && output.every((v, i) => v === EXPECTED[i]),
      elapsedMs: performance.now() - started,
    };
  } finally {
    session.dispose();
  }
}
