// `trace`: a prompt in, the attribution graph file out (pruned or not). Under `selfTracing` it carries what the editor
// and the panel need: the target, the top outputs, token ids and offsets, per-token and graph scores, the source
// text and, with a feature index, each feature node's details. Options carry circuit-tracer's names.
import * as path from 'node:path';
import { EngineError, throwIfAborted } from './errors';
import { checkTraceOptions } from './options';
import { type AttributionModel, Attributor, DEFAULT_MAX_FEATURE_NODES } from './attribution/attribute';
import { type AttributionGraph, graphLayout } from './attribution/graph';
import { DEFAULT_EDGE_THRESHOLD, DEFAULT_NODE_THRESHOLD, keepAll, pruneGraph } from './attribution/prune';
import { graphScores, tokenScores } from './attribution/scores';
import { DEFAULT_DESIRED_LOGIT_PROB, DEFAULT_MAX_N_LOGITS, type TargetSpec } from './attribution/targets';
import { softmax } from './tensor';
import { buildGraphFile, graphNodeIds, slugOf } from './formats/graphJson';
import { attachFeatureDetails } from './features/details';
import type { FeatureIndex } from './features/records';
import type { GraphJson } from '../protocol/graph-json';
import type { Model } from './model/model';
import type { PromptToken } from './model/tokenizer';
import type { ProgressSink } from './progress';

export interface TraceOptions {
  /** attribute to these next tokens (each must be one token) instead of the salient logits */
  targets?: string[];
  /** the same by token id (a token whose text does not encode back to itself, e.g. part of a character) */
  targetIds?: number[];
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
  graph: GraphJson;
  tokens: PromptToken[];
  timings: Record<string, number>;
  /** what was wrong but did not stop the trace (an unreadable feature index: no labels) */
  warnings?: string[];
}

/** one token id for a string, or an error that says why not */
export function singleToken(model: Model, text: string): number {
  if (text === '') throw new EngineError('badInput', 'A target is empty; a target must be exactly one token.');
  const ids = model.tokenizer.encode(text).filter((t) => t.end > t.start);
  if (ids.length !== 1) {
    throw new EngineError('badInput', `The target ${JSON.stringify(text)} is ${ids.length} tokens for this tokenizer; a target must be exactly one token.`);
  }
  return ids[0].id;
}

/** the view of a loaded model that attribution needs */
export function attributionModel(model: Model): AttributionModel {
  return { config: model.config, weights: model.weights, forward: (ids, signal) => model.forward(ids, signal), decode: (id) => model.tokenizer.decode(id), decodeAll: (ids) => model.tokenizer.decodeAll(ids) };
}

/** What a trace runs on: the loaded model, its attributor and, when one exists, the feature index. */
export interface TraceTools {
  model: Model;
  attributor: Attributor;
  features?: FeatureIndex;
}

/** How many next-token candidates a graph lists for Choose Target. */
export const TOP_OUTPUTS = 10;

