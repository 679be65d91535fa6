// intervene(): run a prompt clean and with interventions (one forward graph with the changes built in, as
// circuit-tracer's ReplacementModel.feature_intervention does with hooks), then compare: top next tokens, logit changes of targets, the downstream features whose
// activations changed most, and optionally a greedy continuation with the intervention held.
import type { AttributionModel } from '../attribution/attribute';
import { transcoderInput } from '../attribution/components';
import { EngineError, throwIfAborted } from '../errors';
import { applyActivation, checkTranscodersFit, type TranscoderSet } from '../model/transcoders';
import { checkTranscoderHooks, familyOf } from '../families/registry';
import { forwardNames as N, unpackForward, type ForwardResult, type ForwardSpec } from '../onnx/forward';
import { cleanInputLayers, interventionEdit, interventionFeed, interventionNames as IN } from '../onnx/interventionGraph';
import { type Feed, GraphSession } from '../onnx/session';
import { TranscoderEncoder } from '../onnx/transcoderGraphs';
import type { ProgressSink } from '../progress';
import { continuation, type Continuation } from '../generate';
import { compareFeatures, nextTokens, targetChanges, type FeatureActivations, type FeatureChange, type TargetChange, type TopToken } from './report';
import {
  type Column,
  columnMask,
  DEFAULT_INTERVENTION_MODE,
  DEFAULT_MAX_CHANGES,
  DEFAULT_TOP_K,
  type Intervention,
  type InterventionMode,
  planColumns,
} from './spec';

export interface InterveneOptions {
  mode?: InterventionMode;
  /** greedy continuation of this many tokens, clean and with the intervention held (0: none) */
  generate?: number;
  topK?: number;
  /** token ids whose logit changes are reported (default: the clean top-k) */
  targets?: number[];
  /** how many changed downstream features to list (Infinity: all) */
  maxChanges?: number;
  /** report pre-activations instead of activations (circuit-tracer's apply_activation_function=False) */
  preActivations?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

export interface AppliedIntervention {
  layer: number;
  pos: number;
  feature: number;
  /** activation in the clean run */
  clean: number;
  /** the activation the intervention gave it */
  value: number;
}

export interface InterventionResult {
  mode: InterventionMode;
  /** the prompt's token ids, BOS included */
  ids: number[];
  clean: { top: TopToken[]; continuation?: Continuation };
  intervened: { top: TopToken[]; continuation?: Continuation };
  /** logit and probability changes of the targets at the last position */
  targets: TargetChange[];
  /** each intervened (layer, position, feature) of the prompt */
  applied: AppliedIntervention[];
  /** downstream features (position ≥ 1, not intervened) with the largest activation changes, largest first */
  changes: FeatureChange[];
}

/** intervention graphs kept per Intervener (each holds a copy of the model's weights) */
const MAX_SESSIONS = 4;

/** Holds the sessions of one (model, transcoders) pair; reuse it across requests, then dispose. */
export class Intervener {
  private readonly sessions = new Map<string, Promise<GraphSession>>();

  private constructor(
    readonly model: AttributionModel,
    readonly transcoders: TranscoderSet,
    private readonly encoder: TranscoderEncoder,
    private readonly threads?: number,
  ) {}

  static async create(model: AttributionModel, transcoders: TranscoderSet, opts: { threads?: number } = {}): Promise<Intervener> {
    checkTranscodersFit(transcoders, model.config);
    checkTranscoderHooks(transcoders, model.config);
    const encoder = await TranscoderEncoder.create(transcoders, { threads: opts.threads });
    return new Intervener(model, transcoders, encoder, opts.threads);
  }

