// A small, readable builder for ONNX graphs: inputs, initializers, nodes and outputs, encoded with onnx-proto.
// Forward, linear-backward and intervention graphs are all written with it, one builder call per operation.
import { onnx } from 'onnx-proto';
import { EngineError } from '../errors';
import { isHalf, type Weight } from '../model/weight';

export type Dim = number | string;
export type ElemType = 'float' | 'int64' | 'int32' | 'bool' | 'uint16' | 'float16';
/** attribute values: integers and floats are told apart by the helper used (`int`, `float`) or by the value */
export type Attr = number | number[] | string | { f: number } | { fs: number[] } | { i: number };
export type Attrs = Record<string, Attr>;

const ELEM: Record<ElemType, number> = {
  float: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  uint16: onnx.TensorProto.DataType.UINT16,
  float16: onnx.TensorProto.DataType.FLOAT16,
};

/** 26: BitCast (16-bit weights, see `weight`); reductions take their axes as an input (since 18) */
export const OPSET = 26;

function valueInfo(name: string, elem: ElemType, dims?: Dim[]): onnx.ValueInfoProto {
  const shape = dims
    ? onnx.TensorShapeProto.create({
        dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create(typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
      })
    : undefined;
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: ELEM[elem], shape }) }),
  });
}

function attribute(name: string, v: Attr): onnx.AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (typeof v === 'number') {
    return Number.isInteger(v) ? onnx.AttributeProto.create({ name, type: T.INT, i: v }) : onnx.AttributeProto.create({ name, type: T.FLOAT, f: v });
  }
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if ('f' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.f });
  if ('fs' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.fs });
  return onnx.AttributeProto.create({ name, type: T.INT, i: v.i });
}

type TypedData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

/**
 * Constants beyond this many bytes in one graph are not serialised: the largest fp32 ones become graph inputs that
 * the session feeds from the same arrays on every run (ONNX protobufs stop at 2 GiB, and a real checkpoint's fp32
 * weights are several; fed inputs also share one copy between the sessions of a model instead of one per session).
 */
export const INLINE_CONSTANT_BYTES = Number(process.env.SELF_TRACE_INLINE_CONSTANT_BYTES) || 512 * 1024 * 1024;

/**
 * fp32 weights from this size on are graph inputs too (`weight`): one copy in JS shared by every session (a model's
 * forward variants, the backward layer sessions) instead of one inside each session. onnxruntime then cannot prepack
 * them; at the row counts here (a prompt's positions) that costs nothing measurable (bench/results/real-size-memory.md).
 */
export const FED_WEIGHT_BYTES = 4 * 1024 * 1024;

/** a weight a graph takes as an input, fed by the session on every run from this array (no copy) */
export interface FedWeight {
  data: Float32Array | Uint16Array;
  dims: number[];
  type: 'float32' | 'uint16' | 'float16';
}

/** the serialised model, plus the weights it takes as inputs (16-bit weights; see also INLINE_CONSTANT_BYTES) */
export type GraphBytes = Uint8Array & { weights?: Map<string, FedWeight> };

export class GraphBuilder {
  private readonly nodes: onnx.NodeProto[] = [];
  private readonly inputs: onnx.ValueInfoProto[] = [];
  private readonly outputs: onnx.ValueInfoProto[] = [];
  private readonly initializers: onnx.TensorProto[] = [];
  private readonly fed = new Map<string, FedWeight>();
  private readonly weightNames = new Map<Weight, string>();
  private readonly names = new Set<string>();
  private counter = 0;
  private scopeName = '';

  constructor(readonly name = 'graph') {}

  /** prefix for generated names, e.g. `h3/`: makes graph dumps readable */
  scope(prefix: string): this {
    this.scopeName = prefix;
    return this;
  }

