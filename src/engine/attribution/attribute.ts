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
import { type Components, computeComponents } from './components';
import type { AttributionGraph, SparseAdjacency } from './graph';
import { RowStore } from './rows';
import { buildTargets, type TargetSpec, type Targets, type Unembedding, unembedding } from './targets';

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

    // logit rows
    const t1 = performance.now();
    for (let k0 = 0; k0 < nLogits; k0 += batchRows) {
      const k1 = Math.min(nLogits, k0 + batchRows);
      const n = k1 - k0;
      const inject = new Float32Array(n * P * cfg.dModel);
      for (let b = 0; b < n; b++) inject.set(targets.vectors.subarray((k0 + b) * cfg.dModel, (k0 + b + 1) * cfg.dModel), (b * P + P - 1) * cfg.dModel);
      const rows = await this.backward(comps, L, P, inject, n, nSources);
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
      // one round's rows do not depend on each other: batch them by layer, positions ascending (shorter passes)
      pending.sort((i, j) => comps.layer[i] - comps.layer[j] || comps.pos[i] - comps.pos[j] || i - j);
      for (let s = 0; s < pending.length; ) {
        const l = comps.layer[pending[s]];
        let e = s;
        while (e < pending.length && e - s < batchRows && comps.layer[pending[e]] === l) e++;
        const batch = pending.slice(s, e);
        const nBatchPos = comps.pos[batch[batch.length - 1]] + 1;
        const inject = new Float32Array(batch.length * nBatchPos * cfg.dModel);
        const d = cfg.dModel;
        batch.forEach((f, b) => {
          inject.set(comps.encoders.subarray(f * d, (f + 1) * d), (b * nBatchPos + comps.pos[f]) * d);
        });
        const rows = await this.backward(comps, l, nBatchPos, inject, batch.length, nSources);
        batch.forEach((f, b) => {
          store.add(f, rows.subarray(b * nSources, (b + 1) * nSources));
          visited[f] = 1;
        });
        nVisited += batch.length;
        s = e;
        onProgress?.({ phase: 'features', done: nVisited, total: maxFeat });
      }
    }
    lap('features', t2);

    const t3 = performance.now();
    const graph = this.package(comps, targets, store, visited);
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
   * replacement model from `entryLayer` (L: the ln_f output) down to the embeddings, for n attribution rows at once.
   *   in:  `inject` [n, nBatchPos, d_model], each row's vector injected at `entryLayer` (a logit's demeaned
   *        unembedding at the last position, or a feature's encoder vector at its position); only the first
   *        `nBatchPos` positions take part (every target sits before it; causality makes later ones irrelevant).
   *   out: dense rows [n, nSources], one per injected vector: its direct effect on each source, in node order —
   *        the nActive active features, then the L × P error nodes (layer-major), then the P token nodes.
   */
  private async backward(comps: Components, entryLayer: number, nBatchPos: number, inject: Float32Array, n: number, nSources: number): Promise<Float32Array> {
    const cfg = this.model.config;
    const { nLayers: L, dModel: d, nHeads: H } = cfg;
    const P = comps.nPos;
    const nActive = comps.layer.length;
    const rows = new Float32Array(n * nSources);
    const fwd = comps.forward;
    const col = (x: Float32Array, len: number) => ({ data: x.subarray(0, len), dims: [len, 1] });
    const frozen = (l: number): Feed => {
      const pat = fwd.layers[l].pattern;
      let sliced = pat;
      if (nBatchPos !== P) {
        sliced = new Float32Array(H * nBatchPos * nBatchPos);
        for (let h = 0; h < H; h++) for (let q = 0; q < nBatchPos; q++) sliced.set(pat.subarray((h * P + q) * P, (h * P + q) * P + nBatchPos), (h * nBatchPos + q) * nBatchPos);
      }
      const feed: Feed = {
        [BN.pattern]: { data: sliced, dims: [1, H, nBatchPos, nBatchPos] },
        [BN.tokens]: { data: comps.tokens.subarray(0, nBatchPos * d), dims: [nBatchPos, d] },
      };
      for (const [name, s] of Object.entries(fwd.layers[l].scales)) feed[BN.scale(name)] = col(s, nBatchPos);
      return feed;
    };

    let grad: Float32Array;
    let l = entryLayer;
    if (entryLayer === L) {
      const top = await this.session('top', () => familyOf(cfg).backwardTopGraph(cfg, this.model.weights));
      grad = (await top.run({ [BN.inject]: { data: inject, dims: [n, nBatchPos, d] }, [BN.lnfScale]: col(fwd.lnfScale, nBatchPos) }))[BN.gradOut].data;
    } else {
      const s = await this.layerSession(l, true);
      const out = await s.run({ ...frozen(l), [BN.inject]: { data: inject, dims: [n, nBatchPos, d] } });
      this.flops += 2 * n * nBatchPos * (2 * d * d + nBatchPos * d);
      grad = out[BN.gradOut].data;
      if (l === 0) this.scatterTokens(out[BN.tokenEdges].data, rows, n, nBatchPos, nSources, nActive + L * P);
    }
    for (l = entryLayer - 1; l >= 0; l--) {
      const s = await this.layerSession(l, false);
      const dec = comps.decoders[l];
      const M = dec.slotWidth;
      // the slots of positions before nBatchPos are the first ones; none: one zero slot, whose edges are not read
      const nSlots = dec.slotsBefore[nBatchPos];
      const S = Math.max(1, nSlots);
      const feed: Feed = {
        ...frozen(l),
        [BN.gradIn]: { data: grad, dims: [n, nBatchPos, d] },
        [BN.decoders]: { data: nSlots > 0 ? dec.table.subarray(0, S * d * M) : new Float32Array(d * M), dims: [S, d, M] },
        [BN.slotPos]: { data: nSlots > 0 ? dec.slotPos.subarray(0, S) : new BigInt64Array(1), dims: [S] },
        [BN.errors]: { data: comps.errors[l].subarray(0, nBatchPos * d), dims: [nBatchPos, d] },
      };
      const out = await s.run(feed);
      const fe = out[BN.featureEdges].data;
      const matrices = this.transcoders.hasSkip ? 3 : 2;
      this.flops += 2 * n * (nBatchPos * (matrices * d * d + nBatchPos * d + 2 * d) + S * d * M);
      for (let sl = 0; sl < nSlots; sl++) {
        for (let m = 0; m < M; m++) {
          const src = dec.source[sl * M + m];
          if (src < 0) continue;
          for (let b = 0; b < n; b++) rows[b * nSources + src] += fe[(sl * n + b) * M + m];
        }
      }
      const ee = out[BN.errorEdges].data;
      for (let b = 0; b < n; b++) for (let p = 0; p < nBatchPos; p++) rows[b * nSources + nActive + l * P + p] = ee[b * nBatchPos + p];
      grad = out[BN.gradOut].data;
      if (l === 0) this.scatterTokens(out[BN.tokenEdges].data, rows, n, nBatchPos, nSources, nActive + L * P);
    }
    return rows;
  }

  private scatterTokens(te: Float32Array, rows: Float32Array, n: number, nBatchPos: number, nSources: number, offset: number): void {
    for (let b = 0; b < n; b++) for (let p = 0; p < nBatchPos; p++) rows[b * nSources + offset + p] = te[b * nBatchPos + p];
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

  /** circuit-tracer's packaging: selected features by index, then errors, tokens and logits; unselected columns dropped */
  private package(comps: Components, targets: Targets, store: RowStore, visited: Uint8Array): AttributionGraph {
    const nActive = comps.layer.length;
    const L = this.model.config.nLayers;
    const P = comps.nPos;
    const selected: number[] = [];
    const colMap = new Int32Array(nActive).fill(-1);
    for (let i = 0; i < nActive; i++) if (visited[i]) colMap[i] = selected.push(i) - 1;
    const F = selected.length;
    const nLogits = targets.targets.length;
    const N = F + (L + 1) * P + nLogits;
    const rowOf = new Int32Array(N).fill(-1);
    store.rows.forEach((r, ri) => (rowOf[r.node >= nActive ? F + (L + 1) * P + (r.node - nActive) : colMap[r.node]] = ri));
    let nnz = 0;
    for (const r of store.rows) nnz += r.cols.length;
    const adj: SparseAdjacency = { n: N, rowPtr: new Int32Array(N + 1), cols: new Int32Array(nnz), vals: new Float32Array(nnz), droppedAbs: new Float32Array(N) };
    let e = 0;
    for (let t = 0; t < N; t++) {
      const ri = rowOf[t];
      if (ri >= 0) {
        const r = store.rows[ri];
        adj.droppedAbs[t] = r.dropped;
        for (let i = 0; i < r.cols.length; i++) {
          const c = r.cols[i];
          const to = c < nActive ? colMap[c] : c - nActive + F;
          if (to < 0) continue;
          adj.cols[e] = to;
          adj.vals[e++] = r.vals[i];
        }
      }
      adj.rowPtr[t + 1] = e;
    }
    const trimmed = e === nnz ? adj : { ...adj, cols: adj.cols.slice(0, e), vals: adj.vals.slice(0, e) };
    const decode = (id: number) => this.model.decode(id);
    return {
      inputString: comps.ids.map(decode).join(''),
      inputTokens: comps.ids,
      promptTokens: comps.ids.map(decode),
      nLayers: L,
      activeFeatures: { layer: comps.layer, pos: comps.pos, feature: comps.feature, activation: comps.activation },
      selectedFeatures: Int32Array.from(selected),
      logitTargets: targets.targets,
      logitProbabilities: targets.probabilities,
      vocabSize: this.model.config.dVocab,
      adjacency: trimmed,
      scan: this.transcoders.scan,
    };
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
