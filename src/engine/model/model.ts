// A loaded checkpoint folder: config, weights, tokenizer and the forward session, loaded once and reused.
import { EngineError, throwIfAborted } from '../errors';
import type { ProgressSink } from '../progress';
import { unpackForward, forwardNames, type ForwardResult, type ForwardSpec } from '../onnx/forward';
import { GraphSession } from '../onnx/session';
import type { Family, FamilyWeights } from '../families/family';
import { architectureOf, familyOf } from '../families/registry';
import { softmax } from '../tensor';
import { readRawConfig, type ModelConfig } from './config';
import { TensorStore } from './safetensors';
import { PromptTokenizer, type PromptToken } from './tokenizer';

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  /** onnxruntime intra-op threads (default: the session helper's) */
  threads?: number;
  /**
   * Hold BF16/F16 weights as fp32 (twice the memory) instead of as stored: each forward pass then skips converting
   * them (~1.3 ns a weight, e.g. +1.6 s a pass for Llama-3.2-1B on one core), which matters for long generations.
   * Default: the environment variable SELF_TRACE_FP32_WEIGHTS=1, else as stored.
   */
  fp32Weights?: boolean;
}

/** One candidate for the next token. */
export interface NextToken {
  id: number;
  token: string;
  prob: number;
  logit: number;
}

export class Model {
  private constructor(
    readonly dir: string,
    readonly config: ModelConfig,
    readonly weights: FamilyWeights,
    readonly tokenizer: PromptTokenizer,
    private readonly session: GraphSession,
    private readonly threads: number | undefined,
  ) {}

  static async load(dir: string, opts: LoadOptions = {}): Promise<Model> {
    const { signal, onProgress } = opts;
    const { raw, file } = readRawConfig(dir);
    const arch = architectureOf(raw, file);
    const A = familyOf({ architecture: arch });
    const config = A.parseConfig(raw, file, arch);
    const tokenizer = PromptTokenizer.load(dir, config);
    onProgress?.({ message: 'reading weights', fraction: 0.1 });
    const store = TensorStore.openFolder(dir);
    const warnings = layerCountWarnings(store.names(), config.nLayers, file);
    let weights: FamilyWeights;
    const fp32 = opts.fp32Weights ?? process.env.SELF_TRACE_FP32_WEIGHTS === '1';
    try {
      // without readStored, the families read every tensor as fp32
      weights = A.loadWeights(fp32 ? { has: (n) => store.has(n), names: () => store.names(), info: (n) => store.info(n), read: (n) => store.read(n), readRows: (n, r) => store.readRows(n, r), close: () => store.close() } : store, config, dir, signal);
    } finally {
      store.close();
    }
    throwIfAborted(signal);
    onProgress?.({ message: 'building the forward graph', fraction: 0.5 });
    const graph = A.forwardGraph(config, weights);
    throwIfAborted(signal);
    onProgress?.({ message: 'starting onnxruntime', fraction: 0.7 });
    const session = await GraphSession.create(graph, { threads: opts.threads, memPattern: false });
    onProgress?.({ message: 'model ready', fraction: 1 });
    const model = new Model(dir, config, weights, tokenizer, session, opts.threads);
    model.warnings.push(...warnings);
    return model;
  }

  /** What is odd about this checkpoint but does not stop it (a config with fewer layers than the weights). */
  readonly warnings: string[] = [];

  /** Prompt tokens with BOS and character offsets; checks the context length. */
  tokenize(text: string): PromptToken[] {
    // refused before tokenizing: a text this long is more tokens than the context, whatever they are
    if (text.length > this.tokenizer.charsAtMost(this.config.nCtx)) {
      throw new EngineError('badInput', `The prompt is ${text.length} characters, more than this model's context of ${this.config.nCtx} tokens can hold.`);
    }
    const tokens = this.tokenizer.encode(text);
    const prefix = this.config.promptPrefix;
    if (prefix && !prefix.ids.every((id, i) => tokens[i]?.id === id)) {
      throw new EngineError(
        'badInput',
        `This instruction-tuned model is traced as circuit-tracer traces it, with its chat template: start the prompt with ${JSON.stringify(prefix.text)} (tokens ${prefix.ids.join(', ')}).`,
      );
    }
    if (tokens.length > this.config.nCtx) {
      throw new EngineError('badInput', `The prompt is ${tokens.length} tokens long; this model's context is ${this.config.nCtx} tokens.`);
    }
    return tokens;
  }