export async function tracePrompt(
  { model, attributor, features }: TraceTools,
  prompt: string,
  opts: TraceOptions = {},
  { signal, onProgress }: { signal?: AbortSignal; onProgress?: ProgressSink } = {},
): Promise<TraceResult> {
  const problem = checkTraceOptions(opts);
  if (problem) throw new EngineError('badInput', problem);
  const tokens = model.tokenize(prompt);
  const ids = tokens.map((t) => t.id);
  const logits = await model.logits(ids, signal);
  checkFiniteOutput(logits, 'output logits', 'the model');
  const topOutputs = model.topNext(logits, TOP_OUTPUTS);
  let targets: TargetSpec = { kind: 'salient', maxNLogits: opts.maxNLogits ?? DEFAULT_MAX_N_LOGITS, desiredLogitProb: opts.desiredLogitProb ?? DEFAULT_DESIRED_LOGIT_PROB };
  let contrast: { a: number; b: number } | undefined;
  const targetIds = [...(opts.targetIds ?? []), ...(opts.targets ?? []).map((t) => singleToken(model, t))];
  const twice = targetIds.find((id, i) => targetIds.indexOf(id) !== i);
  if (twice !== undefined) throw new EngineError('badInput', `The target ${JSON.stringify(model.tokenizer.decode(twice))} is given twice; give each target once.`);
  if (opts.contrast !== undefined) {
    if (targetIds.length > 1) throw new EngineError('badInput', 'A contrast takes one target token (A in A − B).');
    contrast = { a: targetIds[0] ?? topOutputs[0].id, b: singleToken(model, opts.contrast) };
    if (contrast.a === contrast.b) {
      throw new EngineError('badInput', `The contrast ${JSON.stringify(opts.contrast)} is the target itself; A − A is zero. Give two different tokens.`);
    }
    targets = { kind: 'contrast', ...contrast };
  } else if (targetIds.length) targets = { kind: 'tokens', ids: targetIds };

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
  checkFiniteOutput(g.activeFeatures.activation, 'transcoder activations', 'the transcoders');
  checkFiniteOutput(g.adjacency.vals, 'attribution edges', 'the model or the transcoders');
  g.inputString = model.tokenizer.decodeAll(ids);
  const lay = graphLayout(g);
  const nodeThreshold = opts.nodeThreshold ?? DEFAULT_NODE_THRESHOLD;
  const edgeThreshold = opts.edgeThreshold ?? DEFAULT_EDGE_THRESHOLD;
  const pruned = opts.noPrune ? keepAll(g.adjacency, lay, g.logitProbabilities) : pruneGraph(g.adjacency, lay, g.logitProbabilities, nodeThreshold, edgeThreshold);
  const activations = Float32Array.from(g.selectedFeatures, (a) => g.activeFeatures.activation[a]);
  const ts = tokenScores(g.adjacency, lay, activations, lay.logitStart);
  const first = g.logitTargets[0];
  const decode = (id: number) => model.tokenizer.decode(id);
  const probs = softmax(logits.subarray(logits.length - model.config.dVocab));
  const file = buildGraphFile(g, pruned, {
    slug: opts.slug ?? slugOf(prompt),
    nodeThreshold,
    edgeThreshold,
    extras: {
      target: contrast
        ? { token: decode(contrast.a), tokenId: contrast.a, prob: probs[contrast.a], nodeId: logitNodeId(g, first.vocabIdx), contrast: { token: decode(contrast.b), tokenId: contrast.b } }
        : { token: first.token, tokenId: first.vocabIdx, prob: probs[first.vocabIdx], nodeId: logitNodeId(g, first.vocabIdx) },
      topOutputs: topOutputs.map((o) => ({ token: o.token, tokenId: o.id, prob: o.prob })),
      tokenIds: ids,
      tokenOffsets: tokens.map((t) => [t.start, t.end]),
      tokenScores: { total: Array.from(ts.total), direct: Array.from(ts.direct) },
      scores: graphScores(g.adjacency, lay, g.logitProbabilities),
      pruning: opts.noPrune ? { node_threshold: 1, edge_threshold: 1 } : { node_threshold: nodeThreshold, edge_threshold: edgeThreshold },
      generation: {
        max_feature_nodes: maxFeatureNodes ?? g.activeFeatures.layer.length,
        n_active_features: g.activeFeatures.layer.length,
        max_n_logits: opts.maxNLogits ?? DEFAULT_MAX_N_LOGITS,
        desired_logit_prob: opts.desiredLogitProb ?? DEFAULT_DESIRED_LOGIT_PROB,
      },
      model: path.basename(model.dir),
      source: { text: prompt },
    },
  });
  const indexProblem = features ? attachFeatureDetails(file, features) : undefined;
  const timings = { ...res.timings, prune: performance.now() - t0 };
  file.selfTracing!.timingsMs = timings;
  const warnings = [...model.warnings, ...(indexProblem ? [indexProblem] : [])];
  return { graph: file, tokens, timings, ...(warnings.length ? { warnings } : {}) };
}

/** The node id the writer gives a logit target (formats/graphJson.ts). */
function logitNodeId(g: AttributionGraph, vocabIdx: number): string {
  const k = g.logitTargets.findIndex((t) => t.vocabIdx === vocabIdx);
  return graphNodeIds(g)[graphLayout(g).logitStart + Math.max(0, k)];
}

export { slugOf };

/** NaN or ±Infinity after the forward (an overflow, weights that passed the load check but combine badly): refused. */
function checkFiniteOutput(x: ArrayLike<number>, what: string, whose: string): void {
  for (let i = 0; i < x.length; i++) {
    if (x[i] - x[i] !== 0) throw new EngineError('badFile', `The ${what} for this prompt hold ${Number.isNaN(x[i]) ? 'NaN' : 'Infinity'}: ${whose} overflow or are damaged, so no trace can be computed.`);
  }
}
