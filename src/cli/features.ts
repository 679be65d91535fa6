// `self-trace features build|show`: builds the feature index of a model's transcoders over a corpus (resumable),
// or prints one feature's evidence from an index.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildFeatureIndex } from '../engine/features/build';
import { FeatureLogits, logitsOnDemand, readIndexSource } from '../engine/features/lazyLogits';
import { FeatureIndex } from '../engine/features/records';
import type { FeatureRecord } from '../engine/features/types';
import { defaultTranscoders } from '../engine/model/catalog';
import { resolveLocation } from '../engine/model/hfCache';
import { loadModel } from '../engine/model/model';
import { loadTranscoders, repoOfCachePath } from '../engine/model/transcoders';
import { EXIT, embeddedModelDir, type CliCommand, type CliIO } from './command';
import { concepts, conceptsUsage } from './featureConcepts';

const usage =
  'self-trace features build [--model DIR] [--transcoders DIR] --corpus FILE [--out DIR] [--max-contexts N] [--logit-table auto|all|on-demand]\n' +
  '       self-trace features show LAYER:FEATURE [--index DIR] [--model DIR] [--transcoders DIR] [--json]\n' +
  `       ${conceptsUsage}`;
const LOGIT_TABLE = { auto: 'auto', all: 'all', 'on-demand': 'on demand' } as const;

export const features: CliCommand = {
  name: 'features',
  summary: 'build a feature index (top examples, promoted tokens, labels), show one feature, or measure how many labels name a concept',
  usage,
  async run(args, { io, distDir }) {
    const [verb, ...rest] = args;
    const modelDefault = embeddedModelDir(distDir);
    if (verb === 'build') return build(rest, io, modelDefault);
    if (verb === 'show') return await show(rest, io, modelDefault);
    if (verb === 'concepts') return await concepts(rest, io, modelDefault);
    io.err(`self-trace features: say "build", "show" or "concepts"\nusage: ${usage}`);
    return EXIT.usage;
  },
};

