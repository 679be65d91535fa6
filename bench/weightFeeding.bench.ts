// Issue 12, a controlled experiment: does onnxruntime run a real-width model faster when its weights are
// initializers (prepacked once at session creation) than when they are graph inputs fed on every run (what the
// engine does with 16-bit weights and large fp32 ones, so that one copy serves every session)? And what does the
// in-graph BF16 → fp32 conversion of fed 16-bit weights cost? Four Llama-3.2-1B layers' matmuls (q, k, v, o, gate,
// up, down at d 2048, F 8192; 1 GiB fp32, under the 2 GiB protobuf limit so initializers are possible) on 16
// positions, the three ways interleaved, 2 threads. Results: bench/results/weight-feeding.json (appended).
// Run: npm run bench weightFeeding
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HalfWeight, type Weight } from '../src/engine/model/weight';
import { GraphBuilder } from '../src/engine/onnx/builder';
import { GraphSession } from '../src/engine/onnx/session';
import { uniform } from './random';

const d = 2048;
const F = 8192;
const P = 16;
const LAYERS = 4;
const SHAPES = [[2048, d], [512, d], [512, d], [d, 2048], [F, d], [F, d], [d, F]];
const JSON_FILE = path.resolve('bench', 'results', 'weight-feeding.json');

type Mode = 'initializers (prepacked)' | 'fp32 inputs' | 'bf16 inputs';

function graph(W: Float32Array[][], mode: Mode): Uint8Array {
  const g = new GraphBuilder('weight_feeding');
  let x = g.input('x', [P, d]);
  const weight = (w: Float32Array, dims: number[], name: string): string => {
    if (mode === 'initializers (prepacked)') return g.constant(w, dims, name);
    const bits = new Uint16Array(w.length);
    const u = new Uint32Array(w.buffer, w.byteOffset, w.length);
    for (let i = 0; i < w.length; i++) bits[i] = u[i] >>> 16;
    const stored: Weight = mode === 'bf16 inputs' ? new HalfWeight(bits, 'BF16') : w;
    return g.weight(stored, dims, name);
  };
  for (let l = 0; l < LAYERS; l++) {
    const w = SHAPES.map((s, i) => weight(W[l][i], s, `w${l}_${i}`));
    const lin = (a: string, i: number) => g.op('Gemm', [a, w[i]], { transB: 1 });
    const a = g.add(g.add(lin(lin(x, 0), 3), g.reduceSum(g.add(lin(x, 1), lin(x, 2)), [-1])), x);
    x = g.add(a, lin(g.mul(g.op('Sigmoid', [lin(a, 4)]), lin(a, 5)), 6));
  }
  g.output(x, 'y');
  return g.toBytes(mode === 'initializers (prepacked)' ? 2 ** 31 - 1 : undefined);
}

async function main(): Promise<void> {
  const W = Array.from({ length: LAYERS }, (_, l) => SHAPES.map((s, i) => uniform(s[0] * s[1], 0.02, 1 + l * 10 + i)));
  const x = uniform(P * d, 1, 99);
  const modes: Mode[] = ['initializers (prepacked)', 'fp32 inputs', 'bf16 inputs'];
  const sessions = new Map<Mode, { s: GraphSession; createS: number }>();
  for (const m of modes) {
    const t = performance.now();
    sessions.set(m, { s: await GraphSession.create(graph(W, m), { threads: 2 }), createS: (performance.now() - t) / 1000 });
  }
  const runs = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const load0 = os.loadavg()[0];
  for (let rep = 0; rep < 7; rep++) {
    for (const m of rep % 2 ? [...modes].reverse() : modes) {
      const t = performance.now();
      await sessions.get(m)!.s.run({ x: { data: x, dims: [P, d] } });
      if (rep > 0) runs.get(m)!.push(performance.now() - t); // the first run of each allocates
    }
  }
  const load1 = os.loadavg()[0];
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const result = {
    date: new Date().toISOString(),
    what: `${LAYERS} Llama-3.2-1B layers' matmuls, ${P} positions, 2 threads`,
    loadAverage: [load0, load1],
    modes: modes.map((m) => ({ mode: m, sessionCreateS: sessions.get(m)!.createS, runMs: runs.get(m)!.map((v) => Math.round(v)), medianMs: Math.round(median(runs.get(m)!)) })),
  };
  for (const { s } of sessions.values()) s.dispose();
  console.log(JSON.stringify(result, null, 1));
  const all: unknown[] = fs.existsSync(JSON_FILE) ? JSON.parse(fs.readFileSync(JSON_FILE, 'utf8')) : [];
  all.push(result);
  fs.mkdirSync(path.dirname(JSON_FILE), { recursive: true });
  fs.writeFileSync(JSON_FILE + '.tmp', JSON.stringify(all, null, 1) + '\n');
  fs.renameSync(JSON_FILE + '.tmp', JSON_FILE);
}

void main();
