// attribute(): circuit-tracer's algorithm on our own engine. One clean forward pass fixes the local replacement
// model; logit rows come first, then feature rows in influence order up to max_feature_nodes (circuit-tracer's
// circuit_tracer/attribution/attribute.py), each row
// computed by a batched linear backward pass in onnxruntime; rows are stored sparse and packaged into the graph.
import { EngineError, throwIfAborted } from '../errors';
import { backwardNames as BN, type FamilyWeights } from '../families/family';
import { checkTranscoderHooks, familyOf } from '../families/registry';
import { checkPositiveInt, checkTraceOption, TRACE_OPTION_DEFAULTS } from '../options';
import type { ModelConfig } from '../model/config';
import { checkTranscodersFit, type TranscoderSet } from '../model/transcoders';
import type { ForwardResult } from '../onnx/forward';
import { createHash } from 'node:crypto';
import type { FedWeight, GraphBytes } from '../onnx/builder';
import { type Feed, type Fetched, GraphSession } from '../onnx/session';
import { TranscoderEncoder } from '../onnx/transcoderGraphs';
import { assembleGraph } from './assemble';
import { type Components, computeComponents } from './components';
import type { AttributionGraph } from './graph';
import { RowStore } from './rows';
import { buildTargets, type TargetSpec, type Targets, type Unembedding, unembedding } from './targets';

/**
 * Multiply-adds of one row's gradient through a layer's frozen attention over nBatchPos positions: W_O (d → H·d_head),
 * the pattern (per head), W_V (Hkv·d_head → d). For Llama, Qwen3 and Gemma H·d_head and Hkv·d_head differ from d.
 */
function attentionMacs(cfg: ModelConfig, nBatchPos: number): number {
  const { dModel: d, nHeads: H, nKvHeads: Hkv, dHead: dh } = cfg;
  return nBatchPos * (d * H * dh + H * nBatchPos * dh + Hkv * dh * d);
}

const col = (x: Float32Array, len: number) => ({ data: x.subarray(0, len), dims: [len, 1] });

export const DEFAULT_MAX_FEATURE_NODES = TRACE_OPTION_DEFAULTS.maxFeatureNodes;
export const DEFAULT_BATCH_SIZE = 256;
export const DEFAULT_UPDATE_INTERVAL = 4;
/** stored edges across all rows: 8 bytes each, so 48M edges ≈ 400 MB */
export const DEFAULT_EDGE_BUDGET = 48_000_000;

/** what attribution needs from a loaded model (the engine's Model satisfies it); the family comes from the config */
export interface AttributionModel {
  config: ModelConfig;
  weights: FamilyWeights;
  forward(ids: number[], signal?: AbortSignal): Promise<ForwardResult>;
  decode(id: number): string;
  /** a whole id sequence decoded at once, so characters split over byte-level tokens come out whole */
  decodeAll?(ids: number[]): string;
}

export interface AttributeOptions {
  targets?: TargetSpec;
  /** null: every active feature */
  maxFeatureNodes?: number | null;
  batchSize?: number;
  updateInterval?: number;
  edgeBudget?: number;
  signal?: AbortSignal;
  onProgress?: (p: { phase: 'forward' | 'logits' | 'features' | 'packaging'; done: number; total: number }) => void;
}

export interface AttributionResult {
  graph: AttributionGraph;
  components: Components;
  targets: Targets;
  /** edges left out of rows by the edge budget (0: every computed edge is in the graph) */
  droppedEdges: number;
  timings: Record<string, number>;
  /** floating-point operations of the backward passes (multiply-add = 2), for benchmarks */
  backwardFlops: number;
}

/** Holds the onnxruntime sessions of one (model, transcoders) pair; reuse it across prompts, then dispose. */
export class Attributor {
  /** sessions by graph: 'top', or the hash of a backward layer graph's bytes (layers with equal bytes share one) */
  private readonly layerSessions = new Map<string, Promise<GraphSession>>();
  /** each layer's backward graph (key: layer, 'e' for an entry step): its session's hash and the weights it is fed */
  private readonly layerGraphs = new Map<string, { hash: string; weights: ReadonlyMap<string, FedWeight> }>();
  private readonly skips = new Map<number, Float32Array | undefined>();
  private readonly unembed: Unembedding;
  private flops = 0;