  async intervene(ids: number[], interventions: readonly Intervention[], opts: InterveneOptions = {}): Promise<InterventionResult> {
    const { signal, onProgress } = opts;
    const mode = opts.mode ?? DEFAULT_INTERVENTION_MODE;
    const topK = opts.topK ?? DEFAULT_TOP_K;
    const generate = opts.generate ?? 0;
    if (!Number.isInteger(generate) || generate < 0) throw new EngineError('badInput', `generate must be a whole number of tokens ≥ 0, not ${generate}.`);
    if (!Number.isInteger(topK) || topK < 1) throw new EngineError('badInput', `topK must be a positive whole number, not ${topK}.`);
    const cfg = this.model.config;
    const zeroPositions = this.model.config.zeroPositions;
    const columns = planColumns(interventions, this.transcoders.nLayers, this.transcoders.dTranscoder, ids.length, zeroPositions);
    if (generate === 0 && columns.every((c) => 'from' in c.positions && c.positions.from >= ids.length)) {
      throw new EngineError('badInput', "Interventions on generated tokens only change a continuation: ask for one (generate > 0) or choose prompt positions.");
    }
    const decode = (id: number) => this.model.decode(id);

    onProgress?.({ message: 'running the prompt clean', fraction: 0 });
    const clean = await this.model.forward(ids, signal);
    onProgress?.({ message: `running the prompt with the intervention (${mode})`, fraction: generate ? 0.1 : 0.5 });
    const session = await this.session(columns, mode);
    const changed = await this.runIntervened(session, columns, mode, ids, clean, signal);

    const [cleanActs, newActs] = [await this.encode(clean), await this.encode(changed)];
    const [before, after] = [lastLogits(clean), lastLogits(changed)];
    const cleanTop = nextTokens(before, topK, decode);
    const applied = this.applied(columns, mode, ids.length, cleanActs, newActs);
    const result: InterventionResult = {
      mode,
      ids,
      clean: { top: cleanTop },
      intervened: { top: nextTokens(after, topK, decode) },
      targets: targetChanges(opts.targets ?? cleanTop.map((t) => t.id), before, after, decode),
      applied,
      changes: compareFeatures(cleanActs, newActs, { pre: opts.preActivations ?? false, exclude: applied, max: opts.maxChanges ?? DEFAULT_MAX_CHANGES, zeroPositions }),
    };
    if (generate > 0) {
      const cont = (first: Float32Array, offset: number, next: (seq: number[]) => Promise<ForwardResult>) =>
        continuation(
          ids,
          generate,
          {
            nCtx: cfg.nCtx,
            eos: cfg.eosTokenIds ?? cfg.eosTokenId,
            decode,
            decodeAll: this.model.decodeAll?.bind(this.model),
            signal,
            first,
            onToken: (n) => onProgress?.({ message: `generating: ${offset + n} of ${2 * generate} tokens`, fraction: 0.1 + (0.9 * (offset + n)) / (2 * generate) }),
          },
          async (seq) => lastLogits(await next(seq)),
        );
      result.clean.continuation = await cont(before, 0, (seq) => this.model.forward(seq, signal));
      // each step reruns the sequence with the intervention held; frozen modes freeze the clean run of that sequence
      result.intervened.continuation = await cont(after, generate, async (seq) =>
        this.runIntervened(session, columns, mode, seq, mode === 'free' ? undefined : await this.model.forward(seq, signal), signal),
      );
    }
    return result;
  }

  /** every feature's activation and pre-activation on the clean run of `ids` (e.g. to find the top feature at a token) */
  async activations(ids: number[], signal?: AbortSignal): Promise<FeatureActivations> {
    return this.encode(await this.model.forward(ids, signal));
  }

  dispose(): void {
    this.encoder.dispose();
    for (const s of this.sessions.values()) void s.then((x) => x.dispose()).catch(() => undefined);
    this.sessions.clear();
  }

  /**
   * One intervened forward over `ids`. Frozen modes replay `clean`, the clean run of the same ids: its patterns (and
   * norm scales, MLP outputs and transcoder inputs when constrained).
   */
  private async runIntervened(
    session: GraphSession,
    columns: Column[],
    mode: InterventionMode,
    ids: number[],
    clean: ForwardResult | undefined,
    signal?: AbortSignal,
  ): Promise<ForwardResult> {
    throwIfAborted(signal);
    const { nLayers: L, dModel: d, nHeads: H } = this.model.config;
    const P = ids.length;
    const feed: Feed = {
      [N.inputIds]: { data: BigInt64Array.from(ids, (i) => BigInt(i)), dims: [1, P] },
      ...interventionFeed(this.transcoders, columns, (_, cols) => columnMask(cols.map((i) => columns[i]), P), P),
    };
    if (mode !== 'free') {
      const c = clean!;
      for (let l = 0; l < L; l++) feed[N.frozen(N.pattern(l))] = { data: c.layers[l].pattern, dims: [1, H, P, P] };
      if (mode === 'constrained') {
        feed[N.frozen(N.lnfScale)] = { data: c.lnfScale, dims: [1, P, 1] };
        for (let l = 0; l < L; l++) {
          for (const [name, s] of Object.entries(c.layers[l].scales)) feed[N.frozen(N.scale(name, l))] = { data: s, dims: [1, P, 1] };
          feed[N.frozen(N.mlpOut(l))] = { data: c.layers[l].mlpOut, dims: [1, P, d] };
        }
        for (const l of cleanInputLayers(this.transcoders, { layers: layersOf(columns), constrained: true })) {
          feed[IN.cleanInput(l)] = { data: transcoderInput(this.transcoders, c, l, d), dims: [1, P, d] };
        }
      }
    }
    const out = await session.run(feed);
    throwIfAborted(signal);
    return unpackForward(out, ids, L);
  }

