// Issue 12's benchmark: random weights with the exact shapes of Qwen3-0.6B, Llama-3.2-1B and Gemma-2-2B, written in
// their Hugging Face layout (BF16 safetensors) with their published transcoder widths, into a Hugging Face cache
// under /tmp/self-tracing-bench (never committed). Per model, in one run:
//   - the engine, in a process of its own: the model loads by repo id, forward tokens/s, then a 16-token trace at each
//     max_feature_nodes (2048 and 7500): wall and CPU time, phases, peak RSS of the trace (VmHWM reset before it),
//     backward FLOPs over the measured onnxruntime matmul throughput;
//   - the PyTorch baseline (tools/reference/attribution_families_bench_ref.py: circuit-tracer's batched algorithm,
//     checked against the fixtures' autograd adjacencies first), one process per budget, after the engine's, on the
//     same checkpoint, transcoders, token ids, batch size and threads;
//   - the 1-minute load average sampled every 5 s while each process runs (the machine is shared).
// Each process takes /work/wt/bigmem.lock (SELF_TRACE_BENCH_LOCK; '' for none) so two big jobs never overlap.
// Results merge into bench/results/real-models.json (one entry per model, budget and scale) and
// bench/results/real-models.md is rewritten from it.
//   npm run bench realModels                       all three models, 2048 and 7500
//   SELF_TRACE_BENCH_MODELS=Llama-3.2-1B SELF_TRACE_BENCH_BUDGETS=2048 npm run bench realModels
//   SELF_TRACE_BENCH_SCALE=small npm run bench realModels   the same harness on small shapes (minutes)
//   SELF_TRACE_BENCH_BASELINE=0 …                  the engine only
//   node bench/.work/dist/realModels.bench.js --render   the markdown again from the JSON, after `npm run bench` built it
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Attributor } from '../src/engine/attribution/attribute';
import { resolveLocation } from '../src/engine/model/hfCache';
import { loadModel } from '../src/engine/model/model';
import { loadTranscoders } from '../src/engine/model/transcoders';
import { GraphBuilder } from '../src/engine/onnx/builder';
import { GraphSession } from '../src/engine/onnx/session';
import { attributionModel } from '../src/engine/trace';
import { text, writeCachedRepo, writeNpz } from '../tools/transcoderLayouts';
import { CACHE, checkpointConfig, checkpointTensors, MODELS, type ModelShape, ROOT, SETS, tiled, writeBf16, writeSets } from './publishedShapes';
import { uniform } from './random';

const THREADS = 2;
const P = 16;
const SMALL = process.env.SELF_TRACE_BENCH_SCALE === 'small';
const BUDGETS = (process.env.SELF_TRACE_BENCH_BUDGETS ?? (SMALL ? '256,1024' : '2048,7500')).split(',').map(Number);
const LOCK = process.env.SELF_TRACE_BENCH_LOCK ?? (fs.existsSync('/work/wt') ? '/work/wt/bigmem.lock' : '');
const BASELINE = process.env.SELF_TRACE_BENCH_BASELINE !== '0';
const RESULTS_JSON = path.resolve('bench', 'results', 'real-models.json');
const RESULTS_MD = path.resolve('bench', 'results', 'real-models.md');
const REF = 'tools/reference/attribution_families_bench_ref.py';

interface SetSpec {
  repo: string;
  n: number;
  layout: 'circuit-tracer' | 'gemmascope';
  skip: boolean;
  /** how the set is described in the results */
  note: string;
}
interface Case {
  key: string;
  model: ModelShape;
  set: SetSpec;
  cache: string;
}

/**
 * Published widths (bench/publishedShapes.ts SETS; shared/research/model-families.md §3.6):
 *  - mntss/transcoder-Llama-3.2-1B: 16 × layer_{l}.safetensors, BF16 W_enc/W_dec [131072, 2048], W_skip.
 *  - GemmaScope 16k (mntss/gemma-scope-transcoders → google/gemma-scope-2b-pt-transcoders width_16k params.npz):
 *    fp32, W_enc [2304, 16384], JumpReLU threshold, no skip.
 *  - mwhanna/qwen3-0.6b-transcoders-lowl0: 28 × layer_{l}.safetensors of 640 MiB (model-families.md, third-party
 *    listing) = exactly W_enc + W_dec [163840, 1024] in BF16; a reader of that set (a Rust project's transcoder
 *    module, found with the search tool) refuses W_skip and states "163,840-feature Qwen3-0.6B transcoders
 *    (671 MB each in f32)". So 163,840 features and no W_skip (a W_skip would make the file 642 MiB).
 */
