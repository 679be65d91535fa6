// Builds the feature index of a model + transcoders over a text corpus: a streamed statistics pass (checkpointed, so
// an interrupted build resumes), a second pass over only the chosen example contexts for per-token activations, the
// promoted/suppressed tokens of each decoder row through the unembedding, automatic labels, and circuit-tracer's files.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { throwIfAborted } from '../errors';
import type { ProgressSink } from '../progress';
import { transcoderInput } from '../attribution/components';
import { ZERO_POSITIONS } from '../model/config';
import { resolveLocation } from '../model/hfCache';
import { loadModel, type Model } from '../model/model';
import { applyActivation, checkTranscodersFit, loadTranscoders, type TranscoderSet } from '../model/transcoders';
import { toFloat32 } from '../model/weight';
import { GraphBuilder } from '../onnx/builder';
import { GraphSession } from '../onnx/session';
import { TranscoderEncoder } from '../onnx/transcoderGraphs';
import { DEFAULT_COLLECT, LayerStats, type ChosenContext } from './collect';
import { Corpus } from './corpus';
import { prepareOutDir, stagingDir, swapIn } from './outDir';
import { frontendStats } from './frontendStats';
import { autoLabel } from './labels';
import { markWords } from './concepts';
import { loadLexicon } from '../reasoning/lexicon';
import { LOGIT_TABLE_LIMIT, logitTableWork, N_LOGITS, writeIndexSource } from './lazyLogits';
import { writeIndex, writeLayerFile } from './records';
import type { FeatureExample, FeatureRecord } from './types';

export interface BuildOptions {
  modelDir: string;
  transcoderDir: string;
  corpusFile: string;
  outDir: string;
  /** use at most this many corpus lines */
  maxContexts?: number;
  /** save resumable state every this many contexts */
  checkpointEvery?: number;
  /**
   * the promoted/suppressed tokens of every feature: 'all' builds the table, 'on demand' leaves it to when a feature
   * is shown (lazyLogits.ts), 'auto' (default) builds it unless it is more than LOGIT_TABLE_LIMIT multiply-adds
   */
  logitTable?: 'auto' | 'all' | 'on demand';
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

export interface BuildSummary {
  contexts: number;
  tokens: number;
  features: number;
  resumedFrom: number;
  seconds: number;
  /** JSONL lines too long to parse whole, left out */
  skippedLines: number;
  /** whether the records hold their promoted/suppressed tokens, and the table's work (multiply-adds) */
  logits: 'table' | 'on demand';
  logitTableWork: number;
}

const STATE_FILE = '.build-state.json';
const QUANTILE_GROUPS = 4;
const PER_GROUP = 5;

/** Every context of a corpus file, read whole (for tests and small corpora; builds stream it). */
export function readCorpus(file: string, max?: number): string[] {
  return [...Corpus.open(file, Number.POSITIVE_INFINITY, max).texts()];
}

/** Per-layer activations [P, d_transcoder] of one context, BOS included (it is skipped by the statistics). */
async function activations(model: Model, tc: TranscoderSet, encoder: TranscoderEncoder, ids: number[], signal?: AbortSignal): Promise<Float32Array[]> {
  const fwd = await model.forward(ids, signal);
  const d = model.config.dModel;
  const enc = await encoder.all(Array.from({ length: tc.nLayers }, (_, l) => transcoderInput(tc, fwd, l, d)), fwd.nPos, false);
  const n = tc.dTranscoder;
  return tc.layers.map((layer, l) => {
    const pre = enc[l].pre;
    for (let p = 0; p < fwd.nPos; p++) applyActivation(tc.activation, pre.subarray(p * n, (p + 1) * n), layer.threshold);
    return pre;
  });
}

function contextIds(model: Model, text: string): number[] {
  // a long line is cut before tokenizing: past this many characters every token would be beyond the context
  const ids = model.tokenizer.encode(text.slice(0, model.tokenizer.charsAtMost(model.config.nCtx))).map((t) => t.id);
  return ids.slice(0, model.config.nCtx);
}

export async function buildFeatureIndex(opts: BuildOptions): Promise<BuildSummary> {
  const t0 = Date.now();
  const { signal, onProgress } = opts;
  checkCorpusFile(opts.corpusFile);
  const model = await loadModel(resolveLocation(opts.modelDir, 'Model'), { signal });
  const tc = loadTranscoders(opts.transcoderDir);
  try {
    checkTranscodersFit(tc, model.config, `The transcoders in ${opts.transcoderDir}`);
    // the index is built beside the target (resumable there) and swapped in whole at the end: an interrupted build
    // never leaves a half-written index where the trace reads one, and a folder with other files is never used
    prepareOutDir(opts.outDir);
    const stage = stagingDir(opts.outDir);
    fs.mkdirSync(stage, { recursive: true });
    const corpus = Corpus.open(opts.corpusFile, model.tokenizer.charsAtMost(model.config.nCtx), opts.maxContexts);
    const encoder = await TranscoderEncoder.create(tc);
    const work = logitTableWork(tc, model.config.dVocab, model.config.dModel);
    const mode = opts.logitTable ?? 'auto';
    const logits = mode === 'on demand' || (mode === 'auto' && work > LOGIT_TABLE_LIMIT) ? 'on demand' : 'table';
    try {
      const key = buildKey(opts, corpus);
      const { stats, next } = resumeOrStart(stage, key, tc);
      const every = opts.checkpointEvery ?? 200;
      let c = 0;
      for (const text of corpus.texts()) {
        if (c < next) {
          c++;
          continue;
        }
        throwIfAborted(signal);
        const ids = contextIds(model, text);
        const acts = await activations(model, tc, encoder, ids, signal);
        acts.forEach((a, l) => stats[l].observe(c, a, ids.length, ZERO_SET));
        c++;
        if (c % every === 0) saveState(stage, key, stats, c);
        onProgress?.({ message: `statistics: context ${c}/${corpus.length}`, fraction: (0.8 * c) / corpus.length });
      }
      saveState(stage, key, stats, corpus.length);
      onProgress?.({ message: 'collecting examples', fraction: 0.8 });
      const records = await makeRecords(model, tc, encoder, corpus, stats, logits === 'table', signal, onProgress);
      const entries = records.map((layerRecords, l) => writeLayerFile(stage, l, layerRecords));
      writeIndex(stage, entries);
      // an index without the table names what its logits are computed from (one with the table is circuit-tracer's files only)
      if (logits === 'on demand') writeIndexSource(stage, { version: 1, model: path.resolve(model.dir), transcoders: path.resolve(opts.transcoderDir), logits });
      fs.rmSync(path.join(stage, STATE_FILE), { force: true });
      swapIn(stage, opts.outDir);
      onProgress?.({ message: 'feature index written', fraction: 1 });
      return { contexts: corpus.length, tokens: stats[0].tokens, features: tc.nLayers * tc.dTranscoder, resumedFrom: next, seconds: (Date.now() - t0) / 1000, skippedLines: corpus.skipped, logits, logitTableWork: work };
    } finally {
      encoder.dispose();
    }
  } finally {
    tc.close();
    model.dispose();
  }
}

const ZERO_SET: ReadonlySet<number> = new Set(Array.from({ length: ZERO_POSITIONS }, (_, i) => i));

function buildKey(opts: BuildOptions, corpus: Corpus): string {
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify([path.resolve(opts.modelDir), path.resolve(opts.transcoderDir), DEFAULT_COLLECT]));
  h.update(corpus.hash);
  return h.digest('hex');
}

