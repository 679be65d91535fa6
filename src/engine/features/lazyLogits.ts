// A feature's promoted and suppressed tokens computed when asked for. A feature index at a published width does not
// hold them: the whole table (every decoder row through the unembedding) is nLayers × n × V × d multiply-adds, hours
// for 16 × 131,072 features and a 128,256-token vocabulary, so `features build` leaves them out above
// LOGIT_TABLE_LIMIT (the index says so in its self-tracing.json) and the details of one feature get them here: one
// decoder row · W_Uᵀ and two TopKs in onnxruntime, remembered in memory and in a cache file beside the index.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';
import type { TranscoderSet } from '../model/transcoders';
import { GraphBuilder } from '../onnx/builder';
import { GraphSession } from '../onnx/session';
import { gemmTWeight } from '../families/blocks/linear';
import type { Weight } from '../model/weight';
import type { FeatureRecord } from './types';

/** multiply-adds above which `features build` leaves the logit table out (2^40: minutes on a laptop core pair) */
export const LOGIT_TABLE_LIMIT = 2 ** 40;
/** promoted (and suppressed) tokens kept per feature, as in the built table */
export const N_LOGITS = 10;

/** the work of the whole logit table: every decoder row (cross-layer: summed over its slots) · W_Uᵀ */
export const logitTableWork = (tc: Pick<TranscoderSet, 'nLayers' | 'dTranscoder'>, dVocab: number, dModel: number): number => tc.nLayers * tc.dTranscoder * dVocab * dModel;

/** What `features build` records about an index beside circuit-tracer's files. */
export interface IndexSource {
  version: 1;
  /** the model folder and transcoder folder it was built from (absolute) */
  model: string;
  transcoders: string;
  /** written only for an index without the table: no record holds its top logits, they are computed when shown */
  logits: 'on demand';
}
export const SOURCE_FILE = 'self-tracing.json';
const CACHE_FILE = 'logits-cache.json';