function cases(): Case[] {
  if (!SMALL) {
    const [llama, gs] = SETS;
    return [
      { key: 'Qwen3-0.6B', model: MODELS['Qwen3-0.6B'], cache: CACHE, set: { repo: 'mwhanna/qwen3-0.6b-transcoders-lowl0', n: 163840, layout: 'circuit-tracer', skip: false, note: '28 × 163,840 ReLU, BF16, no skip' } },
      { key: 'Llama-3.2-1B', model: MODELS['Llama-3.2-1B'], cache: CACHE, set: { repo: llama.repo, n: llama.n, layout: 'circuit-tracer', skip: true, note: '16 × 131,072 ReLU, BF16, W_skip' } },
      { key: 'Gemma-2-2B', model: MODELS['Gemma-2-2B'], cache: CACHE, set: { repo: gs.repo, n: gs.n, layout: 'gemmascope', skip: false, note: '26 × 16,384 JumpReLU, fp32 params.npz' } },
    ];
  }
  // the same families, layouts and hooks at a size that runs in minutes (the harness's own test)
  const small = (m: ModelShape): ModelShape => ({ ...m, L: 4, d: 256, F: 768, H: 4, Hkv: 2, hd: 64, V: 4096 });
  const cache = path.join(ROOT, 'small', 'hub');
  return [
    { key: 'Qwen3-0.6B', model: small(MODELS['Qwen3-0.6B']), cache, set: { repo: 'small/qwen3-plt', n: 8192, layout: 'circuit-tracer', skip: false, note: 'small' } },
    { key: 'Llama-3.2-1B', model: small(MODELS['Llama-3.2-1B']), cache, set: { repo: 'small/llama-plt', n: 8192, layout: 'circuit-tracer', skip: true, note: 'small' } },
    { key: 'Gemma-2-2B', model: small(MODELS['Gemma-2-2B']), cache, set: { repo: 'small/gemmascope', n: 4096, layout: 'gemmascope', skip: false, note: 'small' } },
  ];
}

const exists = (cache: string, repo: string) => fs.existsSync(path.join(cache, `models--${repo.replace(/\//g, '--')}`, 'refs', 'main'));
const snapshot = (cache: string, repo: string) => {
  const dir = path.join(cache, `models--${repo.replace(/\//g, '--')}`);
  return path.join(dir, 'snapshots', fs.readFileSync(path.join(dir, 'refs', 'main'), 'utf8').trim());
};

/** the random checkpoint and its transcoder set in the cache, unless there */
function prepare(c: Case): void {
  const m = c.model;
  const repo = `random/${c.key}`;
  if (!exists(c.cache, repo)) {
    const files: Record<string, (f: string) => void> = {
      'config.json': text(JSON.stringify(checkpointConfig(m), null, 2)),
      'model.safetensors': (f) => writeBf16(f, checkpointTensors(m)),
    };
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) files[f] = (to) => fs.copyFileSync(path.join(m.tokenizerFrom, f), to);
    writeCachedRepo(c.cache, repo, files);
  }
  if (exists(c.cache, c.set.repo)) return;
  if (!SMALL && c.key !== 'Qwen3-0.6B') return writeSets(); // the full-size Llama and GemmaScope sets are shared with transcoderMemory
  const { d, L } = m;
  const n = c.set.n;
  const a = Math.sqrt(3 / d);
  const files: Record<string, (f: string) => void> = {};
  if (c.set.layout === 'gemmascope') {
    for (let l = 0; l < L; l++) {
      files[`layer_${l}/params.npz`] = (f) =>
        writeNpz(f, {
          W_enc: { shape: [d, n], data: uniform(d * n, a, 200 + l) },
          W_dec: { shape: [n, d], data: uniform(n * d, 0.3 * a, 300 + l) },
          threshold: { shape: [n], data: new Float32Array(n).fill(SMALL ? 2 : 2.5) },
          b_enc: { shape: [n], data: new Float32Array(n) },
          b_dec: { shape: [d], data: new Float32Array(d) },
        });
    }
    files['config.yaml'] = text(`model_kind: transcoder_set\nfeature_input_hook: ln2.hook_normalized\nfeature_output_hook: hook_mlp_out\ntranscoders:\n${Array.from({ length: L }, (_, l) => `  - layer_${l}/params.npz`).join('\n')}\n`);
  } else {
    files['config.yaml'] = text(`model_name: ${m.name}\nmodel_kind: transcoder_set\nfeature_input_hook: mlp.hook_in\nfeature_output_hook: mlp.hook_out\n`);
    for (let l = 0; l < L; l++) {
      files[`layer_${l}.safetensors`] = (f) =>
        writeBf16(f, [
          { name: 'W_enc', shape: [n, d], fill: tiled(a, 500 + l) },
          { name: 'W_dec', shape: [n, d], fill: tiled(0.3 * a, 540 + l) },
          ...(c.set.skip ? [{ name: 'W_skip', shape: [d, d], fill: tiled(0.1 * a, 580 + l) }] : []),
          { name: 'b_enc', shape: [n], fill: tiled(0.1, 620 + l, SMALL ? -2 : -3) }, // ≈ 0.1 % of features active at full size
          { name: 'b_dec', shape: [d], fill: tiled(0.02, 660 + l) },
        ]);
    }
  }
  writeCachedRepo(c.cache, c.set.repo, files);
}

