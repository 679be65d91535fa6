// Compare Stated Reasoning: lay the document out as the model's context, trace the answer's first token, match
// the claims to the graph and measure their support, and gather the answer's alternatives with their
// probabilities. Everything the result says is read from that one forward pass and that one graph.
import type { Attributor } from '../attribution/attribute';
import { type AttributionGraph, type NodeLayout, graphLayout } from '../attribution/graph';
import { DEFAULT_EDGE_THRESHOLD, DEFAULT_NODE_THRESHOLD, pruneGraph } from '../attribution/prune';
import { graphScores, tokenScores } from '../attribution/scores';
import { EngineError, throwIfAborted } from '../errors';
import { buildGraphFile, slugOf } from '../formats/graphJson';
import type { Model } from '../model/model';
import type { ProgressSink } from '../progress';
import { extractClaims } from './claims';
import { contentMask, layoutContext } from './context';
import { type Assessment, assess } from './faithfulness';
import { type ReasoningDocument, type ReasoningProblem } from './markdown';
import type { ContextToken, EvidenceLookup } from './match';
import { describeNode, graphNodeId } from './nodes';
import { pathSupport, strongestPaths } from './support';

/** Feature nodes traced for a comparison (circuit-tracer's max_feature_nodes, smaller: one target, short prompts). */
export const DEFAULT_REASONING_MAX_FEATURE_NODES = 2048;
export const DEFAULT_ALTERNATIVES = 5;
export const STRONGEST_PATHS = 4;

export interface ReasoningTools {
  model: Model;
  attributor: Attributor;
  /** feature evidence (feature index, labels); without it only input tokens can match */
  evidence?: EvidenceLookup;
}