  input(name: string, dims: Dim[], elem: ElemType = 'float'): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /** a constant tensor stored in the model (weights, shapes, index lists) */
  constant(data: TypedData, dims: number[], name?: string): string {
    const n = name ?? this.fresh('const');
    if (name) this.claim(name);
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new EngineError('internal', `constant ${n}: ${data.length} values for dims ${JSON.stringify(dims)}`);
    const elem: ElemType =
      data instanceof Float32Array ? 'float' : data instanceof BigInt64Array ? 'int64' : data instanceof Int32Array ? 'int32' : 'bool';
    this.initializers.push(
      onnx.TensorProto.create({ name: n, dims, dataType: ELEM[elem], rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }),
    );
    return n;
  }

  /**
   * A model weight as an fp32 value: a small fp32 array is a constant; a large one (FED_WEIGHT_BYTES), one marked
   * `fed` and a 16-bit one (model/weight.ts) are graph inputs the session feeds from its array on every run (shared by
   * every session, never copied; 16-bit ones converted to fp32 here: BF16 by BitCast of the uint16 patterns, then
   * Cast, F16 by Cast, both exact). A graph whose weights are all fed serves any weights of the same shapes (the
   * backward layer graphs: one session for every layer). The same array given twice (a tied head) is one value.
   */
  weight(w: Weight, dims: number[], name?: string, opts?: { fed?: boolean }): string {
    return this.toFloat(this.weightRaw(w, dims, name, opts), w);
  }

