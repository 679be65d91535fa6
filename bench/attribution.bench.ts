// Attribution benchmark (issue 5). Each case runs in its own process so its peak RSS is its own:
//  - GPT-2-small-shaped random model (12 layers, d 768) with random per-layer transcoders of 12,288 features, a
//    32-token prompt, max_feature_nodes 2048: wall time and peak RSS next to the PyTorch baseline
//    (tools/reference/attribution_bench_ref.py, circuit-tracer's batched algorithm) on the same cores, and next to
//    the backward's floating-point work divided by the measured matrix-multiply throughput;
//  - the embedded model (or, until it ships, a random stand-in of its shape): a warm 12-token trace with all active
//    features, and time and memory against prompt length (16, 64, 256, 512 tokens).
// Random weights and transcoders are generated into bench/.work/ (never committed). Run: npm run bench attribution
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Attributor, type AttributionModel } from '../src/engine/attribution/attribute';
import { graphLayout } from '../src/engine/attribution/graph';
import { pruneGraph } from '../src/engine/attribution/prune';
import { gpt2 } from '../src/engine/families/gpt2';
import { gpt2Config, loadGpt2Weights } from '../src/engine/families/gpt2/weights';
import { TensorStore, writeSafetensors } from '../src/engine/model/safetensors';
import { loadTranscoders } from '../src/engine/model/transcoders';
import { GraphBuilder } from '../src/engine/onnx/builder';
import { forwardNames, unpackForward } from '../src/engine/onnx/forward';

import { defaultThreads, GraphSession } from '../src/engine/onnx/session';
import { uniform } from './random';
import { writeSection } from './results';

const WORK = path.resolve('bench', '.work');
const ORGANISM = path.resolve('models', 'organism');
const rssMiB = () => process.resourceUsage().maxRSS / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Shape {
  L: number;
  d: number;
  H: number;
  V: number;
  ctx: number;
  nFeatures: number;
  /** b_enc offset: pre-activations are about N(0, 1), so −2.6 leaves ~0.5% of features active */
  bias: number;
}

function writeRandom(dir: string, s: Shape): void {
  if (fs.existsSync(path.join(dir, 'transcoders', `layer_${s.L - 1}.safetensors`))) return;
  fs.mkdirSync(path.join(dir, 'transcoders'), { recursive: true });
  const { L, d, V, ctx, nFeatures: n } = s;
  const t: Record<string, { shape: number[]; data: Float32Array }> = {};
  let seed = 1;
  const w = (name: string, shape: number[], a: number) => (t[name] = { shape, data: uniform(shape.reduce((x, y) => x * y, 1), a, seed++) });
  const ones = (name: string) => (t[name] = { shape: [d], data: new Float32Array(d).fill(1) });
  w('wte.weight', [V, d], 0.1);
  w('wpe.weight', [ctx, d], 0.02);
  const a = Math.sqrt(3 / d); // unit-variance outputs for unit-variance inputs
  for (let l = 0; l < L; l++) {
    const h = `h.${l}.`;
    ones(`${h}ln_1.weight`), w(`${h}ln_1.bias`, [d], 0.02);
    w(`${h}attn.c_attn.weight`, [d, 3 * d], a), w(`${h}attn.c_attn.bias`, [3 * d], 0.02);
    w(`${h}attn.c_proj.weight`, [d, d], a / 2), w(`${h}attn.c_proj.bias`, [d], 0.02);
    ones(`${h}ln_2.weight`), w(`${h}ln_2.bias`, [d], 0.02);
    w(`${h}mlp.c_fc.weight`, [d, 4 * d], a), w(`${h}mlp.c_fc.bias`, [4 * d], 0.02);
    w(`${h}mlp.c_proj.weight`, [4 * d, d], a / 4), w(`${h}mlp.c_proj.bias`, [d], 0.02);
  }
  ones('ln_f.weight'), w('ln_f.bias', [d], 0.02);
  writeSafetensors(path.join(dir, 'model.safetensors'), t);
  const config = { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, n_layer: L, n_embd: d, n_head: s.H, n_positions: ctx, vocab_size: V };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  for (let l = 0; l < L; l++) {
    writeSafetensors(path.join(dir, 'transcoders', `layer_${l}.safetensors`), {
      W_enc: { shape: [n, d], data: uniform(n * d, a, 1000 + 3 * l) },
      W_dec: { shape: [n, d], data: uniform(n * d, 0.3 * a, 1001 + 3 * l) },
      b_enc: { shape: [n], data: Float32Array.from(uniform(n, 0.1, 1002 + 3 * l), (x) => x + s.bias) },
      b_dec: { shape: [d], data: new Float32Array(d) },
    });
  }
  fs.writeFileSync(path.join(dir, 'transcoders', 'config.yaml'), 'model_kind: transcoder_set\nfeature_input_hook: mlp.hook_in\nfeature_output_hook: mlp.hook_out\nscan: random\n');
}