export interface CompareOptions {
  /** the markdown file's name, for messages that point at a line */
  file?: string;
  maxFeatureNodes?: number;
  alternatives?: number;
  /** also return the traced graph, pruned with these thresholds, as a graph file (the editor's graph panel) */
  graph?: GraphPruning;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

/** The graph file a comparison returns: whatever the graph-file writer writes. */
export type ComparisonGraph = ReturnType<typeof buildGraphFile>;

export interface GraphPruning {
  nodeThreshold?: number;
  edgeThreshold?: number;
}

export interface Alternative {
  value: string;
  /** the model's probability of this whole word at the answer position (chain rule over its tokens) */
  prob: number;
}

export interface StepFormation {
  claim: number;
  /** the concept the claim arrives at (its last number or entity, else its last word) */
  output: string | undefined;
  /** the model's probability of writing that concept's first token where the claim writes it */
  prob: number | undefined;
  alternatives: Alternative[];
}

export interface ReasoningComparison {
  prompt: string;
  contextText: string;
  tokens: ContextToken[];
  answer: { text: string; token: string; tokenId: number; prob: number; firstTokenProb: number; stated: boolean };
  alternatives: Alternative[];
  assessment: Assessment;
  steps: StepFormation[];
  /** graph node ids (as in the graph JSON) per claim, per concept of each claim, per unstated influence */
  nodeIds: { claims: string[][]; concepts: string[][][]; unstated: string[][] };
  strongestPaths: { nodes: string[]; description: string; share: number }[];
  graph: { nodes: number; features: number; activeFeatures: number };
  /** the pruned graph file, when CompareOptions.graph asked for it; claim node ids may have been pruned from it */
  graphFile?: ComparisonGraph;
}

export async function compareReasoning(tools: ReasoningTools, doc: ReasoningDocument, opts: CompareOptions = {}): Promise<ReasoningComparison> {
  const { model, attributor } = tools;
  const evidence: EvidenceLookup = tools.evidence ?? (() => undefined);
  const ctx = layoutContext(doc);
  const tokens = model.tokenizer.encode(ctx.text);
  const nCtx = model.config.nCtx;
  const answerIds = ctx.answer === undefined ? [] : answerTokens(model, ctx.text, ctx.answer, tokens.length);
  const tooLong = contextProblem(doc, tokens.length + Math.max(0, answerIds.length - 1), nCtx);
  if (tooLong) throw problemsError([tooLong], opts.file);
  const ids = tokens.map((t) => t.id);

  opts.onProgress?.({ message: 'running the model', fraction: 0.05 });
  const logits = await model.logits(ids, opts.signal);
  const V = model.config.dVocab;
  const nAlt = opts.alternatives ?? DEFAULT_ALTERNATIVES;
  const alternatives = await answerAlternatives(model, ids, logits.subarray((ids.length - 1) * V), nAlt, opts.signal);
  let answer: ReasoningComparison['answer'];
  if (ctx.answer === undefined) {
    const top = alternatives[0];
    const [first] = model.topNext(logits, 1);
    answer = { text: top.value, token: first.token, tokenId: first.id, prob: top.prob, firstTokenProb: first.prob, stated: false };
  } else {
    const seqProb = await sequenceProb(model, ids, answerIds, logits.subarray((ids.length - 1) * V), opts.signal);
    const first = softmaxAt(logits.subarray((ids.length - 1) * V), answerIds[0]);
    answer = { text: ctx.answer.trim(), token: model.tokenizer.decode(answerIds[0]), tokenId: answerIds[0], prob: seqProb, firstTokenProb: first, stated: true };
  }
  throwIfAborted(opts.signal);

  opts.onProgress?.({ message: 'tracing the answer', fraction: 0.15 });
  const result = await attributor.attribute(ids, {
    targets: { kind: 'tokens', ids: [answer.tokenId] },
    maxFeatureNodes: opts.maxFeatureNodes ?? DEFAULT_REASONING_MAX_FEATURE_NODES,
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ message: `tracing the answer: ${p.phase}`, fraction: 0.15 + 0.7 * (p.total ? p.done / p.total : 0) }),
  });
  const g = result.graph;
  const lay = graphLayout(g);

  opts.onProgress?.({ message: 'measuring the claims', fraction: 0.88 });
  const mask = contentMask(ctx);
  const grounded = Uint8Array.from(tokens, (t) => (t.end > t.start && mask.subarray(t.start, t.end).some((x) => x === 1) ? 1 : 0));
  const support = pathSupport(g.adjacency, lay, lay.logitStart, grounded);
  const contextTokens: ContextToken[] = tokens.map((t, pos) => ({ pos, text: t.text, start: t.start, end: t.end }));
  const claims = extractClaims(doc);
  const spelling = (text: string) => model.tokenizer.encode(` ${text}`).filter((t) => t.end > t.start).map((t) => t.text);
  const claimSpans = claims.map((c): [number, number] => [ctx.steps[c.step][0] + c.span[0], ctx.steps[c.step][0] + c.span[1]]);
  const assessment = assess({ graph: g, support, claims, contextText: ctx.text, tokens: contextTokens, prompt: ctx.prompt, groundedPositions: grounded, claimSpans, evidence, spelling });

  const steps = claims.map((c): StepFormation => {
    const out = [...c.concepts].reverse().find((k) => k.kind !== 'word') ?? c.concepts[c.concepts.length - 1];
    if (!out) return { claim: c.index, output: undefined, prob: undefined, alternatives: [] };
    const at = ctx.steps[c.step][0] + c.span[0] + out.span[0];
    const pos = contextTokens.findIndex((t) => t.end > at && t.start <= at);
    if (pos <= 0) return { claim: c.index, output: out.text, prob: undefined, alternatives: [] };
    const row = logits.subarray((pos - 1) * V, pos * V);
    return {
      claim: c.index,
      output: out.text,
      prob: softmaxAt(row, ids[pos]),
      alternatives: model.topNext(row, 3).map((t) => ({ value: t.token, prob: t.prob })),
    };
  });

  opts.onProgress?.({ message: 'done', fraction: 1 });
  const id = (n: number) => graphNodeId(g, n);
  return {
    prompt: doc.prompt,
    contextText: ctx.text,
    tokens: contextTokens,
    answer,
    alternatives,
    assessment,
    steps,
    nodeIds: {
      claims: assessment.claims.map((c) => c.nodes.map(id)),
      concepts: assessment.claims.map((c) => c.concepts.map((k) => [...k.positions.map((p) => lay.tokenStart + p), ...k.features.map((f) => f.node)].map(id))),
      unstated: assessment.unstated.map((u) => u.nodes.map(id)),
    },
    strongestPaths: strongestPaths(support, STRONGEST_PATHS).map((p) => ({
      nodes: p.nodes.map((n) => graphNodeId(g, n)),
      description: [...p.nodes].reverse().map((n) => describeNode(g, n, evidence)).join(' → '),
      share: p.weight,
    })),
    graph: { nodes: lay.n, features: lay.nFeatures, activeFeatures: g.activeFeatures.layer.length },
    graphFile: opts.graph ? comparisonGraphFile(g, lay, ctx.text, answer, opts.graph) : undefined,
  };
}