// ------------------------------------------------------------------------------------------------ engine (child)

const peakMiB = () => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
/** resets the kernel's peak-RSS mark to the current RSS, so the next peakMiB() is the peak of what follows */
const resetPeak = () => {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or not allowed: the peak then also covers what came before
  }
};
const cpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * The cores' fp32 GEMM throughput: the best of 5 rounds of 4 products of [4096, K] × [K, N] over three shapes — the
 * model's square [d, d], its attention output [d, H·d_head] and [1024, 1024] — because one shape alone can land on a
 * slow path of the GEMM (Gemma-2's d = 2304 square ran at half the others'), and the bound should be what the cores can
 * do. Other jobs share the cores: the best round is the one least disturbed.
 */
async function matmulGflops(m: ModelShape): Promise<number> {
  let best = 0;
  for (const [K, N] of [[m.d, m.d], [m.d, m.H * m.hd], [1024, 1024]]) {
    const g = new GraphBuilder('mm');
    g.output(g.matmul(g.input('a', [4096, K]), g.constant(uniform(K * N, 1, 5), [K, N])), 'c');
    const s = await GraphSession.create(g.toBytes(), { threads: THREADS });
    const a = uniform(4096 * K, 1, 6);
    for (let i = 0; i < 2; i++) await s.run({ a: { data: a, dims: [4096, K] } });
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      for (let i = 0; i < 4; i++) await s.run({ a: { data: a, dims: [4096, K] } });
      best = Math.max(best, (4 * 2 * 4096 * K * N) / ((performance.now() - t) / 1000) / 1e9);
    }
    s.dispose();
  }
  return best;
}

const promptIds = (bos: number) => [bos, ...Array.from({ length: P - 1 }, (_, i) => 3 + ((i * 37) % 200))];

async function measure(c: Case): Promise<Record<string, unknown>> {
  process.env.HF_HUB_CACHE = c.cache;
  const out: Record<string, unknown> = {};
  let t = performance.now();
  const model = await loadModel(resolveLocation(`random/${c.key}`, 'Model'), { threads: THREADS });
  out.loadModelS = (performance.now() - t) / 1000;
  out.rssAfterModelMiB = process.memoryUsage().rss / 2 ** 20;
  t = performance.now();
  const tc = loadTranscoders(c.set.repo);
  const at = await Attributor.create(attributionModel(model), tc, { threads: THREADS });
  out.loadTranscodersS = (performance.now() - t) / 1000;
  const ids = promptIds(model.config.bosTokenId ?? 2);
  out.ids = ids;
  const fw: number[] = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    await model.forward(ids);
    fw.push(performance.now() - t);
  }
  out.forwardTokensPerS = P / (Math.min(...fw) / 1000);
  for (const M of BUDGETS) {
    resetPeak();
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    const c0 = cpuS();
    // CPU time at each phase's first progress report; 'logits' is first reported after the (single, ≤ 10-row) logit batch
    const phaseCpu: Record<string, number> = {};
    const onProgress = (p: { phase: string }) => {
      phaseCpu[p.phase] ??= cpuS() - c0;
    };
    t = performance.now();
    const r = await at.attribute(ids, { maxFeatureNodes: M, onProgress });
    const wallS = (performance.now() - t) / 1000;
    const cpu = cpuS() - c0;
    out[`trace${M}`] = {
      wallS,
      cpuS: cpu,
      cpuForwardEncodersAndLogitRowsS: phaseCpu.logits,
      cpuFeatureRowsAndPackagingS: cpu - (phaseCpu.logits ?? 0),
      active: r.graph.activeFeatures.layer.length,
      selected: r.graph.selectedFeatures.length,
      logits: r.targets.targets.length,
      backwardGflop: r.backwardFlops / 1e9,
      backwardS: ((r.timings.logits ?? 0) + (r.timings.features ?? 0)) / 1000,
      timings: r.timings,
      rssBeforeMiB: rssBefore,
      peakMiB: peakMiB(),
    };
    process.stderr.write(`${c.key} ${M}: ${JSON.stringify(out[`trace${M}`])}\n`);
  }
  at.dispose();
  tc.close();
  model.dispose();
  out.matmulGflops = await matmulGflops(c.model);
  out.processPeakMiB = peakMiB();
  return out;
}

