// Engine self-check: proves that onnxruntime-node loads here and runs a graph built in TypeScript.
// Used by `self-trace doctor` and by the worker's `ping`; the first thing to run when a machine misbehaves.
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { EngineError, throwIfAborted } from './errors';
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

/** A one-node MatMul model with W as an initializer: the smallest graph that exercises the whole ONNX path. */
function matMulModel(): Uint8Array {
  const float = onnx.TensorProto.DataType.FLOAT;
  const valueInfo = (name: string, dims: number[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: float, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } },
    });
  const weights = new Float32Array(W);
  const graph = onnx.GraphProto.create({
    name: 'self_check',
    node: [{ opType: 'MatMul', input: ['X', 'W'], output: ['Y'], name: 'matmul' }],
    input: [valueInfo('X', [2, 3])],
    output: [valueInfo('Y', [2, 2])],
    initializer: [{ name: 'W', dims: [3, 2], dataType: float, rawData: new Uint8Array(weights.buffer) }],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'self-tracing',
    graph,
    opsetImport: [{ domain: '', version: 13 }],
  });
  return onnx.ModelProto.encode(model).finish();
}

export async function runSelfCheck(options: { signal?: AbortSignal; onProgress?: ProgressSink } = {}): Promise<SelfCheckResult> {
  const { signal, onProgress } = options;
  const started = performance.now();
  throwIfAborted(signal);
  onProgress?.({ message: 'building the self-check graph', fraction: 0 });
  const model = matMulModel();
  let session: ort.InferenceSession;
  try {
    onProgress?.({ message: 'starting onnxruntime', fraction: 0.3 });
    session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  } catch (err) {
    throw EngineError.from(err, 'onnxRuntimeUnavailable', 'onnxruntime-node could not start on this machine.');
  }
  try {
    throwIfAborted(signal);
    onProgress?.({ message: 'running the self-check graph', fraction: 0.6 });
    const result = await session.run({ X: new ort.Tensor('float32', new Float32Array(X), [2, 3]) });
    const output = Array.from(result.Y.data as Float32Array);
    onProgress?.({ message: 'self-check done', fraction: 1 });
    return {
      onnxRuntimeVersion: ort.env.versions.common ?? 'unknown',
      nodeVersion: process.version,
      platform: `${process.platform}-${process.arch}`,
      output,
      expected: EXPECTED,
      ok: output.length === EXPECTED.length && output.every((v, i) => v === EXPECTED[i]),
      elapsedMs: performance.now() - started,
    };
  } finally {
    await session.release();
  }
}