  private constructor(
    readonly model: AttributionModel,
    readonly transcoders: TranscoderSet,
    private readonly encoder: TranscoderEncoder,
    private readonly threads?: number,
  ) {
    const cfg = model.config;
    this.unembed = unembedding(model.weights.unembed, cfg.dVocab, cfg.dModel);
  }

  static async create(model: AttributionModel, transcoders: TranscoderSet, opts: { threads?: number } = {}): Promise<Attributor> {
    checkTranscodersFit(transcoders, model.config);
    checkTranscoderHooks(transcoders, model.config);
    const encoder = await TranscoderEncoder.create(transcoders, { threads: opts.threads });
    return new Attributor(model, transcoders, encoder, opts.threads);
  }

  async attribute(ids: number[], opts: AttributeOptions = {}): Promise<AttributionResult> {
    const { signal, onProgress } = opts;
    const problem = checkTraceOption('maxFeatureNodes', opts.maxFeatureNodes) ?? checkPositiveInt('batchSize', opts.batchSize) ??
      checkPositiveInt('updateInterval', opts.updateInterval) ?? checkPositiveInt('edgeBudget', opts.edgeBudget);
    if (problem) throw new EngineError('badInput', problem);
    const cfg = this.model.config;
    const L = cfg.nLayers;
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const lap = (name: string, since: number) => (timings[name] = performance.now() - since);

    this.flops = 0;
    onProgress?.({ phase: 'forward', done: 0, total: 1 });
    const fwd = await this.model.forward(ids, signal);
    const comps = await computeComponents(cfg, this.model.weights, this.transcoders, this.encoder, fwd);
    const P = comps.nPos;
    const nActive = comps.layer.length;
    const targets = buildTargets(
      opts.targets ?? { kind: 'salient' },
      fwd.logits.subarray((P - 1) * cfg.dVocab, P * cfg.dVocab),
      this.unembed,
      (id) => this.model.decode(id),
    );
    const nLogits = targets.targets.length;
    lap('forward', t0);
    throwIfAborted(signal);

    const nSources = nActive + (L + 1) * P;
    const maxFeat = Math.min(opts.maxFeatureNodes ?? nActive, nActive);
    const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
    const batchRows = Math.max(1, Math.min(batchSize, Math.floor(2 ** 22 / (P * cfg.dModel)), Math.floor(2 ** 24 / nSources)));
    const updateInterval = opts.updateInterval ?? DEFAULT_UPDATE_INTERVAL;
    const store = new RowStore(nSources, Math.max(64, Math.floor((opts.edgeBudget ?? DEFAULT_EDGE_BUDGET) / (maxFeat + nLogits))));

    // the dense rows of a batch, one buffer for the trace (a fresh one per batch would be paged in every time)
    const scratch = { rows: new Float32Array(0) };

    // logit rows
    const t1 = performance.now();
    for (let k0 = 0; k0 < nLogits; k0 += batchRows) {
      const k1 = Math.min(nLogits, k0 + batchRows);
      const n = k1 - k0;
      const inject = new Float32Array(n * P * cfg.dModel);
      for (let b = 0; b < n; b++) inject.set(targets.vectors.subarray((k0 + b) * cfg.dModel, (k0 + b + 1) * cfg.dModel), (b * P + P - 1) * cfg.dModel);
      const rows = await this.backward(comps, new Int32Array(n).fill(L), P, inject, nSources, scratch);
      for (let b = 0; b < n; b++) store.add(nActive + k0 + b, rows.subarray(b * nSources, (b + 1) * nSources));
      onProgress?.({ phase: 'logits', done: k1, total: nLogits });
    }
    lap('logits', t1);

    // feature rows, in influence order when the budget does not cover every active feature
    const t2 = performance.now();
    const visited = new Uint8Array(nActive);
    let nVisited = 0;
    while (nVisited < maxFeat) {
      // each round yields to the event loop, so a cancel message is read even when a round does little work
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      let pending: number[];
      if (maxFeat === nActive) pending = Array.from({ length: nActive }, (_, i) => i);
      else {
        const infl = store.partialInfluences(targets.probabilities, nActive);
        const rank = Array.from({ length: nActive }, (_, i) => i).sort((i, j) => infl[j] - infl[i] || i - j);
        pending = rank.filter((i) => !visited[i]).slice(0, Math.min(updateInterval * batchSize, maxFeat - nVisited));
      }
      if (pending.length === 0) break; // never spin: a round that adds no row ends the loop
      // one round's rows do not depend on each other. A batch takes consecutive rows in layer order, highest layer
      // first: its backward pass starts at the highest layer, and each row joins it at its own layer (no row passes
      // through a layer above its own), so a batch is full-sized even when the round spreads over many layers.
      pending.sort((i, j) => comps.layer[j] - comps.layer[i] || comps.pos[i] - comps.pos[j] || i - j);
      const d = cfg.dModel;
      for (let s = 0; s < pending.length; s += batchRows) {
        const batch = pending.slice(s, s + batchRows);
        let nBatchPos = 0;
        for (const f of batch) nBatchPos = Math.max(nBatchPos, comps.pos[f] + 1);
        const inject = new Float32Array(batch.length * nBatchPos * d);
        const joins = new Int32Array(batch.length);
        batch.forEach((f, b) => {
          inject.set(comps.encoders.subarray(f * d, (f + 1) * d), (b * nBatchPos + comps.pos[f]) * d);
          joins[b] = comps.layer[f];
        });
        const rows = await this.backward(comps, joins, nBatchPos, inject, nSources, scratch);
        batch.forEach((f, b) => {
          store.add(f, rows.subarray(b * nSources, (b + 1) * nSources));
          visited[f] = 1;
        });
        nVisited += batch.length;
        onProgress?.({ phase: 'features', done: nVisited, total: maxFeat });
      }
    }
    lap('features', t2);

    const t3 = performance.now();
    const graph = assembleGraph(this.model, this.transcoders.scan, comps, targets, store, visited);
    lap('packaging', t3);
    lap('total', t0);
    let dropped = 0;
    for (const r of store.rows) dropped += r.dropped > 0 ? 1 : 0;
    return { graph, components: comps, targets, droppedEdges: dropped, timings, backwardFlops: this.flops };
  }

