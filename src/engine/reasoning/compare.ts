// Compare Stated Reasoning: four tests a researcher can follow, each on the embedded model's real path.
//   1. internal computation: trace the answer on the prompt alone; ground each claim in that graph (internal.ts);
//   2. dependence: early answering and adding mistakes (dependence.ts);
//   3. biasing inputs: remove or alter each prompt part the reasoning never mentions (biasing.ts);
//   4. the stated answer: its probability after the reasoning and on the prompt alone (answers.ts).
// Then one verdict with the numbers behind it (verdict.ts).
import type { Attributor } from '../attribution/attribute';
import { type AttributionGraph, type NodeLayout, graphLayout } from '../attribution/graph';
import { DEFAULT_EDGE_THRESHOLD, DEFAULT_NODE_THRESHOLD, pruneGraph } from '../attribution/prune';
import { graphScores, tokenScores } from '../attribution/scores';
import { EngineError, throwIfAborted } from '../errors';
import { buildGraphFile, slugOf } from '../formats/graphJson';
import type { Model } from '../model/model';
import type { ProgressSink } from '../progress';
import { type Alternative, type AnswerReading, answerAlternatives, answerTokens, readAnswer } from './answers';
import { type Biasing, testBiasingInputs } from './biasing';
import { type Claim, contentProblems, extractClaims, extractConcepts } from './claims';
import { layoutContext, promptOnlyContext } from './context';
import { type Dependence, measureDependence } from './dependence';
import { type ClaimGrounding, type HeldConcept, type UnstatedInfluence, groundClaims, stepName } from './internal';
import { type Lexicon, NUMBERS_ONLY } from './lexicon';
import type { ReasoningDocument, ReasoningProblem } from './markdown';
import type { ContextToken, EvidenceLookup } from './match';
import { graphNodeId } from './nodes';
import { pathSupport, strongestPaths } from './support';
import { CONFIDENT, type Verdict, decide } from './verdict';

/** Feature nodes traced for a comparison (circuit-tracer's max_feature_nodes, smaller: one target, short prompts). */
export const DEFAULT_REASONING_MAX_FEATURE_NODES = 512;
export const DEFAULT_ALTERNATIVES = 5;
export const STRONGEST_PATHS = 4;

export interface ReasoningTools {
  model: Model;
  attributor: Attributor;
  /** feature evidence (feature index, labels); without it only input tokens can match */
  evidence?: EvidenceLookup;
  /** kinds of entity (the model's lexicon.json); without it only numbers have a kind */
  lexicon?: Lexicon;
}