// ------------------------------------------------------------------------------------------------ parent

/** runs a command (under the lock), sampling the 1-minute load average every 5 s; returns stdout */
async function runSampled(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; load: number[]; waitedS: number }> {
  const [c, a] = LOCK ? ['flock', [LOCK, cmd, ...args]] : [cmd, args];
  const t0 = Date.now();
  let started = 0;
  const load: number[] = [];
  const child = spawn(c, a, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => {
    started ||= Date.now();
    process.stderr.write(b);
  });
  const timer = setInterval(() => load.push(os.loadavg()[0]), 5000);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  return { status, stdout, load, waitedS: started ? (started - t0) / 1000 : 0 };
}

const summary = (xs: number[]) => (xs.length ? { mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs), n: xs.length } : undefined);

/** circuit-tracer's batch as the engine sizes it (attribute.ts batchRows), so both do the same passes */
const engineBatch = (d: number, nSources: number) => Math.max(1, Math.min(256, Math.floor(2 ** 22 / (P * d)), Math.floor(2 ** 24 / nSources)));

function checkBaseline(): Record<string, unknown> {
  const fixtures = [
    ['test/fixtures/families/llama', 'transcoders'],
    ['test/fixtures/families/qwen3', 'transcoders'],
    ['test/fixtures/attribution/gemma2-plt-normalized', 'transcoders-gemmascope'],
    ['test/fixtures/attribution/gemma3-plt-hookin-skip', 'transcoders'],
  ];
  const out: Record<string, unknown> = {};
  for (const [dir, tcs] of fixtures) {
    const e = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    const b = e.budget;
    const r = spawnSync('/usr/bin/python3', [REF, dir, path.join(dir, tcs), JSON.stringify(e.ids), String(b.max_feature_nodes), String(b.batch_size), '2', String(b.update_interval), '--check', path.join(dir, 'expected.safetensors')], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '2' },
    });
    if (r.status !== 0) throw new Error(`baseline check on ${dir} failed:\n${r.stderr}`);
    const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    if (!(j.check_max_rel_error < 1e-4) || j.check_selected_equal !== true) throw new Error(`baseline disagrees with ${dir}: ${r.stdout}`);
    out[path.basename(dir)] = { maxRelError: j.check_max_rel_error, rows: j.check_rows, selectedEqual: j.check_selected_equal };
  }
  return out;
}

function commit(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', 'src'], { encoding: 'utf8' }).stdout.trim() ? '+dirty src' : '';
  return r.stdout.trim() + dirty;
}

interface Entry {
  model: string;
  budget: number;
  scale: 'full' | 'small';
  [k: string]: unknown;
}

function readResults(): { entries: Entry[]; [k: string]: unknown } {
  try {
    return JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8'));
  } catch {
    return { entries: [] };
  }
}

function writeAtomic(file: string, body: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, body);
  fs.renameSync(`${file}.tmp`, file);
}

const f1 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(1));
const f0 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(0));

