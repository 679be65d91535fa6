// Issue 12, the model alone at real size: load (config, weights, forward graph, session), a 16-token forward pass
// (tokens/s, best of 3 after one warm-up run), the RSS the weights and sessions hold, and one backward layer
// session per layer built (what a trace's sessions add on top of the forward: their copies of weights). Random BF16 checkpoints with the exact shapes of
// Qwen3-0.6B, Llama-3.2-1B and Gemma-2-2B from the benchmark cache (bench/realModels.bench.ts writes them; this
// bench writes them too when missing). Each model runs in a process of its own; the results go to
// bench/results/real-forward.json (appended: one record per run, with the commit and the load average) and to a
// section of RESULTS.md. Run: npm run bench realForward (SELF_TRACE_BENCH_MODELS=Llama-3.2-1B,… to choose).
import { execSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveLocation } from '../src/engine/model/hfCache';
import { loadModel } from '../src/engine/model/model';
import type { GraphBytes } from '../src/engine/onnx/builder';
import { type Feed, GraphSession } from '../src/engine/onnx/session';
import { text, writeCachedRepo } from '../tools/transcoderLayouts';
import { CACHE, checkpointConfig, checkpointTensors, MODELS, writeBf16 } from './publishedShapes';
import { writeSection } from './results';

const THREADS = 2;
const P = 16;
const JSON_FILE = path.resolve('bench', 'results', 'real-forward.json');
const status = () => fs.readFileSync('/proc/self/status', 'utf8');
const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())![1]) / 1024;

function ensureModel(key: string): void {
  const m = MODELS[key];
  if (fs.existsSync(path.join(CACHE, `models--random--${key}`, 'refs', 'main'))) return;
  const files: Record<string, (f: string) => void> = {
    'config.json': text(JSON.stringify(checkpointConfig(m), null, 2)),
    'model.safetensors': (f) => writeBf16(f, checkpointTensors(m)),
  };
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) files[f] = (to) => fs.copyFileSync(path.join(m.tokenizerFrom, f), to);
  writeCachedRepo(CACHE, `random/${key}`, files);
}