  /** the graph value holding `w` as stored (uint16 / float16 patterns for 16-bit weights): gather rows before `toFloat` */
  weightRaw(w: Weight, dims: number[], name?: string, opts?: { fed?: boolean }): string {
    const known = this.weightNames.get(w);
    if (known) return known;
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== w.length) throw new EngineError('internal', `weight ${name ?? ''}: ${w.length} values for dims ${JSON.stringify(dims)}`);
    let n: string;
    if (!isHalf(w) && w.byteLength < FED_WEIGHT_BYTES && !opts?.fed) n = this.constant(w, dims, name);
    else {
      n = name ?? this.fresh('weight');
      if (name) this.claim(name);
      const type = !isHalf(w) ? 'float32' : w.dtype === 'BF16' ? 'uint16' : 'float16';
      this.inputs.push(valueInfo(n, type === 'float32' ? 'float' : type, dims));
      this.fed.set(n, { data: isHalf(w) ? w.bits : w, dims, type });
    }
    this.weightNames.set(w, n);
    return n;
  }

  /** fp32 values of `raw`, a value (or a slice or gather of one) of weight `w` as stored */
  toFloat(raw: string, w: Weight): string {
    if (!isHalf(w)) return raw;
    const half = w.dtype === 'BF16' ? this.op('BitCast', [raw], { to: onnx.TensorProto.DataType.BFLOAT16 }) : raw;
    return this.op('Cast', [half], { to: onnx.TensorProto.DataType.FLOAT });
  }

  /** int64 vector constant: shapes, axes, indices */
  ints(values: number[]): string {
    return this.constant(BigInt64Array.from(values.map((v) => BigInt(v))), [values.length]);
  }

  /** fp32 scalar constant (rank 0) */
  scalar(v: number): string {
    return this.constant(new Float32Array([v]), []);
  }

  /** one node with one output */
  op(opType: string, inputs: string[], attrs: Attrs = {}): string {
    return this.opN(opType, inputs, 1, attrs)[0];
  }

  /** one node with several outputs */
  opN(opType: string, inputs: string[], nOutputs: number, attrs: Attrs = {}): string[] {
    const outs = Array.from({ length: nOutputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: outs,
        name: this.fresh(`n_${opType}`),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  /** exposes a value as a graph output under a stable name */
  output(value: string, name: string, dims?: Dim[], elem: ElemType = 'float'): string {
    this.claim(name);
    this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value], output: [name], name: this.fresh('n_out') }));
    this.outputs.push(valueInfo(name, elem, dims));
    return name;
  }

  // --- the operations our graphs use, named as in ONNX ---
  matmul = (a: string, b: string) => this.op('MatMul', [a, b]);
  add = (a: string, b: string) => this.op('Add', [a, b]);
  sub = (a: string, b: string) => this.op('Sub', [a, b]);
  mul = (a: string, b: string) => this.op('Mul', [a, b]);
  div = (a: string, b: string) => this.op('Div', [a, b]);
  sqrt = (a: string) => this.op('Sqrt', [a]);
  tanh = (a: string) => this.op('Tanh', [a]);
  relu = (a: string) => this.op('Relu', [a]);
  exp = (a: string) => this.op('Exp', [a]);
  neg = (a: string) => this.op('Neg', [a]);
  pow = (a: string, b: string) => this.op('Pow', [a, b]);
  softmax = (a: string, axis = -1) => this.op('Softmax', [a], { axis });
  transpose = (a: string, perm: number[]) => this.op('Transpose', [a], { perm });
  reshape = (a: string, shape: number[]) => this.op('Reshape', [a, this.ints(shape)]);
  gather = (data: string, indices: string, axis = 0) => this.op('Gather', [data, indices], { axis });
  reduceMean = (a: string, axes: number[], keepdims = 1) => this.op('ReduceMean', [a, this.ints(axes)], { keepdims });
  reduceSum = (a: string, axes: number[], keepdims = 1) => this.op('ReduceSum', [a, this.ints(axes)], { keepdims });
  concat = (xs: string[], axis: number) => this.op('Concat', xs, { axis });
  slice = (a: string, starts: number[], ends: number[], axes: number[]) => this.op('Slice', [a, this.ints(starts), this.ints(ends), this.ints(axes)]);
  split = (a: string, sizes: number[], axis: number) => this.opN('Split', [a, this.ints(sizes)], sizes.length, { axis });
  where = (cond: string, a: string, b: string) => this.op('Where', [cond, a, b]);
  greater = (a: string, b: string) => this.op('Greater', [a, b]);
  unsqueeze = (a: string, axes: number[]) => this.op('Unsqueeze', [a, this.ints(axes)]);
  squeeze = (a: string, axes: number[]) => this.op('Squeeze', [a, this.ints(axes)]);
  einsum = (equation: string, ...xs: string[]) => this.op('Einsum', xs, { equation });

  /** the serialised ModelProto, ready for GraphSession.create (which feeds any weights it carries) */
  toBytes(inlineBytes = INLINE_CONSTANT_BYTES): GraphBytes {
    let inline = this.initializers;
    const inputs = [...this.inputs];
    const weights = new Map<string, FedWeight>(this.fed);
    let total = inline.reduce((a, t) => a + (t.rawData?.byteLength ?? 0), 0);
    if (total > inlineBytes) {
      const big = [...inline].filter((t) => t.dataType === ELEM.float).sort((a, b) => b.rawData.byteLength - a.rawData.byteLength);
      const fed = new Set<onnx.TensorProto>();
      for (const t of big) {
        if (total <= inlineBytes) break;
        fed.add(t);
        total -= t.rawData.byteLength;
        const raw = t.rawData;
        const dims = (t.dims as number[]).map(Number);
        weights.set(t.name, { data: new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), dims, type: 'float32' });
        inputs.push(valueInfo(t.name, 'float', dims));
      }
      inline = inline.filter((t) => !fed.has(t));
    }
    const graph = onnx.GraphProto.create({
      name: this.name,
      node: this.nodes,
      input: inputs,
      output: this.outputs,
      initializer: inline,
    });
    const model = onnx.ModelProto.create({
      irVersion: 10,
      producerName: 'self-tracing',
      graph,
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: OPSET })],
    });
    const bytes: GraphBytes = onnx.ModelProto.encode(model).finish();
    if (weights.size > 0) Object.defineProperty(bytes, 'weights', { value: weights, enumerable: false });
    return bytes;
  }

  private fresh(kind: string): string {
    let n: string;
    do n = `${this.scopeName}${kind}_${this.counter++}`;
    while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new EngineError('internal', `graph name "${name}" used twice`);
    this.names.add(name);
  }
}