/** The corpus is checked (a regular file, text in it) before the model loads. */
function checkCorpusFile(file: string): void {
  Corpus.open(file, 1, 1);
}

function resumeOrStart(outDir: string, key: string, tc: TranscoderSet): { stats: LayerStats[]; next: number } {
  const file = path.join(outDir, STATE_FILE);
  if (fs.existsSync(file)) {
    try {
      const s = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (s.key === key) return { stats: s.layers.map(LayerStats.fromJSON), next: s.next };
    } catch {
      // an unreadable checkpoint is rebuilt from the start
    }
  }
  return { stats: Array.from({ length: tc.nLayers }, () => new LayerStats(tc.dTranscoder)), next: 0 };
}

function saveState(outDir: string, key: string, stats: LayerStats[], next: number): void {
  const file = path.join(outDir, STATE_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ key, next, layers: stats.map((s) => s.toJSON()) }));
  fs.renameSync(`${file}.tmp`, file); // atomic: an interrupt never leaves half a checkpoint
}

interface Wanted {
  layer: number;
  feature: number;
  group: number;
  slot: number;
  chosen: ChosenContext;
}

async function makeRecords(
  model: Model,
  tc: TranscoderSet,
  encoder: TranscoderEncoder,
  corpus: Corpus,
  stats: LayerStats[],
  withLogits: boolean,
  signal?: AbortSignal,
  onProgress?: ProgressSink,
): Promise<FeatureRecord[][]> {
  const n = tc.dTranscoder;
  // without the table, every record says its logits come on demand (and the label's output side is the next-token rule)
  const logits = withLogits ? await decoderLogits(model, tc) : undefined;
  const none = { top: [], bottom: [], mean: 0, std: 0 };
  // choose the example contexts of every feature: the top ones, then evenly spaced picks from each quantile group
  const groups: ChosenContext[][][][] = stats.map((s) =>
    Array.from({ length: n }, (_, f) => {
      const sum = s.summary(f);
      return [sum.top, ...quantileGroups(sum.sample)];
    }),
  );
  const byContext = new Map<number, Wanted[]>();
  groups.forEach((layer, l) =>
    layer.forEach((gs, f) =>
      gs.forEach((g, gi) =>
        g.forEach((chosen, slot) => {
          const list = byContext.get(chosen.ctx) ?? [];
          list.push({ layer: l, feature: f, group: gi, slot, chosen });
          byContext.set(chosen.ctx, list);
        }),
      ),
    ),
  );
  const examples = new Map<string, FeatureExample>();
  // which promoted tokens occur as whole words in the corpus (labels.ts: a promoted piece of words names no concept)
  const candidates = new Set(logits?.flatMap((lg) => lg.top.flatMap((ts) => ts.map((t) => t.token.trim()))) ?? []);
  const corpusWords = new Set<string>();
  const topSets = groups.map((layer) => layer.map((gs) => new Set(gs[0].map((c) => c.ctx))));
  let done = 0;
  let ctx = -1;
  for (const text of corpus.texts()) {
    markWords(text, candidates, corpusWords);
    const wanted = byContext.get(++ctx);
    if (!wanted) continue;
    throwIfAborted(signal);
    const ids = contextIds(model, text);
    const acts = await activations(model, tc, encoder, ids, signal);
    const tokens = ids.map((id) => model.tokenizer.decode(id));
    for (const w of wanted) {
      const a = acts[w.layer];
      const values = ids.map((_, p) => (p < ZERO_POSITIONS ? 0 : a[p * n + w.feature]));
      examples.set(`${w.layer}:${w.feature}:${w.group}:${w.slot}`, {
        tokens,
        tokens_acts_list: values,
        train_token_ind: w.chosen.pos,
        is_repeated_datapoint: w.group > 0 && topSets[w.layer][w.feature].has(ctx),
      });
    }
    if (++done % 50 === 0) onProgress?.({ message: `examples: context ${done}/${byContext.size}`, fraction: 0.8 + (0.15 * done) / byContext.size });
  }
  const lexicon = loadLexicon(model.dir);
  const isWord = (w: string) => corpusWords.has(w);
  return stats.map((s, l) =>
    Array.from({ length: n }, (_, f) => {
      const sum = s.summary(f);
      const gs = groups[l][f];
      const tops = sum.top.map((c, i) => ({ tokens: examples.get(`${l}:${f}:0:${i}`)!.tokens, pos: c.pos }));
      const quantiles = gs.map((g, gi) => ({
        quantile_name: gi === 0 ? 'Top activations' : `Quantile ${gi} of ${gs.length - 1}${gi === 1 ? ' (highest)' : ''}`,
        examples: g.map((_, slot) => examples.get(`${l}:${f}:${gi}:${slot}`)!),
      }));
      const lg = logits?.[l];
      const lf = lg ? { top: lg.top[f], bottom: lg.bottom[f], mean: lg.mean[f], std: lg.std[f] } : none;
      const dist = frontendStats(sum.histogram, sum.histogramEdges, sum.min, sum.max);
      const label = autoLabel({
        layer: l,
        feature: f,
        maxTokens: tops.map((c) => c.tokens[c.pos]),
        nextTokens: tops.flatMap((c) => c.tokens.slice(c.pos + 1, c.pos + 2)),
        contexts: tops,
        topLogits: lf.top,
        logitMean: lf.mean,
        logitStd: lf.std,
        lexicon,
        isWord,
      });
      return {
        transcoder_id: tc.scan,
        index: f,
        examples_quantiles: quantiles,
        top_logits: lf.top.map((t) => t.token),
        bottom_logits: lf.bottom.map((t) => t.token),
        act_min: sum.min,
        act_max: sum.max,
        quantile_values: dist.quantile_values,
        histogram: dist.histogram,
        activation_frequency: s.tokens ? sum.count / s.tokens : 0,
        selfTracing: {
          layer: l,
          feature: f,
          label,
          top_logit_values: lf.top.map((t) => t.value),
          bottom_logit_values: lf.bottom.map((t) => t.value),
          histogram_edges: dist.edges,
          ...(lg ? {} : { logitsOnDemand: true }),
        },
      };
    }),
  );
}