  /** onnxruntime sessions of the backward pass held now (top and layer graphs; layers with equal graphs share one) */
  get backwardSessions(): number {
    return this.layerSessions.size;
  }

  dispose(): void {
    this.encoder.dispose();
    for (const s of this.layerSessions.values()) void s.then((x) => x.dispose());
    this.layerSessions.clear();
    this.layerGraphs.clear();
    this.skips.clear();
  }

  /**
   * The batched backward seam (circuit-tracer's compute_batch): one linear backward pass of the frozen local
   * replacement model down to the embeddings, for n attribution rows at once.
   *   joins:  [n] the layer each row enters at, in descending order (L: the ln_f output, for logit rows); a row runs
   *           through the layers below its own only, so a batch may mix layers without extra work.
   *   inject: [n, nBatchPos, d_model], each row's vector injected where it enters (a logit's demeaned unembedding at
   *           the last position, or a feature's encoder vector at its position, taken at its transcoder's input);
   *           only the first `nBatchPos` positions take part (every target sits before it; causality makes later
   *           ones irrelevant).
   *   out:    dense rows [n, nSources], one per injected vector: its direct effect on each source, in node order —
   *           the nActive active features, then the L × P error nodes (layer-major), then the P token nodes; they
   *           live in scratch.rows, reused by the next call.
   * At each layer the rows already in flight take the layer's full backward graph and the rows entering there its
   * entry graph (the attention part only: sources in the same layer do not reach a feature's input); the two
   * gradients are stacked, in flight first, so a row's index in the batch is its index in every step.
   */
  private async backward(comps: Components, joins: Int32Array, nBatchPos: number, inject: Float32Array, nSources: number, scratch: { rows: Float32Array }): Promise<Float32Array> {
    const cfg = this.model.config;
    const { nLayers: L, dModel: d } = cfg;
    const n = joins.length;
    if (scratch.rows.length < n * nSources) scratch.rows = new Float32Array(n * nSources);
    else scratch.rows.fill(0, 0, n * nSources);
    const rows = scratch.rows.subarray(0, n * nSources);
    const stride = nBatchPos * d;
    let grad: Float32Array = new Float32Array(0);
    let k = 0; // rows in flight: the first k of the batch
    if (joins[0] === L) {
      const top = await this.session('top', () => familyOf(cfg).backwardTopGraph(cfg, this.model.weights));
      while (k < n && joins[k] === L) k++;
      grad = (await top.run({ [BN.inject]: { data: inject.subarray(0, k * stride), dims: [k, nBatchPos, d] }, [BN.lnfScale]: col(comps.forward.lnfScale, nBatchPos) }))[BN.gradOut].data;
    }
    for (let l = Math.min(joins[0], L - 1); l >= 0; l--) {
      let e = k;
      while (e < n && joins[e] === l) e++;
      const full = k > 0 ? await this.layerStep(comps, l, nBatchPos, grad, k, rows, nSources) : undefined;
      const entry = e > k ? await this.entryStep(comps, l, nBatchPos, inject.subarray(k * stride, e * stride), e - k, k, rows, nSources) : undefined;
      if (full && entry) {
        grad = new Float32Array(e * stride);
        grad.set(full);
        grad.set(entry, k * stride);
      } else grad = full ?? entry ?? grad;
      k = e;
    }
    return rows;
  }