async function measure(key: string): Promise<Record<string, number>> {
  process.env.HF_HUB_CACHE = CACHE;
  const out: Record<string, number> = { rssBeforeMiB: kib('VmRSS') };
  let t = performance.now();
  const model = await loadModel(resolveLocation(`random/${key}`, 'Model'), { threads: THREADS });
  out.loadS = (performance.now() - t) / 1000;
  out.rssAfterLoadMiB = kib('VmRSS');
  const ids = [model.config.bosTokenId ?? 2, ...Array.from({ length: P - 1 }, (_, i) => 3 + ((i * 37) % 200))];
  t = performance.now();
  await model.forward(ids);
  out.firstForwardS = (performance.now() - t) / 1000;
  const fw: number[] = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    await model.forward(ids);
    fw.push(performance.now() - t);
  }
  out.forwardS = Math.min(...fw) / 1000;
  out.forwardTokensPerS = P / out.forwardS;
  out.rssAfterForwardMiB = kib('VmRSS');
  // the backward layer sessions of a trace (no transcoder skip), as the Attributor holds them (layers whose graphs
  // serialise to the same bytes share one session, fed each layer's weights), built, then each layer run once on a
  // batch of B rows as a 2048-feature trace runs them (what the sessions and their onnxruntime arenas keep)
  const f = model.family;
  const { dModel: d, nHeads: H } = model.config;
  t = performance.now();
  const byHash = new Map<string, GraphSession>();
  const layers: { s: GraphSession; weights: GraphBytes['weights'] }[] = [];
  for (let l = 0; l < model.config.nLayers; l++) {
    const bytes: GraphBytes = f.backwardLayerGraph(model.config, model.weights, { layer: l, entry: false, inputHook: 'mlp.hook_in' });
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (!byHash.has(hash)) byHash.set(hash, await GraphSession.create(bytes, { threads: THREADS }));
    layers.push({ s: byHash.get(hash)!, weights: bytes.weights });
  }
  out.backwardSessions = byHash.size;
  out.backwardSessionsS = (performance.now() - t) / 1000;
  out.rssAfterBackwardSessionsMiB = kib('VmRSS');
  const B = Math.min(256, Math.floor(2 ** 22 / (P * d)));
  const M = 180; // ≈ 43,576 active features of a Llama-3.2-1B 16-token trace / 16 layers / 15 positions
  const fill = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.01);
  t = performance.now();
  for (const { s, weights } of layers) {
    const slots = s.inputNames.includes('slot_pos');
    const S = slots ? 2 * P : P;
    const feed: Feed = {};
    for (const name of s.inputNames) {
      if (name === 'grad_in') feed[name] = { data: fill(B * P * d), dims: [B, P, d] };
      else if (name === 'pattern') feed[name] = { data: new Float32Array(H * P * P).fill(1 / P), dims: [1, H, P, P] };
      else if (name.startsWith('scale.')) feed[name] = { data: new Float32Array(P).fill(1), dims: [P, 1] };
      else if (name === 'decoders') feed[name] = { data: fill(S * d * M), dims: [S, d, M] };
      else if (name === 'slot_pos') feed[name] = { data: BigInt64Array.from({ length: S }, (_, i) => BigInt(i % P)), dims: [S] };
      else feed[name] = { data: fill(P * d), dims: [P, d] }; // errors, tokens
    }
    await s.run(feed, undefined, weights);
  }
  out.backwardRunS = (performance.now() - t) / 1000;
  out.backwardBatch = B;
  out.rssAfterBackwardRunMiB = kib('VmRSS');
  for (const s of byHash.values()) s.dispose();
  out.peakMiB = kib('VmHWM');
  model.dispose();
  return out;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await measure(process.argv[3])));
    return;
  }
  const keys = (process.env.SELF_TRACE_BENCH_MODELS ?? 'Qwen3-0.6B,Llama-3.2-1B,Gemma-2-2B').split(',');
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim() + (execSync('git status --porcelain src', { encoding: 'utf8' }).trim() ? '+changes' : '');
  } catch {
    /* not a checkout */
  }
  const records: Record<string, unknown>[] = fs.existsSync(JSON_FILE) ? JSON.parse(fs.readFileSync(JSON_FILE, 'utf8')) : [];
  const rows: string[] = [];
  for (const key of keys) {
    ensureModel(key);
    const load0 = os.loadavg()[0];
    const r = spawnSync(process.execPath, [__filename, '--child', key], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
    const load1 = os.loadavg()[0];
    const m = r.status === 0 ? (JSON.parse(r.stdout) as Record<string, number>) : undefined;
    const rec = { date: new Date().toISOString(), commit, model: MODELS[key].name, threads: THREADS, positions: P, loadAverage: [load0, load1], ...(m ?? { failed: `exit ${r.status} ${r.signal ?? ''}` }) };
    records.push(rec);
    console.log(JSON.stringify(rec));
    rows.push(
      m
        ? `| ${MODELS[key].name} | ${m.loadS.toFixed(1)} | ${m.rssAfterLoadMiB.toFixed(0)} | ${m.firstForwardS.toFixed(1)} | **${m.forwardTokensPerS.toFixed(1)}** | ${m.rssAfterForwardMiB.toFixed(0)} | ${m.backwardSessions} | ${m.rssAfterBackwardSessionsMiB.toFixed(0)} | ${m.rssAfterBackwardRunMiB.toFixed(0)} | **${m.peakMiB.toFixed(0)}** | ${load0.toFixed(0)}–${load1.toFixed(0)} |`
        : `| ${MODELS[key].name} | failed: exit ${r.status} ${r.signal ?? ''} | | | | | | | | | |`,
    );
  }
  fs.mkdirSync(path.dirname(JSON_FILE), { recursive: true });
  fs.writeFileSync(JSON_FILE + '.tmp', JSON.stringify(records, null, 1) + '\n');
  fs.renameSync(JSON_FILE + '.tmp', JSON_FILE);
  writeSection(
    'real-forward',
    'The model alone at real size: load, forward, resident memory (issue 12)',
    `Random BF16 checkpoints with the exact shapes, loaded by repo id from a Hugging Face cache; ${P}-token forward, ${THREADS} onnxruntime threads, ` +
      `commit ${commit}; ${os.cpus().length} cores shared with other jobs (1-minute load average before–after each model in the last column), so times are upper bounds. ` +
      'RSS columns: after load; after the forward runs; with the backward layer sessions built (as many as the Attributor holds); after running each layer once on a batch of rows as a trace does. Every run is also in bench/results/real-forward.json.\n\n' +
      '| model | load (s) | RSS after load (MiB) | first forward (s) | forward tokens/s | RSS after forward (MiB) | backward layer sessions | RSS with them (MiB) | after a run of each layer (MiB) | peak RSS (MiB) | load average |\n' +
      '|---|---|---|---|---|---|---|---|---|---|---|\n' +
      rows.join('\n') +
      '\n',
  );
}

void main();