export interface CompareOptions {
  /** the markdown file's name, for messages that point at a line */
  file?: string;
  maxFeatureNodes?: number;
  alternatives?: number;
  /** also return the prompt-only graph, pruned with these thresholds, as a graph file (the editor's graph panel) */
  graph?: GraphPruning;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

export type ComparisonGraph = ReturnType<typeof buildGraphFile>;

export interface GraphPruning {
  nodeThreshold?: number;
  edgeThreshold?: number;
}

export type { Alternative };

export interface ReasoningComparison {
  prompt: string;
  /** what the model reads before its answer, with the reasoning / with the prompt alone */
  contextText: string;
  promptOnlyText: string;
  /** the prompt-only context's tokens (the traced graph's inputs) */
  tokens: ContextToken[];
  answer: { text: string; token: string; tokenId: number; stated: boolean };
  /** test 4: the model's answer after the reasoning and on the prompt alone */
  afterReasoning: AnswerReading;
  promptOnly: AnswerReading;
  alternatives: Alternative[];
  claims: Claim[];
  grounding: ClaimGrounding[];
  held: HeldConcept[];
  unstated: UnstatedInfluence[];
  dependence: Dependence;
  biasing: Biasing;
  verdict: Verdict;
  /** graph node ids (as in the graph JSON) per claim, per concept of each claim, per unstated influence */
  nodeIds: { claims: string[][]; concepts: string[][][]; unstated: string[][] };
  /** the trace-derived reasoning: the prompt-only graph's strongest paths, input → features → answer */
  /** `sign` −1: the path pushes the answer down (its share is unsigned, as circuit-tracer's influence). */
  paths: { nodes: string[]; description: string; share: number; sign: 1 | -1 }[];
  graph: { nodes: number; features: number; activeFeatures: number };
  /** wall-clock milliseconds of the comparison (all four tests), and of each stage */
  ms: number;
  stages: Record<'answer' | 'trace' | 'grounding' | 'dependence' | 'biasing', number>;
  graphFile?: ComparisonGraph;
}

export async function compareReasoning(tools: ReasoningTools, doc: ReasoningDocument, opts: CompareOptions = {}): Promise<ReasoningComparison> {
  const started = performance.now();
  const { model, attributor } = tools;
  const evidence: EvidenceLookup = tools.evidence ?? (() => undefined);
  const lexicon = tools.lexicon ?? NUMBERS_ONLY;
  const stages = { answer: 0, trace: 0, grounding: 0, dependence: 0, biasing: 0 };
  let mark = started;
  const lap = (k: keyof typeof stages) => { const now = performance.now(); stages[k] += now - mark; mark = now; };
  const progress = (message: string, fraction: number) => opts.onProgress?.({ message: `${message} (${((performance.now() - started) / 1000).toFixed(1)} s)`, fraction });
  const claims = extractClaims(doc);
  const bad = contentProblems(doc, claims);
  if (bad.length) throw problemsError(bad, opts.file);
  const ctx = layoutContext(doc);
  const only = promptOnlyContext(doc);
  const nCtx = model.config.nCtx;
  // refused before tokenizing: this many characters are more tokens than the context, whatever they are
  if (ctx.text.length + (ctx.answer?.length ?? 0) > model.tokenizer.charsAtMost(nCtx)) {
    throw problemsError([{ line: doc.headings.prompt, message: `The prompt and reasoning come to ${ctx.text.length + (ctx.answer?.length ?? 0)} characters, more than this model's ${nCtx}-token context can hold. Shorten the prompt or the reasoning.` }], opts.file);
  }
  const nTokens = model.tokenizer.encode(ctx.text + (ctx.answer ?? '')).length;
  const tooLong = contextProblem(doc, nTokens, nCtx);
  if (tooLong) throw problemsError([tooLong], opts.file);

  // test 4: the stated answer after the reasoning and on the prompt alone
  progress('test 4: the answer after the reasoning and on the prompt alone', 0.02);
  const afterReasoning = await readAnswer(model, ctx.text, ctx.answer, opts.signal);
  const promptOnly = await readAnswer(model, only.text, only.answer, opts.signal);
  confidenceCheck(doc, afterReasoning, promptOnly);
  const answerText = doc.answer ?? afterReasoning.top.value;
  const ids = model.tokenizer.encode(ctx.text).map((t) => t.id);
  const logits = await model.logits(ids, opts.signal);
  const alternatives = await answerAlternatives(model, ids, logits.subarray((ids.length - 1) * model.config.dVocab), opts.alternatives ?? DEFAULT_ALTERNATIVES, opts.signal);
  throwIfAborted(opts.signal);
  lap('answer');

  // test 1: trace the answer's first token on the prompt alone
  progress('test 1: tracing the answer on the prompt alone', 0.1);
  const onlyTokens = model.tokenizer.encode(only.text);
  const onlyIds = onlyTokens.map((t) => t.id);
  const [tokenId] = answerTokens(model, only.text, only.answerLead + answerText);
  const result = await attributor.attribute(onlyIds, {
    targets: { kind: 'tokens', ids: [tokenId] },
    maxFeatureNodes: opts.maxFeatureNodes ?? DEFAULT_REASONING_MAX_FEATURE_NODES,
    signal: opts.signal,
    onProgress: (p) => progress(`test 1: tracing the answer on the prompt alone: ${p.phase}`, 0.1 + 0.45 * (p.total ? p.done / p.total : 0)),
  });
  const g = result.graph;
  const lay = graphLayout(g);
  lap('trace');
  const [p0, p1] = only.prompt;
  const grounded = Uint8Array.from(onlyTokens, (t) => (t.end > t.start && t.start < p1 && t.end > p0 ? 1 : 0));
  const support = pathSupport(g.adjacency, lay, lay.logitStart, grounded);
  const tokens: ContextToken[] = onlyTokens.map((t, pos) => ({ pos, text: t.text, start: t.start, end: t.end }));
  const spelling = (text: string) => model.tokenizer.encode(` ${text}`).filter((t) => t.end > t.start).map((t) => t.text);
  progress('test 1: grounding the claims', 0.58);
  const onlyLogits = await model.logits(onlyIds, opts.signal);
  const readout = onlyLogits.subarray((onlyIds.length - 1) * model.config.dVocab);
  const firstToken = (text: string) => model.tokenizer.encode(`${only.answerLead || ' '}${text}`).filter((t) => t.end > t.start)[0]?.id;
  const internal = groundClaims({ graph: g, support, context: only, tokens, evidence, lexicon, spelling, answer: answerText, readout, firstToken }, claims);

  lap('grounding');
  // test 2: dependence on the reasoning
  const dependence = await measureDependence(model, doc, claims, lexicon, afterReasoning, {
    signal: opts.signal,
    onProgress: (p) => progress(`test 2: ${p.message}`, p.fraction ?? 0.7),
    fraction: [0.6, 0.85],
  });
  lap('dependence');
  // test 3: biasing inputs
  progress('test 3: prompt parts the reasoning never mentions', 0.88);
  const biasing = await testBiasingInputs(model, doc, claims, lexicon, afterReasoning, opts.signal);
  lap('biasing');

  const verdict = decide({ answer: answerText, final: afterReasoning, promptOnly, claims: internal.claims, claimTexts: claims.map((c) => c.text), dependence, biasing });
  progress('done', 1);
  const id = (n: number) => graphNodeId(g, n);
  const answerToken = model.tokenizer.decode(tokenId);
  return {
    prompt: doc.prompt,
    contextText: ctx.text,
    promptOnlyText: only.text,
    tokens,
    answer: { text: answerText, token: answerToken, tokenId, stated: doc.answer !== undefined },
    afterReasoning,
    promptOnly,
    alternatives,
    claims,
    grounding: internal.claims,
    held: internal.held,
    unstated: internal.unstated,
    dependence,
    biasing,
    verdict,
    nodeIds: {
      claims: internal.claims.map((c) => c.nodes.map(id)),
      concepts: internal.claims.map((c) => c.concepts.map((k) => k.nodes.map(id))),
      unstated: internal.unstated.map((u) => u.nodes.map(id)),
    },
    // the paths that raise the answer first (each group heaviest first): the trace's reasoning must not open with a
    // path that pushes against the answer, while a heavy one that does is still listed
    paths: strongestPaths(support, STRONGEST_PATHS, { throughFeature: true }).sort((a, b) => b.sign - a.sign).map((p) => ({
      nodes: p.nodes.map(id),
      description: [...p.nodes].reverse().map((n) => stepName(g, n, evidence)).join(' → '),
      share: p.weight,
      sign: p.sign,
    })),
    graph: { nodes: lay.n, features: lay.nFeatures, activeFeatures: g.activeFeatures.layer.length },
    ms: performance.now() - started,
    stages,
    graphFile: opts.graph ? comparisonGraphFile(g, lay, only.text, answerToken, tokenId, promptOnly, opts.graph) : undefined,
  };
}

/**
 * An answer is a number, a name (or its first word: "Des" of "Des Moines") or a content word, not `a` or a newline,
 * that the model gives at least CONFIDENT.
 */
const confident = (r: AnswerReading) => r.top.prob >= CONFIDENT && (/^[\p{Lu}\p{N}]/u.test(r.top.value) || extractConcepts(r.top.value).length > 0);

/** Neither context gives an answer with any confidence: nothing to compare, so no verdict. */
function confidenceCheck(doc: ReasoningDocument, after: AnswerReading, only: AnswerReading): void {
  const p = (r: AnswerReading) => `${JSON.stringify(r.top.value)} at ${(100 * r.top.prob).toFixed(0)}%`;
  if (doc.answer === undefined && !confident(after)) {
    throw new EngineError('badInput', `The model gives no answer here with any confidence: after the reasoning its most likely continuation is ${p(after)} (an answer needs ${100 * CONFIDENT}% and a number, name or word). State the answer under \`## Answer\`, or use a prompt the model answers.`);
  }
  if (!confident(after) && !confident(only)) {
    throw new EngineError('badInput', `The model gives no answer to this prompt with any confidence: after the reasoning its most likely continuation is ${p(after)}, on the prompt alone ${p(only)} (an answer needs ${100 * CONFIDENT}% and a number, name or word). A verdict needs a prompt the model answers; check the prompt's wording and the template.`);
  }
}

/** The prompt-only graph as a file, pruned as `trace` prunes, with the answer as its target and its per-token scores. */
function comparisonGraphFile(g: AttributionGraph, lay: NodeLayout, text: string, token: string, tokenId: number, only: AnswerReading, pruning: GraphPruning): ComparisonGraph {
  g.inputString = text;
  const nodeThreshold = pruning.nodeThreshold ?? DEFAULT_NODE_THRESHOLD;
  const edgeThreshold = pruning.edgeThreshold ?? DEFAULT_EDGE_THRESHOLD;
  const pruned = pruneGraph(g.adjacency, lay, g.logitProbabilities, nodeThreshold, edgeThreshold);
  const activations = Float32Array.from(g.selectedFeatures, (a) => g.activeFeatures.activation[a]);
  const ts = tokenScores(g.adjacency, lay, activations, lay.logitStart);
  const target = graphNodeId(g, lay.logitStart);
  const perToken = { target, total: Array.from(ts.total), direct: Array.from(ts.direct) };
  return buildGraphFile(g, pruned, {
    slug: slugOf(text, 'reasoning-'),
    nodeThreshold,
    edgeThreshold,
    extras: {
      scores: graphScores(g.adjacency, lay, g.logitProbabilities),
      tokenScores: perToken,
      target: { token, tokenId, prob: g.logitProbabilities[0] ?? only.top.prob, nodeId: target },
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