async function loadAttribution(dir: string, threads: number): Promise<{ model: AttributionModel; attributor: Attributor; V: number }> {
  const file = path.join(dir, 'config.json');
  const config = gpt2Config(JSON.parse(fs.readFileSync(file, 'utf8')), file);
  const store = TensorStore.openFolder(dir);
  const weights = loadGpt2Weights(store, config, dir);
  store.close();
  const session = await GraphSession.create(gpt2.forwardGraph(config, weights), { threads });
  const model: AttributionModel = {
    config,
    weights,
    forward: async (ids) => unpackForward(await session.run({ [forwardNames.inputIds]: { data: BigInt64Array.from(ids, BigInt), dims: [1, ids.length] } }), ids, config.nLayers),
    decode: (id) => `<${id}>`,
  };
  const attributor = await Attributor.create(model, loadTranscoders(path.join(dir, 'transcoders')), { threads });
  return { model, attributor, V: config.dVocab };
}

const promptIds = (n: number, V: number) => Array.from({ length: n }, (_, i) => (i === 0 ? V - 1 : (i * 7919 + 13) % (V - 1)));

/** GFLOP/s of one [4096, d]·[d, d] MatMul in onnxruntime on these threads */
async function matmulThroughput(d: number, threads: number): Promise<number> {
  const g = new GraphBuilder('mm');
  g.output(g.matmul(g.input('a', [4096, d]), g.constant(uniform(d * d, 1, 5), [d, d])), 'c');
  const s = await GraphSession.create(g.toBytes(), { threads });
  const a = uniform(4096 * d, 1, 6);
  for (let i = 0; i < 3; i++) await s.run({ a: { data: a, dims: [4096, d] } });
  const t = performance.now();
  for (let i = 0; i < 20; i++) await s.run({ a: { data: a, dims: [4096, d] } });
  s.dispose();
  return (20 * 2 * 4096 * d * d) / ((performance.now() - t) / 1000) / 1e9;
}

/** the embedded model's context length, 0 when it has not been built */
function organismContext(): number {
  if (!fs.existsSync(path.join(ORGANISM, 'transcoders', 'config.yaml'))) return 0;
  return JSON.parse(fs.readFileSync(path.join(ORGANISM, 'config.json'), 'utf8')).n_positions;
}

/** one case, in this process; prints one JSON line */
async function runCase(name: string, arg: string): Promise<void> {
  const threads = defaultThreads();
  if (name === 'small') {
    const dir = path.join(WORK, 'gpt2-small-attribution');
    const t0 = performance.now();
    const { attributor, V } = await loadAttribution(dir, threads);
    const setup = performance.now() - t0;
    const res = await attributor.attribute(promptIds(32, V), { maxFeatureNodes: 2048 });
    const rss = rssMiB();
    const gflops = await matmulThroughput(768, threads);
    console.log(JSON.stringify({ setupMs: setup, timings: res.timings, rss, flops: res.backwardFlops, gflops, active: res.graph.activeFeatures.layer.length, B: Math.min(256, Math.floor(2 ** 22 / (32 * 768))) }));
    return;
  }
  const n = Number(arg);
  // the organism's context is 128 tokens: longer prompts run on the random stand-in of its shape (context 1024)
  const dir = organismContext() >= n ? ORGANISM : path.join(WORK, 'organism-standin');
  const { attributor, V } = await loadAttribution(dir, threads);
  const ids = promptIds(n, V);
  const opts = { maxFeatureNodes: name === 'warm' ? null : 7500 };
  const times: number[] = [];
  let last;
  for (let r = 0; r < (name === 'warm' ? 6 : 1); r++) {
    const t = performance.now();
    last = await attributor.attribute(ids, opts);
    const g = last.graph;
    pruneGraph(g.adjacency, graphLayout(g), g.logitProbabilities);
    times.push(performance.now() - t);
  }
  const g = last!.graph;
  console.log(JSON.stringify({ ms: name === 'warm' ? median(times.slice(1)) : times[0], timings: last!.timings, rss: rssMiB(), active: g.activeFeatures.layer.length, features: g.selectedFeatures.length, edges: g.adjacency.vals.length, dropped: last!.droppedEdges, standin: dir !== ORGANISM }));
}