function renderMarkdown(all: { entries: Entry[]; baselineCheck?: unknown }): string {
  const rows = (scale: string) =>
    all.entries
      .filter((e) => e.scale === scale)
      .sort((a, b) => a.model.localeCompare(b.model) || a.budget - b.budget)
      .map((e: any) => {
        const x = e.engine;
        const b = e.baseline;
        // the bound divides by the best GEMM rate measured on this machine by the runs of this scale in the table: one run's own
        // measurement drops when other jobs share the cores (250–347 GFLOP/s across runs), which would flatter it
        const peak = Math.max(...all.entries.filter((o) => o.scale === scale && o.machine === e.machine).map((o: any) => o.matmulGflops ?? 0));
        const bound = x.backwardGflop / peak;
        return (
          `| ${e.modelName} + ${e.transcoders} (${e.setNote}) | ${e.budget} | ${x.active} / ${x.selected} | **${f1(x.wallS)}** (CPU ${f0(x.cpuS)}; forward + encoders ${f1(x.timings.forward / 1000)}, backward ${f1(x.backwardS)}) ` +
          `| ${f0(x.backwardGflop)} GFLOP ÷ ${f1(peak)} GFLOP/s = ${f1(bound)} s → **${f0((100 * bound) / x.backwardS)} %** (this run's GEMM: ${f1(e.matmulGflops)}) ` +
          `| ${b ? `${f1(b.seconds)} (CPU ${f0(b.cpu_seconds)}; setup ${f1(b.times.setup)}, backward ${f1(b.times.logits + b.times.features)}), ${f0(b.peak_rss_mib)} MiB` : b === null ? 'failed' : 'not run'} ` +
          `| ${b ? `**${(x.wallS / b.seconds).toFixed(2)}** (CPU ${(x.cpuS / b.cpu_seconds).toFixed(2)})${e.baselineFrom ? ` baseline of ${e.baselineFrom}` : ''}` : '—'} | ${f1(e.forwardTokensPerS)} | **${f0(x.peakMiB)}** | ${e.load ? `${f1(e.load.engine?.mean)} / ${f1(e.load.baseline?.mean)}` : '—'} | ${e.date} ${e.commit} |`
        ) + (e.history?.length ? `\n| ↳ earlier engine runs | | | ${e.history.map((h: any) => `${f1(h.wallS)} (CPU ${f0(h.cpuS)}, load ${f1(h.load)}, ${h.date} ${h.commit})`).join('; ')} | | | | | ${e.history.map((h: any) => f0(h.peakMiB)).join(', ')} | | |` : '');
      });
  const head =
    '| model + transcoders | max_feature_nodes | active / selected features | engine trace wall (s) | backward FLOPs ÷ the cores’ best GEMM rate in these runs = bound → efficiency | PyTorch baseline wall (s), peak RSS | engine ÷ PyTorch, wall (aim ≤ 0.5) and CPU | forward tokens/s | engine peak RSS in the trace (MiB; aim < 20,480) | load avg engine / baseline | run |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|';
  const full = rows('full');
  const small = rows('small');
  return (
    '# Real-size models: trace time, memory and a PyTorch baseline (issue 12)\n\n' +
    'Written by `npm run bench realModels` (bench/realModels.bench.ts) from bench/results/real-models.json; do not edit the\n' +
    'tables by hand (the notes at the end are kept). Random BF16 checkpoints with the exact config shapes, loaded by repo id\n' +
    'from a Hugging Face cache, with random transcoders at the published widths and in the published layouts; 16-token\n' +
    `prompt; engine: onnxruntime-node CPU, ${THREADS} intra-op threads; baseline: Debian PyTorch, ${THREADS} threads, circuit-tracer's batched\n` +
    'algorithm (tools/reference/attribution_families_bench_ref.py), run right after the engine in the same invocation, on\n' +
    'the same token ids and batch size. The machine has 2 cores shared with other engineers\' jobs: wall times are upper\n' +
    'bounds; CPU time is the process\'s own work (user + system, all threads); "load avg" is the mean 1-minute load while each\n' +
    'ran. Peak RSS: the kernel\'s high-water mark, reset before the trace (model and transcoder handles already loaded).\n\n' +
    '## Full size\n\n' +
    (full.length ? `${head}\n${full.join('\n')}\n` : '_not run yet_\n') +
    (small.length ? `\n## Small shapes (the harness's own check; L 4, d 256, V 4096)\n\n${head}\n${small.join('\n')}\n` : '') +
    (all.baselineCheck ? `\nBaseline checked against the fixtures' autograd adjacencies before the runs (max error relative to the largest edge; same selected features): ${Object.entries(all.baselineCheck as Record<string, any>).map(([k, v]) => `${k} ${v.maxRelError.toExponential(1)}`).join(', ')}.\n` : '')
  );
}