  /** One clean forward pass with every intermediate (see ForwardResult). */
  async forward(ids: number[], signal?: AbortSignal): Promise<ForwardResult> {
    this.checkIds(ids);
    throwIfAborted(signal);
    const out = await this.session.run(this.feed(ids));
    throwIfAborted(signal);
    return unpackForward(out, ids, this.config.nLayers);
  }

  /** Logits [P, d_vocab] only. */
  async logits(ids: number[], signal?: AbortSignal): Promise<Float32Array> {
    this.checkIds(ids);
    throwIfAborted(signal);
    const out = await this.session.run(this.feed(ids), [forwardNames.logits]);
    return out[forwardNames.logits].data;
  }

  /** The k most likely next tokens after the last position of `logits` [P, d_vocab]. */
  topNext(logits: Float32Array, k: number): NextToken[] {
    const V = this.config.dVocab;
    return topK(logits.subarray(logits.length - V), k).map(({ id, prob, logit }) => ({ id, token: this.tokenizer.decode(id), prob, logit }));
  }

  /** A new session over a variant of the forward graph (frozen inputs, deltas); the caller disposes it. */
  async forwardSession(spec: ForwardSpec): Promise<GraphSession> {
    return GraphSession.create(this.family.forwardGraph(this.config, this.weights, spec), { threads: this.threads, memPattern: false });
  }

  /** the model's family: its graphs, token vectors and hooks (see families/family.ts) */
  get family(): Family {
    return familyOf(this.config);
  }

  dispose(): void {
    this.session.dispose();
  }

  private feed(ids: number[]) {
    return { [forwardNames.inputIds]: { data: BigInt64Array.from(ids, (i) => BigInt(i)), dims: [1, ids.length] } };
  }

  private checkIds(ids: number[]): void {
    if (ids.length === 0) throw new EngineError('badInput', 'The prompt is empty.');
    if (ids.length > this.config.nCtx) {
      throw new EngineError('badInput', `The prompt is ${ids.length} tokens long; this model's context is ${this.config.nCtx} tokens.`);
    }
    const bad = ids.find((i) => !Number.isInteger(i) || i < 0 || i >= this.config.dVocab);
    if (bad !== undefined) throw new EngineError('badInput', `Token id ${bad} is outside the vocabulary (0…${this.config.dVocab - 1}).`);
  }
}

export const loadModel = (dir: string, opts?: LoadOptions): Promise<Model> => Model.load(dir, opts);

/** softmax over one row of logits, then the k largest: ids, probabilities and logits */
export function topK(row: Float32Array, k: number): { id: number; prob: number; logit: number }[] {
  const probs = softmax(row);
  const ids = Array.from({ length: row.length }, (_, i) => i);
  ids.sort((a, b) => row[b] - row[a]);
  return ids.slice(0, k).map((id) => ({ id, prob: probs[id], logit: row[id] }));
}

/** The checkpoint's block count from its tensor names (`h.3.`, `layers.3.`, `blocks.3.`) against the config's. */
export function layerCountWarnings(names: readonly string[], nLayers: number, configFile: string): string[] {
  let most = -1;
  for (const n of names) {
    if (/vision|visual|audio/.test(n)) continue; // a multimodal tower counts its own layers
    const m = /(?:^|\.)(?:h|layers|blocks)\.(\d+)\./.exec(n);
    if (m) most = Math.max(most, Number(m[1]));
  }
  if (most + 1 > nLayers) {
    return [`${configFile} says ${nLayers} layers but the checkpoint has weights for ${most + 1}; only the first ${nLayers} run (is the config from another model?).`];
  }
  return [];
}