export function readIndexSource(dir: string): IndexSource | undefined {
  const file = path.join(dir, SOURCE_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as IndexSource;
    return s && s.version === 1 && typeof s.model === 'string' && typeof s.transcoders === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export function writeIndexSource(dir: string, source: IndexSource): void {
  const file = path.join(dir, SOURCE_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(source, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/** true when the record was built without its logits (they come from FeatureLogits) */
export const logitsOnDemand = (r: FeatureRecord): boolean => r.selfTracing?.logitsOnDemand === true;

export interface LogitSummary {
  top: { token: string; value: number }[];
  bottom: { token: string; value: number }[];
  mean: number;
  std: number;
}

/** what the logits need from a loaded model (the engine's Model satisfies it) */
export interface LogitModel {
  config: { dModel: number; dVocab: number };
  weights: { unembed: Weight };
  tokenizer: { decode(id: number): string };
}

/** Promoted/suppressed tokens of single features, on demand; reuse one per (model, transcoders, index), then dispose. */
export class FeatureLogits {
  private readonly memo = new Map<string, LogitSummary>();
  private stored: Record<string, LogitSummary> | undefined;

  private constructor(
    private readonly model: LogitModel,
    private readonly tc: TranscoderSet,
    private readonly session: GraphSession,
    /** the index folder whose cache file is read and extended; none: memory only */
    private readonly cacheDir?: string,
  ) {}

  static async create(model: LogitModel, tc: TranscoderSet, opts: { cacheDir?: string; threads?: number } = {}): Promise<FeatureLogits> {
    if (tc.dModel !== model.config.dModel) {
      throw new EngineError('badInput', `The transcoders write ${tc.dModel}-wide vectors but the model's d_model is ${model.config.dModel}; they do not belong to this model.`);
    }
    const { dModel: d, dVocab: V } = model.config;
    const g = new GraphBuilder('feature_logits');
    const rows = g.input('dec', ['rows', d]);
    // the head is fed by the session itself (16-bit heads converted in row blocks inside the graph)
    const logits = gemmTWeight(g, rows, model.weights.unembed, d, V, 'unembed');
    const k = g.ints([Math.min(N_LOGITS, V)]);
    const [topV, topI] = g.opN('TopK', [logits, k], 2, { axis: -1, largest: 1, sorted: 1 });
    const [botV, botI] = g.opN('TopK', [logits, k], 2, { axis: -1, largest: 0, sorted: 1 });
    const mean = g.reduceMean(logits, [-1], 0);
    g.output(topV, 'top_values', ['rows', 'k']);
    g.output(topI, 'top_ids', ['rows', 'k'], 'int64');
    g.output(botV, 'bottom_values', ['rows', 'k']);
    g.output(botI, 'bottom_ids', ['rows', 'k'], 'int64');
    g.output(mean, 'mean', ['rows']);
    g.output(g.reduceMean(g.mul(logits, logits), [-1], 0), 'mean_square', ['rows']);
    const session = await GraphSession.create(g.toBytes(), { threads: opts.threads });
    return new FeatureLogits(model, tc, session, opts.cacheDir);
  }

  /** the summaries of these features (layer, feature), computed together where not known yet */
  async many(keys: { layer: number; feature: number }[]): Promise<LogitSummary[]> {
    const id = (k: { layer: number; feature: number }) => `${k.layer}_${k.feature}`;
    const stored = this.readStore();
    const missing = [...new Set(keys.map(id))].filter((k) => !this.memo.has(k) && !stored[k]).map((k) => k.split('_').map(Number));
    for (const [l, f] of missing) {
      if (!(l >= 0 && l < this.tc.nLayers && f >= 0 && f < this.tc.dTranscoder && Number.isInteger(l) && Number.isInteger(f))) {
        throw new EngineError('badInput', `Feature ${l}:${f} is not in the transcoder set (${this.tc.nLayers} layers × ${this.tc.dTranscoder} features).`);
      }
    }
    if (missing.length) {
      const { dModel: d } = this.model.config;
      const dec = new Float32Array(missing.length * d);
      missing.forEach(([l, f], i) => {
        const row = this.tc.decoderRows(l, [f]);
        // a cross-layer feature's direct effect on the output sums its writes to every later layer
        for (let j = 0; j < row.length; j += d) for (let x = 0; x < d; x++) dec[i * d + x] += row[j + x];
      });
      const out = await this.session.run({ dec: { data: dec, dims: [missing.length, d] } });
      const k = out.top_values.dims[1];
      const ids = (name: string) => out[name].data as unknown as BigInt64Array;
      const decode = (i: number, name: string, values: Float32Array) =>
        Array.from({ length: k }, (_, j) => ({ token: this.model.tokenizer.decode(Number(ids(name)[i * k + j])), value: values[i * k + j] }));
      const added: Record<string, LogitSummary> = {};
      missing.forEach(([l, f], i) => {
        const mean = out.mean.data[i];
        const s: LogitSummary = {
          top: decode(i, 'top_ids', out.top_values.data),
          bottom: decode(i, 'bottom_ids', out.bottom_values.data),
          mean,
          std: Math.sqrt(Math.max(0, out.mean_square.data[i] - mean * mean)),
        };
        this.memo.set(`${l}_${f}`, s);
        added[`${l}_${f}`] = s;
      });
      this.writeStore(added);
    }
    return keys.map((k) => this.memo.get(id(k)) ?? stored[id(k)]);
  }

  async get(layer: number, feature: number): Promise<LogitSummary> {
    return (await this.many([{ layer, feature }]))[0];
  }

  /** the record with its promoted/suppressed tokens filled in when the index was built without them */
  async fill(record: FeatureRecord): Promise<FeatureRecord> {
    if (!logitsOnDemand(record) || !record.selfTracing) return record;
    const s = await this.get(record.selfTracing.layer, record.selfTracing.feature);
    return {
      ...record,
      top_logits: s.top.map((t) => t.token),
      bottom_logits: s.bottom.map((t) => t.token),
      selfTracing: { ...record.selfTracing, top_logit_values: s.top.map((t) => t.value), bottom_logit_values: s.bottom.map((t) => t.value) },
    };
  }

  dispose(): void {
    this.session.dispose();
  }

  /** the cache file's entries (an unreadable file counts as empty: it is a cache) */
  private readStore(): Record<string, LogitSummary> {
    if (this.stored) return this.stored;
    this.stored = {};
    if (!this.cacheDir) return this.stored;
    try {
      const raw = JSON.parse(fs.readFileSync(path.join(this.cacheDir, CACHE_FILE), 'utf8'));
      if (raw && typeof raw === 'object' && !Array.isArray(raw)) this.stored = raw;
    } catch {
      // no cache yet, or an unreadable one: computed again
    }
    return this.stored!;
  }

  /** adds entries to the cache file (temp file + rename; a folder that cannot be written keeps them in memory only) */
  private writeStore(added: Record<string, LogitSummary>): void {
    const stored = Object.assign(this.readStore(), added);
    if (!this.cacheDir) return;
    const file = path.join(this.cacheDir, CACHE_FILE);
    try {
      fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(stored));
      fs.renameSync(`${file}.${process.pid}.tmp`, file);
    } catch {
      fs.rmSync(`${file}.${process.pid}.tmp`, { force: true });
    }
  }
}
