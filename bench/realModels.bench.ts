// Issue 12's benchmark: random weights with the exact shapes of Qwen3-0.6B, Llama-3.2-1B and Gemma-2-2B, written in
// their Hugging Face layout (BF16 safetensors) with their published transcoder widths, into a Hugging Face cache
// under /tmp/self-tracing-bench (never committed); each model loads by repo id in a process of its own and traces a
// 16-token prompt at max_feature_nodes 2048 and 7500: wall time, peak RSS, backward FLOPs over the measured matmul
// throughput, forward tokens/s. Run: npm run bench realModels [-- MODEL…] (SELF_TRACE_BENCH_MODELS=Llama-3.2-1B,…)
import { spawnSync } from 'node:child_process';
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
import { text, writeCachedRepo } from '../tools/transcoderLayouts';
import { CACHE, checkpointConfig, checkpointTensors, MODELS, tiled, writeBf16, writeSets } from './publishedShapes';
import { uniform } from './random';
import { writeSection } from './results';

const THREADS = 2;
const P = 16;
const BUDGETS = (process.env.SELF_TRACE_BENCH_BUDGETS ?? '2048,7500').split(',').map(Number);
/** each model's published transcoders (hf repo in the cache); Qwen3-0.6B's width is 640 MiB per BF16 layer file (W_enc + W_dec + W_skip) ⇒ 163,840 */
const TRANSCODERS: Record<string, { repo: string; n?: number }> = {
  'Llama-3.2-1B': { repo: 'mntss/transcoder-Llama-3.2-1B' },
  'Gemma-2-2B': { repo: 'mntss/gemma-scope-transcoders' },
  'Qwen3-0.6B': { repo: 'mwhanna/qwen3-0.6b-transcoders-lowl0', n: 163840 },
};
const peakMiB = () => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

function writeModel(key: string): void {
  const m = MODELS[key];
  const repo = `random/${key}`;
  if (fs.existsSync(path.join(CACHE, `models--random--${key}`, 'refs', 'main'))) return;
  const files: Record<string, (f: string) => void> = {
    'config.json': text(JSON.stringify(checkpointConfig(m), null, 2)),
    'model.safetensors': (f) => writeBf16(f, checkpointTensors(m)),
  };
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) files[f] = (to) => fs.copyFileSync(path.join(m.tokenizerFrom, f), to);
  writeCachedRepo(CACHE, repo, files);
  if (key === 'Qwen3-0.6B' && !fs.existsSync(path.join(CACHE, 'models--mwhanna--qwen3-0.6b-transcoders-lowl0', 'refs', 'main'))) {
    const { d, L } = m;
    const n = TRANSCODERS[key].n!;
    const a = Math.sqrt(3 / d);
    const tc: Record<string, (f: string) => void> = {
      'config.yaml': text('model_name: Qwen/Qwen3-0.6B\nmodel_kind: transcoder_set\nfeature_input_hook: mlp.hook_in\nfeature_output_hook: mlp.hook_out\n'),
    };
    for (let l = 0; l < L; l++) {
      tc[`layer_${l}.safetensors`] = (f) =>
        writeBf16(f, [
          { name: 'W_enc', shape: [n, d], fill: tiled(a, 500 + l) },
          { name: 'W_dec', shape: [n, d], fill: tiled(0.3 * a, 540 + l) },
          { name: 'W_skip', shape: [d, d], fill: tiled(0.1 * a, 580 + l) },
          { name: 'b_enc', shape: [n], fill: tiled(0.1, 620 + l, -3) },
          { name: 'b_dec', shape: [d], fill: tiled(0.02, 660 + l) },
        ]);
    }
    writeCachedRepo(CACHE, TRANSCODERS[key].repo, tc);
  }
}

async function matmulGflops(d: number): Promise<number> {
  const g = new GraphBuilder('mm');
  g.output(g.matmul(g.input('a', [4096, d]), g.constant(uniform(d * d, 1, 5), [d, d])), 'c');
  const s = await GraphSession.create(g.toBytes(), { threads: THREADS });
  const a = uniform(4096 * d, 1, 6);
  await s.run({ a: { data: a, dims: [4096, d] } });
  const t = performance.now();
  for (let i = 0; i < 5; i++) await s.run({ a: { data: a, dims: [4096, d] } });
  s.dispose();
  return (5 * 2 * 4096 * d * d) / ((performance.now() - t) / 1000) / 1e9;
}