async function build(args: string[], io: CliIO, modelDefault: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      transcoders: { type: 'string' },
      corpus: { type: 'string' },
      out: { type: 'string' },
      'max-contexts': { type: 'string' },
      'logit-table': { type: 'string', default: 'auto' },
    },
    strict: true,
  });
  const logitTable = LOGIT_TABLE[values['logit-table'] as keyof typeof LOGIT_TABLE];
  if (!logitTable) {
    io.err(`self-trace features build: --logit-table must be auto, all or on-demand, not "${values['logit-table']}"`);
    return EXIT.usage;
  }
  if (!values.corpus) {
    io.err(`self-trace features build: --corpus is required\nusage: ${usage}`);
    return EXIT.usage;
  }
  const max = values['max-contexts'] === undefined ? undefined : Number(values['max-contexts']);
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
    io.err('self-trace features build: --max-contexts must be a positive integer');
    return EXIT.usage;
  }
  // a folder or a Hugging Face repo id in the local cache; the index of a cached model is not written into the cache
  const modelDir = resolveLocation(values.model ?? modelDefault, 'Model');
  const transcoderDir = values.transcoders ? resolveLocation(values.transcoders, 'Transcoder set') : defaultTranscoders(modelDir);
  if (!values.out && repoOfCachePath(modelDir)) {
    io.err(`self-trace features build: ${values.model} lives in the Hugging Face cache; say where the index goes with --out DIR`);
    return EXIT.usage;
  }
  const outDir = path.resolve(values.out ?? path.join(modelDir, 'features'));
  const bar = progressBar();
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const s = await buildFeatureIndex({ modelDir, transcoderDir, corpusFile: path.resolve(values.corpus), outDir, maxContexts: max, logitTable, signal: ac.signal, onProgress: bar });
    bar.done();
    io.out(
      `feature index: ${s.features} features over ${s.contexts} contexts (${s.tokens} tokens) in ${s.seconds.toFixed(1)} s` +
        (s.resumedFrom ? `, resumed at context ${s.resumedFrom}` : '') +
        (s.skippedLines ? `; ${s.skippedLines} JSONL line(s) too long to read were left out` : '') +
        (s.logits === 'on demand'
          ? `\npromoted/suppressed tokens: not in the index; each feature's are computed when it is shown (features show, the graph panel) and cached` +
            (logitTable === 'auto' ? ` (the full table would be ${s.logitTableWork.toExponential(1)} multiply-adds; --logit-table all builds it)` : '')
          : '') +
        `\nwritten to ${outDir}`,
    );
    return EXIT.ok;
  } catch (e) {
    bar.done();
    if ((e as { code?: string }).code === 'cancelled') {
      io.err(`self-trace features build: interrupted; run the same command again to resume from the last checkpoint in ${outDir}`);
      return EXIT.failed;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function show(args: string[], io: CliIO, modelDefault: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { index: { type: 'string' }, model: { type: 'string' }, transcoders: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const m = /^(\d+):(\d+)$/.exec(positionals[0] ?? '');
  if (!m) {
    io.err(`self-trace features show: give the feature as LAYER:FEATURE, e.g. 2:117\nusage: ${usage}`);
    return EXIT.usage;
  }
  const dir = path.resolve(values.index ?? path.join(modelDefault, 'features'));
  let rec = FeatureIndex.open(dir).get(Number(m[1]), Number(m[2]));
  if (logitsOnDemand(rec)) rec = await withLogits(rec, dir, values.model, values.transcoders, modelDefault);
  if (values.json) {
    io.out(JSON.stringify(rec));
    return EXIT.ok;
  }
  const top = rec.examples_quantiles[0]?.examples ?? [];
  io.out(
    [
      `L${m[1]}/${m[2]}  ${rec.selfTracing?.label.text ?? ''}  (auto label)`,
      `active on ${(100 * rec.activation_frequency).toFixed(3)}% of tokens; max ${rec.act_max.toFixed(3)}`,
      `promotes: ${rec.top_logits.map((t) => JSON.stringify(t)).join(' ')}`,
      `suppresses: ${rec.bottom_logits.map((t) => JSON.stringify(t)).join(' ')}`,
      'top examples:',
      ...top.slice(0, 5).map((e) => `  ${e.tokens_acts_list[e.train_token_ind].toFixed(2).padStart(7)}  ${e.tokens.map((t, i) => (i === e.train_token_ind ? `[${t}]` : t)).join('')}`),
    ].join('\n'),
  );
  return EXIT.ok;
}

/**
 * The record with its promoted/suppressed tokens, for an index built without them: the model and transcoders it was
 * built from (or those named) are loaded, one decoder row goes through the unembedding, the result is cached in the index.
 */
async function withLogits(rec: FeatureRecord, indexDir: string, model: string | undefined, transcoders: string | undefined, modelDefault: string): Promise<FeatureRecord> {
  const source = readIndexSource(indexDir);
  const modelDir = resolveLocation(model ?? source?.model ?? modelDefault, 'Model');
  const tcDir = transcoders ? resolveLocation(transcoders, 'Transcoder set') : (source?.transcoders ?? defaultTranscoders(modelDir));
  const m = await loadModel(modelDir);
  const tc = loadTranscoders(tcDir);
  try {
    const logits = await FeatureLogits.create(m, tc, { cacheDir: indexDir });
    try {
      return await logits.fill(rec);
    } finally {
      logits.dispose();
    }
  } finally {
    tc.close();
    m.dispose();
  }
}

/** a one-line progress bar on a terminal, silent otherwise */
function progressBar() {
  const tty = process.stderr.isTTY;
  let last = '';
  const f = (p: { message: string; fraction?: number }) => {
    if (!tty) return;
    const frac = p.fraction ?? 0;
    const w = 28;
    const line = `[${'#'.repeat(Math.round(frac * w)).padEnd(w)}] ${(100 * frac).toFixed(0).padStart(3)}% ${p.message}`;
    if (line !== last) process.stderr.write(`\r${line.padEnd(last.length)}`);
    last = line;
  };
  f.done = () => {
    if (tty && last) process.stderr.write('\n');
  };
  return f;
}