function writeResults(all: { entries: Entry[] }): void {
  writeAtomic(RESULTS_JSON, `${JSON.stringify(all, null, 1)}\n`);
  const notesMark = '<!-- notes: kept across runs -->';
  const old = fs.existsSync(RESULTS_MD) ? fs.readFileSync(RESULTS_MD, 'utf8') : '';
  const notes = old.includes(notesMark) ? old.slice(old.indexOf(notesMark)) : `${notesMark}\n`;
  writeAtomic(RESULTS_MD, `${renderMarkdown(all)}\n${notes}`);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const c = cases().find((x) => x.key === process.argv[3])!;
    process.stdout.write(JSON.stringify(await measure(c)));
    return;
  }
  const keys = (process.env.SELF_TRACE_BENCH_MODELS ?? 'Llama-3.2-1B,Qwen3-0.6B,Gemma-2-2B').split(',');
  const chosen = cases().filter((c) => keys.includes(c.key));
  for (const c of chosen) fs.mkdirSync(c.cache, { recursive: true });
  if (process.argv[2] === '--render') {
    writeResults(readResults()); // the markdown again from the JSON (the notes kept), nothing run
    return;
  }
  if (process.argv[2] === '--prepare') {
    for (const c of chosen) prepare(c);
    return;
  }
  const all = readResults();
  const runCommit = commit(); // the code the children run: the tree at the start
  if (BASELINE) {
    all.baselineCheck = checkBaseline();
    console.log('baseline agrees with the fixtures:', JSON.stringify(all.baselineCheck));
  }
  for (const c of chosen) {
    const t = performance.now();
    prepare(c);
    console.log(`${c.key}: random checkpoint and transcoders ready in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    const engine = await runSampled(process.execPath, [__filename, '--child', c.key], process.env);
    if (engine.status !== 0) {
      console.error(`${c.key}: the engine's run failed (exit ${engine.status})`);
      continue;
    }
    const m = JSON.parse(engine.stdout);
    for (const M of BUDGETS) {
      const x = m[`trace${M}`];
      let baseline: unknown;
      let baseLoad: number[] = [];
      if (BASELINE) {
        const B = engineBatch(c.model.d, x.active + (c.model.L + 1) * P);
        const r = await runSampled('/usr/bin/python3', [REF, snapshot(c.cache, `random/${c.key}`), snapshot(c.cache, c.set.repo), JSON.stringify(m.ids), String(M), String(B), String(THREADS)], {
          ...process.env,
          HF_HUB_CACHE: c.cache,
          OMP_NUM_THREADS: String(THREADS),
        });
        baseline = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)!) : null;
        baseLoad = r.load;
        console.log(`${c.key} ${M} baseline:`, r.status === 0 ? r.stdout.trim() : `failed (exit ${r.status})`);
      }
      const entry: Entry = {
        model: c.key,
        budget: M,
        scale: SMALL ? 'small' : 'full',
        modelName: c.model.name,
        transcoders: c.set.repo,
        setNote: c.set.note,
        date: new Date().toISOString().slice(0, 16).replace('T', ' '),
        commit: runCommit,
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
        engine: x,
        baseline,
        matmulGflops: m.matmulGflops,
        forwardTokensPerS: m.forwardTokensPerS,
        loadModelS: m.loadModelS,
        loadTranscodersS: m.loadTranscodersS,
        load: { engine: summary(engine.load), baseline: summary(baseLoad) },
      };
      const prev = all.entries.find((e) => e.model === entry.model && e.budget === entry.budget && e.scale === entry.scale) as any;
      if (prev) {
        // a run of the engine only keeps the last baseline (marked with its date); earlier engine runs stay as history
        if (!BASELINE && prev.baseline) Object.assign(entry, { baseline: prev.baseline, baselineFrom: prev.baselineFrom ?? prev.date, load: { ...(entry.load as object), baseline: prev.load?.baseline } });
        const { history = [], ...rest } = prev;
        entry.history = [...history, { date: rest.date, commit: rest.commit, wallS: rest.engine.wallS, cpuS: rest.engine.cpuS, backwardS: rest.engine.backwardS, peakMiB: rest.engine.peakMiB, load: rest.load?.engine?.mean }].slice(-4);
      }
      all.entries = all.entries.filter((e) => e !== prev);
      all.entries.push(entry);
      writeResults(all);
    }
  }
  console.log(`written: ${path.relative(process.cwd(), RESULTS_MD)}, ${path.relative(process.cwd(), RESULTS_JSON)}`);
}

void main();