async function measure(key: string): Promise<Record<string, unknown>> {
  process.env.HF_HUB_CACHE = CACHE;
  const out: Record<string, unknown> = {};
  let t = performance.now();
  const model = await loadModel(resolveLocation(`random/${key}`, 'Model'), { threads: THREADS });
  out.loadModelS = (performance.now() - t) / 1000;
  out.rssAfterModel = process.memoryUsage().rss / 2 ** 20;
  t = performance.now();
  const tc = loadTranscoders(TRANSCODERS[key].repo);
  const at = await Attributor.create(attributionModel(model), tc, { threads: THREADS });
  out.loadTranscodersS = (performance.now() - t) / 1000;
  const ids = [model.config.bosTokenId ?? 2, ...Array.from({ length: P - 1 }, (_, i) => 3 + ((i * 37) % 200))];
  const fw: number[] = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    await model.forward(ids);
    fw.push(performance.now() - t);
  }
  out.forwardTokensPerS = P / (Math.min(...fw) / 1000);
  for (const M of BUDGETS) {
    t = performance.now();
    const r = await at.attribute(ids, { maxFeatureNodes: M });
    out[`trace${M}`] = {
      wallS: (performance.now() - t) / 1000,
      active: r.graph.activeFeatures.layer.length,
      selected: r.graph.selectedFeatures.length,
      backwardGflop: r.backwardFlops / 1e9,
      backwardS: ((r.timings.logits ?? 0) + (r.timings.features ?? 0)) / 1000,
      timings: r.timings,
      peakMiB: peakMiB(),
    };
    process.stderr.write(`${key} ${M}: ${JSON.stringify(out[`trace${M}`])}\n`);
  }
  at.dispose();
  tc.close();
  model.dispose();
  out.matmulGflops = await matmulGflops(MODELS[key].d);
  out.peakMiB = peakMiB();
  return out;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await measure(process.argv[3])));
    return;
  }
  const keys = (process.env.SELF_TRACE_BENCH_MODELS ?? 'Qwen3-0.6B,Llama-3.2-1B,Gemma-2-2B').split(',');
  fs.mkdirSync(CACHE, { recursive: true });
  writeSets();
  for (const key of keys) {
    const rows: string[] = [];
    const t = performance.now();
    writeModel(key);
    console.log(`${key}: random checkpoint ready in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    const r = spawnSync(process.execPath, [__filename, '--child', key], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) {
      rows.push(`| ${MODELS[key].name} | failed: exit ${r.status} ${r.signal ?? ''} | | | | | | |`);
    } else {
      const m = JSON.parse(r.stdout);
      const g = m.matmulGflops as number;
      for (const M of BUDGETS) {
        const x = m[`trace${M}`];
        const bound = x.backwardGflop / g;
        rows.push(
          `| ${MODELS[key].name} + ${TRANSCODERS[key].repo} | ${M} | ${x.active} / ${x.selected} | **${x.wallS.toFixed(1)}** (of which forward + encoders ${(x.timings.forward / 1000).toFixed(0)}) | ${x.backwardS.toFixed(1)} (${x.backwardGflop.toFixed(0)} GFLOP ÷ ${g.toFixed(0)} GFLOP/s = ${bound.toFixed(1)} s, ${((100 * bound) / x.backwardS).toFixed(0)} %) | ${(m.forwardTokensPerS as number).toFixed(1)} | ${(m.loadModelS as number).toFixed(0)} + ${(m.loadTranscodersS as number).toFixed(0)} | **${x.peakMiB.toFixed(0)}** |`,
        );
      }
    }
    writeSection(
      `real-models-${key}`,
      `${MODELS[key].name} shapes with ${TRANSCODERS[key].repo} widths (issue 12)`,
      `Random BF16 checkpoint with the exact config shapes, loaded by repo id from a Hugging Face cache, 16-token prompt, ${THREADS} onnxruntime threads; ` +
        `${os.cpus().length} cores shared with other jobs (load average ${os.loadavg()[0].toFixed(0)} at the end), so times are upper bounds.\n\n` +
        '| model + transcoders | max_feature_nodes | active / selected features | trace wall (s) | backward (s) vs FLOPs ÷ matmul throughput | forward tokens/s | load model + transcoders (s) | peak RSS (MiB) |\n' +
        '|---|---|---|---|---|---|---|---|\n' +
        rows.join('\n') +
        '\n',
    );
  }
}

void main();
