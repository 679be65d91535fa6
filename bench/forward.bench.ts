// Forward benchmark: GPT-2-small-shaped random weights (12 layers, d 768, vocab 50257), generated here into
// bench/.work/ (never committed); load time, forward time on 32 and 256 tokens, peak RSS. Run: npm run bench
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/engine/model/model';
import { writeSafetensors } from '../src/engine/model/safetensors';
import { defaultThreads } from '../src/engine/onnx/session';
import { uniform } from './random';
import { writeSection } from './results';

const SMALL = { n_layer: 12, n_embd: 768, n_head: 12, n_positions: 1024, vocab_size: 50257 };
const DIR = path.resolve('bench', '.work', 'gpt2-small-random');

/** deterministic uniform(−a, a) values, fast enough for 124M parameters */
function randomTensor(shape: number[], a: number, seed: number): { shape: number[]; data: Float32Array } {
  const n = shape.reduce((x, y) => x * y, 1);
  return { shape, data: uniform(n, a, seed) };
}

/** writes the random checkpoint unless it is there from an earlier run; says whether it wrote it */
function writeCheckpoint(): boolean {
  if (fs.existsSync(path.join(DIR, 'model.safetensors'))) return false;
  fs.mkdirSync(DIR, { recursive: true });
  const { n_layer: L, n_embd: d, n_positions: C, vocab_size: V } = SMALL;
  const t: Record<string, { shape: number[]; data: Float32Array }> = {};
  let seed = 1;
  const w = (name: string, shape: number[], a = 0.03) => (t[`transformer.${name}`] = randomTensor(shape, a, seed++));
  const ones = (name: string) => (t[`transformer.${name}`] = { shape: [d], data: new Float32Array(d).fill(1) });
  w('wte.weight', [V, d], 0.1);
  w('wpe.weight', [C, d], 0.02);
  for (let l = 0; l < L; l++) {
    const h = `h.${l}.`;
    ones(`${h}ln_1.weight`), w(`${h}ln_1.bias`, [d]);
    w(`${h}attn.c_attn.weight`, [d, 3 * d]), w(`${h}attn.c_attn.bias`, [3 * d]);
    w(`${h}attn.c_proj.weight`, [d, d]), w(`${h}attn.c_proj.bias`, [d]);
    ones(`${h}ln_2.weight`), w(`${h}ln_2.bias`, [d]);
    w(`${h}mlp.c_fc.weight`, [d, 4 * d]), w(`${h}mlp.c_fc.bias`, [4 * d]);
    w(`${h}mlp.c_proj.weight`, [4 * d, d]), w(`${h}mlp.c_proj.bias`, [d]);
  }
  ones('ln_f.weight'), w('ln_f.bias', [d]);
  writeSafetensors(path.join(DIR, 'model.safetensors'), t);
  const config = { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, ...SMALL, n_ctx: 1024, bos_token_id: 50256, eos_token_id: 50256 };
  fs.writeFileSync(path.join(DIR, 'config.json'), JSON.stringify(config, null, 2));
  // the tokenizer is only loaded, never used: the benchmark feeds token ids
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.resolve('test', 'fixtures', 'gpt2-tiny', f), path.join(DIR, f));
  return true;
}

const rssMiB = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const t0 = performance.now();
  const generated = writeCheckpoint();
  const genNote = generated ? `; weights generated first in ${((performance.now() - t0) / 1000).toFixed(1)} s, so "before" includes them` : '';
  const rssBefore = rssMiB();
  const t1 = performance.now();
  const model = await loadModel(DIR);
  const loadS = (performance.now() - t1) / 1000;
  const rssLoaded = rssMiB();
  const rows: string[] = [];
  for (const nPos of [32, 256]) {
    const ids = Array.from({ length: nPos }, (_, i) => (i * 7919 + 13) % SMALL.vocab_size);
    await model.forward(ids); // warm-up
    const full: number[] = [];
    const logitsOnly: number[] = [];
    const reps = nPos <= 32 ? 7 : 3;
    for (let r = 0; r < reps; r++) {
      let t = performance.now();
      await model.forward(ids);
      full.push(performance.now() - t);
      t = performance.now();
      await model.logits(ids);
      logitsOnly.push(performance.now() - t);
    }
    rows.push(`| ${nPos} | ${median(full).toFixed(0)} | ${median(logitsOnly).toFixed(0)} | ${rssMiB().toFixed(0)} |`);
    console.log(rows.at(-1));
  }
  model.dispose();
  const cpus = os.cpus();
  const section = [
    `GPT-2-small-shaped random weights (12 layers, d_model 768, 12 heads, vocab 50257; ${(fs.statSync(path.join(DIR, 'model.safetensors')).size / 2 ** 20).toFixed(0)} MiB fp32), `,
    `onnxruntime-node CPU, ${defaultThreads()} intra-op threads, node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, 1-minute load average ${os.loadavg()[0].toFixed(1)} at the end (other jobs share the machine: timings are noisy).`,
    '',
    `- load (config, weights, graph build, session create): **${loadS.toFixed(1)} s**; peak RSS after load ${rssLoaded.toFixed(0)} MiB (before: ${rssBefore.toFixed(0)} MiB${genNote})`,
    '',
    '| tokens | forward with all intermediates (ms, median) | logits only (ms, median) | peak RSS so far (MiB) |',
    '|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
  writeSection('forward', 'Forward pass', section);
  console.log(section);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
