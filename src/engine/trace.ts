// `trace`: a prompt in, the attribution graph file out (pruned or not), with graph scores and the per-token scores
// of the first target under `selfTracing`. Options carry circuit-tracer's names; defaults live in attribution/.
import * as path from 'node:path';
import { EngineError, throwIfAborted } from './errors';
import { type AttributionModel, Attributor, DEFAULT_MAX_FEATURE_NODES } from './attribution/attribute';
import { graphLayout } from './attribution/graph';
import { DEFAULT_EDGE_THRESHOLD, DEFAULT_NODE_THRESHOLD, keepAll, pruneGraph } from './attribution/prune';
import { graphScores, tokenScores } from './attribution/scores';
import { DEFAULT_DESIRED_LOGIT_PROB, DEFAULT_MAX_N_LOGITS, type TargetSpec } from './attribution/targets';
import { buildGraphFile, type GraphFile } from './formats/graphJson';
import type { Model } from './model/model';
import type { PromptToken } from './model/tokenizer';
import type { ProgressSink } from './progress';

export interface TraceOptions {
  /** attribute to these next tokens (each must be one token) instead of the salient logits */
  targets?: string[];
  /** with one target A (or the most likely token): attribute to logit(A) − logit(contrast) */
  contrast?: string;
  maxFeatureNodes?: number | null;
  maxNLogits?: number;
  desiredLogitProb?: number;
  nodeThreshold?: number;
  edgeThreshold?: number;
  /** write every computed edge */
  noPrune?: boolean;
  slug?: string;
}

export interface TraceResult {
  graph: GraphFile;
  tokens: PromptToken[];
  timings: Record<string, number>;
}

/** one token id for a string, or an error that says why not */
export function singleToken(model: Model, text: string): number {
  const ids = model.tokenizer.encode(text).filter((t) => t.end > t.start);
  if (ids.length !== 1) {
    throw new EngineError('badInput', `The target ${JSON.stringify(text)} is ${ids.length} tokens for this tokenizer; a target must be exactly one token.`);
  }
  return ids[0].id;
}

/** the view of a loaded model that attribution needs */
export function attributionModel(model: Model): AttributionModel {
  return { config: model.config, weights: model.weights, forward: (ids, signal) => model.forward(ids, signal), decode: (id) => model.tokenizer.decode(id) };
}

export async function tracePrompt(
  model: Model,
  attributor: Attributor,
  prompt: string,
  opts: TraceOptions = {},
  signal?: AbortSignal,
  onProgress?: ProgressSink,
): Promise<TraceResult> {
  const tokens = model.tokenize(prompt);
  const ids = tokens.map((t) => t.id);
  let targets: TargetSpec = { kind: 'salient', maxNLogits: opts.maxNLogits ?? DEFAULT_MAX_N_LOGITS, desiredLogitProb: opts.desiredLogitProb ?? DEFAULT_DESIRED_LOGIT_PROB };
  if (opts.contrast !== undefined) {
    if ((opts.targets?.length ?? 0) > 1) throw new EngineError('badInput', 'A contrast takes one target token (A in A − B).');
    const b = singleToken(model, opts.contrast);
    const a = opts.targets?.length ? singleToken(model, opts.targets[0]) : model.topNext(await model.logits(ids, signal), 1)[0].id;
    targets = { kind: 'contrast', a, b };
  } else if (opts.targets?.length) targets = { kind: 'tokens', ids: opts.targets.map((t) => singleToken(model, t)) };

  const maxFeatureNodes = opts.maxFeatureNodes === undefined ? DEFAULT_MAX_FEATURE_NODES : opts.maxFeatureNodes;
  const res = await attributor.attribute(ids, {
    targets,
    maxFeatureNodes,
    signal,
    onProgress: (p) =>
      onProgress?.({
        message: { forward: 'running the model', logits: 'attributing the logits', features: 'attributing features', packaging: 'packaging' }[p.phase],
        fraction: p.phase === 'features' ? 0.1 + (0.85 * p.done) / Math.max(1, p.total) : p.phase === 'logits' ? 0.1 : 0.02,
      }),
  });
  throwIfAborted(signal);
  const t0 = performance.now();
  const g = res.graph;
  g.inputString = model.tokenizer.decodeAll(ids);
  const lay = graphLayout(g);
  const nodeThreshold = opts.nodeThreshold ?? DEFAULT_NODE_THRESHOLD;
  const edgeThreshold = opts.edgeThreshold ?? DEFAULT_EDGE_THRESHOLD;
  const pruned = opts.noPrune ? keepAll(g.adjacency, lay, g.logitProbabilities) : pruneGraph(g.adjacency, lay, g.logitProbabilities, nodeThreshold, edgeThreshold);
  const activations = Float32Array.from(g.selectedFeatures, (a) => g.activeFeatures.activation[a]);
  const ts = tokenScores(g.adjacency, lay, activations, lay.logitStart);
  const first = g.logitTargets[0];
  const file = buildGraphFile(g, pruned, {
    slug: opts.slug ?? slugOf(prompt),
    nodeThreshold,
    edgeThreshold,
    extras: {
      scores: graphScores(g.adjacency, lay, g.logitProbabilities),
      tokenScores: { target: `${g.nLayers + 1}_${first.vocabIdx}_${lay.nPos - 1}`, total: Array.from(ts.total), direct: Array.from(ts.direct) },
    },
  });
  file.selfTracing!.generation = {
    max_feature_nodes: maxFeatureNodes ?? g.activeFeatures.layer.length,
    n_active_features: g.activeFeatures.layer.length,
    max_n_logits: opts.maxNLogits ?? DEFAULT_MAX_N_LOGITS,
    desired_logit_prob: opts.desiredLogitProb ?? DEFAULT_DESIRED_LOGIT_PROB,
  };
  if (opts.noPrune) file.selfTracing!.pruning = { node_threshold: 1, edge_threshold: 1 };
  file.selfTracing!.model = path.basename(model.dir);
  file.selfTracing!.timingsMs = { ...res.timings, prune: performance.now() - t0 };
  return { graph: file, tokens, timings: { ...res.timings, prune: performance.now() - t0 } };
}

export function slugOf(prompt: string): string {
  const s = prompt.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return s || 'graph';
}