/** splits a sample sorted high → low into activation quantile groups and takes evenly spaced picks of each */
export function quantileGroups(sample: ChosenContext[], groups = QUANTILE_GROUPS, per = PER_GROUP): ChosenContext[][] {
  if (sample.length === 0) return [];
  const out: ChosenContext[][] = [];
  for (let g = 0; g < groups; g++) {
    const part = sample.slice(Math.floor((g * sample.length) / groups), Math.floor(((g + 1) * sample.length) / groups));
    if (part.length === 0) continue;
    const k = Math.min(per, part.length);
    out.push(Array.from({ length: k }, (_, i) => part[Math.floor((i * part.length) / k)]));
  }
  return out;
}

export interface LayerLogits {
  top: { token: string; value: number }[][];
  bottom: { token: string; value: number }[][];
  mean: Float32Array;
  std: Float32Array;
}

/** every decoder row through the unembedding (W_dec · W_Uᵀ) in onnxruntime; per row the extreme tokens and moments */
/** exported for tests; `chunkRows` decoder rows go through onnxruntime at a time */
export async function decoderLogits(model: Model, tc: TranscoderSet, chunkRows?: number): Promise<LayerLogits[]> {
  const { dModel: d, dVocab: V } = model.config;
  const n = tc.dTranscoder;
  const g = new GraphBuilder('decoder_logits');
  const dec = g.input('dec', ['rows', d]);
  // as fp32 once (the session runs once per chunk of rows: a 16-bit head would be converted on every run)
  const prod = g.op('Gemm', [dec, g.constant(toFloat32(model.weights.unembed), [V, d])], { transB: 1 });
  g.output(prod, 'logits', ['rows', V]);
  const session = await GraphSession.create(g.toBytes());
  const all = Array.from({ length: n }, (_, i) => i);
  // decoder rows go through in chunks whose logits stay under 256 MiB (a published set has 131,072 features and a
  // 128,256-token vocabulary: 67 GB of logits per layer at once)
  const chunk = Math.max(1, Math.min(n, chunkRows ?? Math.floor(2 ** 26 / V)));
  try {
    const out: LayerLogits[] = [];
    for (let l = 0; l < tc.nLayers; l++) {
      const res: LayerLogits = { top: [], bottom: [], mean: new Float32Array(n), std: new Float32Array(n) };
      let m: Float32Array | undefined;
      for (let f = 0; f < n; f++) {
        const f0 = f - (f % chunk);
        if (f === f0) {
          const k = Math.min(chunk, n - f0);
          let rows = tc.decoderRows(l, all.slice(f0, f0 + k));
          if (tc.kind === 'cross-layer') rows = sumCrossLayerSlots(rows, k, tc.nLayers - l, d);
          m = (await session.run({ dec: { data: rows, dims: [k, d] } })).logits.data;
        }
        const row = m!.subarray((f - f0) * V, (f - f0 + 1) * V);
        let s = 0, s2 = 0;
        for (let v = 0; v < V; v++) { s += row[v]; s2 += row[v] * row[v]; }
        res.mean[f] = s / V;
        res.std[f] = Math.sqrt(Math.max(0, s2 / V - res.mean[f] ** 2));
        const order = extremes(row, N_LOGITS);
        res.top.push(order.top.map((v) => ({ token: model.tokenizer.decode(v), value: row[v] })));
        res.bottom.push(order.bottom.map((v) => ({ token: model.tokenizer.decode(v), value: row[v] })));
      }
      out.push(res);
    }
    return out;
  } finally {
    session.dispose();
  }
}

/** a cross-layer feature's direct effect on the output sums its writes to every later layer */
function sumCrossLayerSlots(rows: Float32Array, n: number, slots: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let f = 0; f < n; f++) for (let j = 0; j < slots; j++) for (let i = 0; i < d; i++) out[f * d + i] += rows[(f * slots + j) * d + i];
  return out;
}

/** indices of the k largest and k smallest values, in order (one linear pass with small sorted buffers) */
export function extremes(row: Float32Array, k: number): { top: number[]; bottom: number[] } {
  const top: number[] = [];
  const bottom: number[] = [];
  for (let v = 0; v < row.length; v++) {
    insert(top, v, (a, b) => row[a] > row[b]);
    insert(bottom, v, (a, b) => row[a] < row[b]);
  }
  return { top, bottom };
  function insert(buf: number[], v: number, better: (a: number, b: number) => boolean) {
    if (buf.length === k && !better(v, buf[k - 1])) return;
    let i = buf.length === k ? k - 1 : buf.length;
    while (i > 0 && better(v, buf[i - 1])) {
      buf[i] = buf[i - 1];
      i--;
    }
    buf[i] = v;
    if (buf.length > k) buf.length = k;
  }
}