  /** the frozen quantities of layer l's backward graphs, over the first nBatchPos positions */
  private frozen(comps: Components, l: number, nBatchPos: number): Feed {
    const { nHeads: H, dModel: d } = this.model.config;
    const P = comps.nPos;
    const pat = comps.forward.layers[l].pattern;
    let sliced = pat;
    if (nBatchPos !== P) {
      sliced = new Float32Array(H * nBatchPos * nBatchPos);
      for (let h = 0; h < H; h++) for (let q = 0; q < nBatchPos; q++) sliced.set(pat.subarray((h * P + q) * P, (h * P + q) * P + nBatchPos), (h * nBatchPos + q) * nBatchPos);
    }
    const feed: Feed = {
      [BN.pattern]: { data: sliced, dims: [1, H, nBatchPos, nBatchPos] },
      [BN.tokens]: { data: comps.tokens.subarray(0, nBatchPos * d), dims: [nBatchPos, d] },
    };
    for (const [name, s] of Object.entries(comps.forward.layers[l].scales)) feed[BN.scale(name)] = col(s, nBatchPos);
    return feed;
  }

  /** rows entering at layer l (batch rows first..first+n−1): their vectors through the attention part of layer l */
  private async entryStep(comps: Components, l: number, nBatchPos: number, inject: Float32Array, n: number, first: number, rows: Float32Array, nSources: number): Promise<Float32Array> {
    const d = this.model.config.dModel;
    const s = await this.layerSession(l, true);
    const out = await s.run({ ...this.frozen(comps, l, nBatchPos), [BN.inject]: { data: inject, dims: [n, nBatchPos, d] } });
    this.flops += 2 * n * attentionMacs(this.model.config, nBatchPos);
    if (l === 0) this.scatterTokens(out[BN.tokenEdges].data, rows, first, n, nBatchPos, nSources, comps);
    return out[BN.gradOut].data;
  }