/** The traced graph as a file, pruned as `trace` prunes, with the answer as its target and its per-token scores. */
function comparisonGraphFile(
  g: AttributionGraph,
  lay: NodeLayout,
  contextText: string,
  answer: ReasoningComparison['answer'],
  pruning: GraphPruning,
): ComparisonGraph {
  g.inputString = contextText;
  const nodeThreshold = pruning.nodeThreshold ?? DEFAULT_NODE_THRESHOLD;
  const edgeThreshold = pruning.edgeThreshold ?? DEFAULT_EDGE_THRESHOLD;
  const pruned = pruneGraph(g.adjacency, lay, g.logitProbabilities, nodeThreshold, edgeThreshold);
  const activations = Float32Array.from(g.selectedFeatures, (a) => g.activeFeatures.activation[a]);
  const ts = tokenScores(g.adjacency, lay, activations, lay.logitStart);
  const target = graphNodeId(g, lay.logitStart);
  const perToken = { target, total: Array.from(ts.total), direct: Array.from(ts.direct) };
  return buildGraphFile(g, pruned, {
    slug: slugOf(contextText, 'reasoning-'),
    nodeThreshold,
    edgeThreshold,
    extras: {
      scores: graphScores(g.adjacency, lay, g.logitProbabilities),
      tokenScores: perToken,
      target: { token: answer.token, tokenId: answer.tokenId, prob: answer.firstTokenProb, nodeId: target },
    },
  });
}

/** The context is too long for the model: a problem pointing at the prompt heading. */
export function contextProblem(doc: ReasoningDocument, nTokens: number, nCtx: number): ReasoningProblem | undefined {
  if (nTokens <= nCtx) return undefined;
  return {
    line: doc.headings.prompt,
    message: `The prompt and reasoning come to ${nTokens} tokens with the answer; this model reads at most ${nCtx}. Shorten the prompt or the reasoning.`,
  };
}

/** One error for a set of problems: the message names each line (1-based); the detail carries them as JSON. */
export function problemsError(problems: ReasoningProblem[], file?: string): EngineError {
  const where = (p: ReasoningProblem) => `${file ? `${file}:` : 'line '}${p.line + 1}`;
  return new EngineError('badInput', problems.map((p) => `${where(p)}: ${p.message}`).join('\n'), JSON.stringify({ problems }));
}

/** The answer's token ids as they follow the context (tokenised together, so merges at the seam are the model's). */
function answerTokens(model: Model, context: string, answer: string, nContext: number): number[] {
  const whole = model.tokenizer.encode(context + answer);
  const alone = model.tokenizer.encode(context);
  const samePrefix = alone.every((t, i) => whole[i]?.id === t.id);
  const ids = samePrefix ? whole.slice(nContext).map((t) => t.id) : model.tokenizer.encode(answer).filter((t) => t.end > t.start).map((t) => t.id);
  if (ids.length === 0) throw new EngineError('badInput', 'The answer has no tokens.');
  return ids;
}

function softmaxAt(row: Float32Array, id: number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return Math.exp(row[id] - max) / sum;
}

async function sequenceProb(model: Model, ids: number[], answer: number[], firstRow: Float32Array, signal?: AbortSignal): Promise<number> {
  let p = softmaxAt(firstRow, answer[0]);
  if (answer.length > 1) {
    const seq = [...ids, ...answer.slice(0, -1)];
    const logits = await model.logits(seq, signal);
    const V = model.config.dVocab;
    for (let k = 1; k < answer.length; k++) p *= softmaxAt(logits.subarray((ids.length + k - 1) * V, (ids.length + k) * V), answer[k]);
  }
  return p;
}

/** A token continues the word before it when it starts with a letter or digit and the word is letters and digits. */
const continuesWord = (word: string, token: string) => /^[\p{L}\p{N}]/u.test(token) && /[\p{L}\p{N}]$/u.test(word);

/** The k most likely first tokens, each completed greedily to a whole word, with the word's chain probability. */
async function answerAlternatives(model: Model, ids: number[], row: Float32Array, k: number, signal?: AbortSignal): Promise<Alternative[]> {
  const out = new Map<string, number>();
  for (const first of model.topNext(row, k)) {
    let word = first.token;
    let prob = first.prob;
    const seq = [...ids, first.id];
    for (let n = 0; n < 6 && seq.length < model.config.nCtx; n++) {
      throwIfAborted(signal);
      const [next] = model.topNext(await model.logits(seq, signal), 1);
      if (!continuesWord(word, next.token) || model.tokenizer.isSpecial(next.id)) break;
      word += next.token;
      prob *= next.prob;
      seq.push(next.id);
    }
    const value = word.trim() || word;
    out.set(value, (out.get(value) ?? 0) + prob);
  }
  return [...out].map(([value, prob]) => ({ value, prob })).sort((a, b) => b.prob - a.prob);
}