  /** activations and pre-activations of every feature, per layer [P, d_transcoder] */
  private async encode(fwd: ForwardResult): Promise<FeatureActivations> {
    const tc = this.transcoders;
    const d = tc.dModel;
    const out = await this.encoder.all(Array.from({ length: tc.nLayers }, (_, l) => transcoderInput(tc, fwd, l, d)), fwd.nPos, false);
    return activationsFrom(tc, fwd.nPos, (l) => out[l].pre);
  }

  /** the intervened prompt entries with their clean and new activations (constrained mode uses the clean activation as current) */
  private applied(columns: Column[], mode: InterventionMode, P: number, clean: FeatureActivations, changed: FeatureActivations): AppliedIntervention[] {
    const n = this.transcoders.dTranscoder;
    const mask = columnMask(columns, P);
    const K = columns.length;
    const out: AppliedIntervention[] = [];
    columns.forEach((c, k) => {
      for (let p = 0; p < P; p++) {
        if (!mask[p * K + k]) continue;
        const before = clean.act[c.layer][p * n + c.feature];
        const current = mode === 'constrained' ? before : changed.act[c.layer][p * n + c.feature];
        out.push({ layer: c.layer, pos: p, feature: c.feature, clean: before, value: c.alpha + (1 + c.beta) * current });
      }
    });
    return out;
  }

  /** one session per mode and set of intervened layers; features, amounts and positions are inputs */
  private session(columns: Column[], mode: InterventionMode): Promise<GraphSession> {
    const layers = layersOf(columns);
    const key = `${mode}|${layers.join(',')}`;
    let s = this.sessions.get(key);
    if (!s) {
      if (this.sessions.size >= MAX_SESSIONS) {
        const [oldest, old] = this.sessions.entries().next().value!;
        this.sessions.delete(oldest);
        void old.then((x) => x.dispose()).catch(() => undefined);
      }
      const cfg = this.model.config;
      const spec: ForwardSpec = {
        freeze: { patterns: mode !== 'free', normScales: mode === 'constrained', mlpOut: mode === 'constrained' },
        editMlpOut: interventionEdit(this.transcoders, { layers, constrained: mode === 'constrained' }),
      };
      s = GraphSession.create(familyOf(cfg).forwardGraph(cfg, this.model.weights, spec), { threads: this.threads, memPattern: false });
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }
}

function activationsFrom(tc: TranscoderSet, P: number, pre: (l: number) => Float32Array): FeatureActivations {
  const n = tc.dTranscoder;
  const out: FeatureActivations = { pre: [], act: [], nPos: P, dTranscoder: n };
  for (let l = 0; l < tc.nLayers; l++) {
    const p = pre(l);
    const a = Float32Array.from(p);
    for (let i = 0; i < P; i++) applyActivation(tc.activation, a.subarray(i * n, (i + 1) * n), tc.layers[l].threshold);
    out.pre.push(p);
    out.act.push(a);
  }
  return out;
}

const layersOf = (columns: readonly Column[]): number[] => [...new Set(columns.map((c) => c.layer))].sort((a, b) => a - b);

/** the logits of the last position, [d_vocab] */
const lastLogits = (f: ForwardResult): Float32Array => {
  const V = f.logits.length / f.nPos;
  return f.logits.subarray((f.nPos - 1) * V);
};
