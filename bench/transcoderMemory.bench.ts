// Transcoder memory at published widths (issue 12): random sets with the exact shapes and stored dtypes of
// mntss/transcoder-Llama-3.2-1B (16 × layer_{i}.safetensors, BF16, 131,072 features, d 2048, W_skip) and of the
// GemmaScope Gemma-2-2B 16k set (26 × params.npz, fp32, 16,384 features, d 2304, JumpReLU) are written once to
// /tmp/self-tracing-bench (never committed). Each set then goes through what a 16-token trace does with
// transcoders — load, encode every layer, keep the active features' encoder rows and read their decoder rows — in a
// process of its own, so its peak RSS is its own. Run: npm run bench transcoderMemory
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyActivation, loadTranscoders } from '../src/engine/model/transcoders';
import { TranscoderEncoder } from '../src/engine/onnx/transcoderGraphs';
import { writeCachedRepo, writeNpz, text } from '../tools/transcoderLayouts';
import { uniform } from './random';
import { writeSection } from './results';

const ROOT = process.env.SELF_TRACE_BENCH_DIR ?? '/tmp/self-tracing-bench';
const CACHE = path.join(ROOT, 'hub');
const P = 16;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

interface SetShape {
  name: string;
  repo: string;
  L: number;
  d: number;
  n: number;
}
const SETS: SetShape[] = [
  { name: 'llama-plt', repo: 'mntss/transcoder-Llama-3.2-1B', L: 16, d: 2048, n: 131072 },
  { name: 'gemmascope-16k', repo: 'mntss/gemma-scope-transcoders', L: 26, d: 2304, n: 16384 },
];

/** peak resident set so far, from the kernel (MiB) */
function peakMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}
const rssMiB = () => process.memoryUsage().rss / MiB;

/** a BF16 safetensors file written row block by row block (the whole tensor is never in memory) */
function writeBf16(file: string, tensors: { name: string; shape: number[]; fill: (i0: number, out: Float32Array) => void }[]): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 2;
    header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = fs.openSync(file, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeSync(fd, len);
  fs.writeSync(fd, Buffer.from(json));
  const CHUNK = 1 << 22;
  const f32 = new Float32Array(CHUNK);
  const u32 = new Uint32Array(f32.buffer);
  const bf = new Uint16Array(CHUNK);
  for (const t of tensors) {
    const total = t.shape.reduce((a, b) => a * b, 1);
    for (let i0 = 0; i0 < total; i0 += CHUNK) {
      const n = Math.min(CHUNK, total - i0);
      t.fill(i0, f32.subarray(0, n));
      for (let i = 0; i < n; i++) bf[i] = u32[i] >>> 16;
      fs.writeSync(fd, new Uint8Array(bf.buffer, 0, n * 2));
    }
  }
  fs.closeSync(fd);
}

/**
 * a 16M-value random block per tensor, repeated (every 8192 rows of a 2048-wide matrix): cheap to generate; the
 * repetition changes which features fire together, not how many or how much memory they take
 */
function tiled(a: number, seed: number, shift = 0): (i0: number, out: Float32Array) => void {
  const block = uniform(1 << 24, a, seed);
  return (i0, out) => {
    for (let i = 0; i < out.length; i++) out[i] = block[(i0 + i) & ((1 << 24) - 1)] + shift;
  };
}

function writeSets(): void {
  const llama = SETS[0];
  const a = Math.sqrt(3 / llama.d);
  if (!fs.existsSync(path.join(CACHE, 'models--mntss--transcoder-Llama-3.2-1B', 'refs', 'main'))) {
    const files: Record<string, (f: string) => void> = {
      'config.yaml': text('model_name: meta-llama/Llama-3.2-1B\nmodel_kind: transcoder_set\nfeature_input_hook: hook_resid_mid\nfeature_output_hook: mlp.hook_out\n'),
    };
    for (let l = 0; l < llama.L; l++) {
      files[`layer_${l}.safetensors`] = (f) =>
        writeBf16(f, [
          { name: 'W_enc', shape: [llama.n, llama.d], fill: tiled(a, 10 + l) },
          { name: 'W_dec', shape: [llama.n, llama.d], fill: tiled(0.3 * a, 40 + l) },
          { name: 'W_skip', shape: [llama.d, llama.d], fill: tiled(0.1 * a, 70 + l) },
          { name: 'b_enc', shape: [llama.n], fill: tiled(0.1, 100 + l, -3) }, // ≈ 0.1 % of features active
          { name: 'b_dec', shape: [llama.d], fill: tiled(0.02, 130 + l) },
        ]);
    }
    writeCachedRepo(CACHE, llama.repo, files);
  }
  const gs = SETS[1];
  if (!fs.existsSync(path.join(CACHE, 'models--mntss--gemma-scope-transcoders', 'refs', 'main'))) {
    const g = Math.sqrt(3 / gs.d);
    const files: Record<string, (f: string) => void> = {};
    const list: string[] = [];
    for (let l = 0; l < gs.L; l++) {
      const rel = `layer_${l}/width_16k/average_l0_50/params.npz`;
      list.push(`  - hf://google/gemma-scope-2b-pt-transcoders/${rel}`);
      files[rel] = (f) =>
        writeNpz(f, {
          W_enc: { shape: [gs.d, gs.n], data: uniform(gs.d * gs.n, g, 200 + l) },
          W_dec: { shape: [gs.n, gs.d], data: uniform(gs.n * gs.d, 0.3 * g, 300 + l) },
          threshold: { shape: [gs.n], data: new Float32Array(gs.n).fill(2.5) }, // ≈ 0.6 % active
          b_enc: { shape: [gs.n], data: new Float32Array(gs.n) },
          b_dec: { shape: [gs.d], data: new Float32Array(gs.d) },
        });
    }
    writeCachedRepo(CACHE, 'google/gemma-scope-2b-pt-transcoders', files);
    writeCachedRepo(CACHE, gs.repo, {
      'config.yaml': text(`model_name: google/gemma-2-2b\nmodel_kind: transcoder_set\nfeature_input_hook: ln2.hook_normalized\nfeature_output_hook: hook_mlp_out\ntranscoders:\n${list.join('\n')}\n`),
    });
  }
}

/** one set, in this process: what a trace does with its transcoders */
async function measure(s: SetShape): Promise<Record<string, number>> {
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
      '\n\nLlama set: BF16 safetensors as published; GemmaScope: fp32 params.npz as published. Machine: 2 shared cores.\n',
  );
}

void main();
