// Transcoder memory at published widths (issue 12): random sets with the exact shapes and stored dtypes of
// mntss/transcoder-Llama-3.2-1B (16 × layer_{i}.safetensors, BF16, 131,072 features, d 2048, W_skip) and of the
// GemmaScope Gemma-2-2B 16k set (26 × params.npz, fp32, 16,384 features, d 2304, JumpReLU) are written once to
// /tmp/self-tracing-bench (never committed). Each set then goes through what a 16-token trace does with
// transcoders — load, encode every layer, keep the active features' encoder rows and read their decoder rows — in a
// process of its own, so its peak RSS is its own. Run: npm run bench transcoderMemory
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { applyActivation, loadTranscoders } from '../src/engine/model/transcoders';
import { TranscoderEncoder } from '../src/engine/onnx/transcoderGraphs';
import { CACHE, ROOT, SETS, writeSets } from './publishedShapes';
import { uniform } from './random';
import { writeSection } from './results';

const P = 16;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** peak resident set so far, from the kernel (MiB) */
function peakMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}
const rssMiB = () => process.memoryUsage().rss / MiB;

/** one set, in this process: what a trace does with its transcoders */
async function measure(s: (typeof SETS)[number]): Promise<Record<string, number>> {
  const out: Record<string, number> = { startPeak: peakMiB() };
  let t = performance.now();
  const tc = loadTranscoders(s.repo, { env: { HF_HUB_CACHE: CACHE } });
  out.loadS = (performance.now() - t) / 1000;
  out.afterLoadRss = rssMiB();
  const encoder = await TranscoderEncoder.create(tc, { threads: 2 });
  t = performance.now();
  let active = 0;
  const kept: Float32Array[] = [];
  for (let l = 0; l < tc.nLayers; l++) {
    const u = uniform(P * s.d, Math.sqrt(3), 900 + l); // unit-variance inputs
    const { pre, skip } = await encoder.layer(l, u, P);
    kept.push(pre);
    if (skip) kept.push(skip);
    const feats: number[] = [];
    for (let p = 1; p < P; p++) {
      const a = Float32Array.from(pre.subarray(p * s.n, (p + 1) * s.n));
      applyActivation(tc.activation, a, tc.layers[l].threshold);
      a.forEach((v, f) => v !== 0 && feats.push(f));
    }
    active += feats.length;
    kept.push(tc.encoderRows(l, feats), tc.decoderRows(l, feats));
  }
  out.encodeS = (performance.now() - t) / 1000;
  out.active = active;
  out.keptMiB = kept.reduce((x, k) => x + k.byteLength, 0) / MiB;
  out.peak = peakMiB();
  encoder.dispose();
  tc.close();
  return out;
}

async function main(): Promise<void> {
  const which = process.argv[2];
  if (which) {
    const s = SETS.find((x) => x.name === which)!;
    process.stdout.write(JSON.stringify(await measure(s)));
    return;
  }
  const t0 = performance.now();
  fs.mkdirSync(ROOT, { recursive: true });
  writeSets();
  console.log(`random sets ready in ${((performance.now() - t0) / 1000).toFixed(0)} s under ${CACHE}`);
  const rows: string[] = [];
  for (const s of SETS) {
    const r = spawnSync(process.execPath, [__filename, s.name], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`${s.name}: ${r.stderr}`);
    const m = JSON.parse(r.stdout) as Record<string, number>;
    const fp32 = (s.L * s.n * s.d * 4) / GiB;
    rows.push(
      `| ${s.repo} | ${s.L} × ${s.n.toLocaleString('en')} × ${s.d} | ${(2 * fp32).toFixed(1)} GiB | ${m.loadS.toFixed(1)} | ${m.encodeS.toFixed(1)} | ${m.active} | ${m.keptMiB.toFixed(0)} | ${m.afterLoadRss.toFixed(0)} | **${m.peak.toFixed(0)}** |`,
    );
    console.log(s.repo, m);
  }
  writeSection(
    'transcoder-memory',
    'Transcoder memory at published widths (random weights, 16 positions)',
    'Load, encode all layers one at a time, keep the active features\' encoder rows and read their decoder rows (what a\n' +
      '16-token trace does with its transcoders). Encoders and decoders as fp32 all at once would take the column\n' +
      '"fp32 all"; the engine keeps one layer\'s encoder in memory at a time and reads decoder rows of active features only.\n\n' +
      '| set (layout) | layers × features × d_model | fp32 all (enc + dec) | load (s) | encode all layers (s) | active features | kept: pre-activations, skips, rows (MiB) | RSS after load (MiB) | peak RSS (MiB) |\n' +
      '|---|---|---|---|---|---|---|---|---|\n' +
      rows.join('\n') +
      `\n\nLlama set: BF16 safetensors as published; GemmaScope: fp32 params.npz as published. Machine: ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(0)} at the end (shared), so times are upper bounds; peak RSS is the process's own.\n`,
  );
}

void main();