  /** the rows in flight (batch rows 0..n−1) through all of layer l: their edges from the sources writing there */
  private async layerStep(comps: Components, l: number, nBatchPos: number, grad: Float32Array, n: number, rows: Float32Array, nSources: number): Promise<Float32Array> {
    const d = this.model.config.dModel;
    const P = comps.nPos;
    const nActive = comps.layer.length;
    const s = await this.layerSession(l, false);
    const dec = comps.decoders[l];
    const M = dec.slotWidth;
    // the slots of positions before nBatchPos are the first ones; none: one zero slot, whose edges are not read
    const nSlots = dec.slotsBefore[nBatchPos];
    const S = Math.max(1, nSlots);
    const out = await s.run({
      ...this.frozen(comps, l, nBatchPos),
      [BN.gradIn]: { data: grad, dims: [n, nBatchPos, d] },
      [BN.decoders]: { data: nSlots > 0 ? dec.table.subarray(0, S * d * M) : new Float32Array(d * M), dims: [S, d, M] },
      [BN.slotPos]: { data: nSlots > 0 ? dec.slotPos.subarray(0, S) : new BigInt64Array(1), dims: [S] },
      [BN.errors]: { data: comps.errors[l].subarray(0, nBatchPos * d), dims: [nBatchPos, d] },
    });
    const fe = out[BN.featureEdges].data;
    const skip = this.transcoders.hasSkip ? nBatchPos * d * d : 0;
    this.flops += 2 * n * (attentionMacs(this.model.config, nBatchPos) + skip + 2 * nBatchPos * d + S * d * M);
    // row by row: the writes of one row stay within it (a column-first order misses the cache on every write)
    for (let b = 0; b < n; b++) {
      const row = b * nSources;
      for (let sl = 0; sl < nSlots; sl++) {
        const from = (sl * n + b) * M;
        for (let m = 0; m < M; m++) {
          const src = dec.source[sl * M + m];
          if (src >= 0) rows[row + src] += fe[from + m];
        }
      }
    }
    const ee = out[BN.errorEdges].data;
    for (let b = 0; b < n; b++) for (let p = 0; p < nBatchPos; p++) rows[b * nSources + nActive + l * P + p] = ee[b * nBatchPos + p];
    if (l === 0) this.scatterTokens(out[BN.tokenEdges].data, rows, 0, n, nBatchPos, nSources, comps);
    return out[BN.gradOut].data;
  }

  /** token edges of batch rows first..first+n−1 */
  private scatterTokens(te: Float32Array, rows: Float32Array, first: number, n: number, nBatchPos: number, nSources: number, comps: Components): void {
    const offset = comps.layer.length + this.model.config.nLayers * comps.nPos;
    for (let b = 0; b < n; b++) for (let p = 0; p < nBatchPos; p++) rows[(first + b) * nSources + offset + p] = te[b * nBatchPos + p];
  }

  /**
   * The session of layer l's backward graph, and the weights to feed it. Graphs whose weights are all fed inputs
   * (Llama, Qwen3, Gemma) serialise to the same bytes for every layer but 0, so one session serves them all, fed each
   * layer's arrays: a few sessions instead of two per layer, each of which would keep an arena of its own.
   */
  private async layerSession(l: number, entry: boolean): Promise<{ run: (feed: Feed) => Promise<Record<string, Fetched>> }> {
    const key = `${l}${entry ? 'e' : ''}`;
    let graph = this.layerGraphs.get(key);
    if (!graph) {
      const tc = this.transcoders;
      // one skip array per layer, fed to both of its graphs (entry or not)
      if (!this.skips.has(l)) this.skips.set(l, tc.skip(l));
      const bytes: GraphBytes = familyOf(this.model.config).backwardLayerGraph(this.model.config, this.model.weights, { layer: l, entry, inputHook: tc.inputHook, W_skip: this.skips.get(l) });
      graph = { hash: createHash('sha256').update(bytes).digest('hex'), weights: bytes.weights ?? new Map() };
      this.layerGraphs.set(key, graph);
      void this.session(graph.hash, () => bytes); // created once per distinct graph
    }
    const s = await this.layerSessions.get(graph.hash)!;
    const weights = graph.weights;
    return { run: (feed) => s.run(only(s, feed), undefined, weights) };
  }

  private session(key: string, build: () => Uint8Array): Promise<GraphSession> {
    let s = this.layerSessions.get(key);
    if (!s) {
      s = GraphSession.create(build(), { threads: this.threads });
      this.layerSessions.set(key, s);
    }
    return s;
  }
}

/** the feed restricted to the inputs a session declares (graphs omit inputs they do not use) */
function only(s: GraphSession, feed: Feed): Feed {
  const out: Feed = {};
  for (const name of s.inputNames) {
    if (!feed[name]) throw new EngineError('internal', `backward graph input ${name} has no value`);
    out[name] = feed[name];
  }
  return out;
}