function child(name: string, arg = ''): Record<string, any> {
  const r = spawnSync(process.execPath, [__filename, name, arg], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`case ${name} ${arg} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

async function main(): Promise<void> {
  const standin: Shape = { L: 4, d: 192, H: 4, V: 2047, ctx: 1024, nFeatures: 1536, bias: -2.3 };
  const small: Shape = { L: 12, d: 768, H: 12, V: 50257, ctx: 1024, nFeatures: 12288, bias: -2.6 };
  writeRandom(path.join(WORK, 'organism-standin'), standin);
  writeRandom(path.join(WORK, 'gpt2-small-attribution'), small);
  const threads = defaultThreads();
  const cpus = os.cpus();
  const lines: string[] = [];
  const out = (s: string) => {
    lines.push(s);
    console.log(s);
  };

  const warm = child('warm', '12');
  const subject = warm.standin
    ? `a random stand-in of the embedded model's shape (${standin.L} layers, d ${standin.d}, vocab ${standin.V}, ${standin.nFeatures} ReLU transcoder features per layer; the real model had not landed)`
    : 'the embedded model (models/organism)';
  out(`onnxruntime-node CPU, ${threads} intra-op threads (torch: the same), node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}; other jobs may share the machine, so timings are noisy.`);
  out('');
  out(`### Warm 12-token trace, all active features (${subject})`);
  out('');
  out(`- **${warm.ms.toFixed(0)} ms** per trace incl. pruning (median of 5 after a warm-up; sessions built once): ${warm.active} active features, ${warm.edges} edges; phases of the last run: ${Object.entries(warm.timings).map(([k, v]) => `${k} ${(v as number).toFixed(0)} ms`).join(', ')}`);
  out('');
  out(`### Prompt length (random token ids; max_feature_nodes 7500, circuit-tracer's CLI default; one process per length)`);
  out('');
  out(`The embedded model's context is ${organismContext() || 'not built'}; longer prompts run on ${`a random stand-in of its shape (${standin.L} layers, d ${standin.d}, vocab ${standin.V}, ${standin.nFeatures} ReLU transcoder features per layer, context ${standin.ctx})`}.`);
  out('');
  out('| tokens | model | active features | feature rows | stored edges | rows cut by the edge budget | time (s) | peak RSS (MiB) |');
  out('|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const n of [16, 64, 128, 256, 512]) {
    const r = child('length', String(n));
    out(`| ${n} | ${r.standin ? 'stand-in' : 'embedded'} | ${r.active} | ${r.features} | ${r.edges} | ${r.dropped} | ${(r.ms / 1000).toFixed(2)} | ${r.rss.toFixed(0)} |`);
  }
  out('');

  const s = child('small');
  const ids = JSON.stringify(promptIds(32, small.V));
  const py = spawnSync('/usr/bin/python3', ['tools/reference/attribution_bench_ref.py', path.join(WORK, 'gpt2-small-attribution'), path.join(WORK, 'gpt2-small-attribution', 'transcoders'), ids, '2048', String(s.B), String(threads)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ref = py.status === 0 ? JSON.parse(py.stdout.trim().split('\n').at(-1)!) : undefined;
  const ours = s.timings.total / 1000;
  out(`### GPT-2-small-shaped random model, 12,288 random ReLU transcoder features per layer, 32 tokens, max_feature_nodes 2048`);
  out('');
  out(`${s.active} active features (~${(s.active / 12 / 31).toFixed(0)} per layer and token); batch ${s.B} targets; onnxruntime sessions built in ${(s.setupMs / 1000).toFixed(1)} s (model and transcoder load included), not counted below.`);
  out('');
  out('| | wall time (s) | peak RSS (MiB) |');
  out('|---|---:|---:|');
  out(`| this engine (onnxruntime) | ${ours.toFixed(2)} | ${s.rss.toFixed(0)} |`);
  if (ref) {
    out(`| PyTorch ${'1.13'} baseline, circuit-tracer's batched algorithm | ${ref.seconds.toFixed(2)} | ${ref.peak_rss_mib.toFixed(0)} |`);
    out(`| ratio engine / PyTorch | **${(ours / ref.seconds).toFixed(2)}** | ${(s.rss / ref.peak_rss_mib).toFixed(2)} |`);
  } else out(`| PyTorch baseline | failed: ${py.stderr.trim().split('\n').at(-1)} | |`);
  out('');
  const bound = s.flops / (s.gflops * 1e9);
  out(`Backward passes: ${(s.flops / 1e9).toFixed(1)} GFLOP; measured matmul throughput ${s.gflops.toFixed(1)} GFLOP/s (onnxruntime, [4096,768]·[768,768]${ref ? `; torch ${ref.matmul_gflops.toFixed(1)}` : ''}) ⇒ lower bound ${bound.toFixed(2)} s for the backward phases, which took ${((s.timings.logits + s.timings.features) / 1000).toFixed(2)} s (${((100 * bound * 1000) / (s.timings.logits + s.timings.features)).toFixed(0)}% of the limit). Phases: ${Object.entries(s.timings).map(([k, v]) => `${k} ${((v as number) / 1000).toFixed(2)} s`).join(', ')}.`);
  writeSection('attribution', 'Attribution (issue 5)', lines.join('\n'));
}

if (process.argv[2]) {
  runCase(process.argv[2], process.argv[3] ?? '').catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
