// What a comparison needs besides the model and its attributor: the feature evidence, read from the feature index
// on demand and cached. Also the one call the worker, the CLI and the tests make: markdown in, result out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';
import type { Attributor } from '../attribution/attribute';
import { FeatureIndex } from '../features/records';
import type { Model } from '../model/model';
import type { ProgressSink } from '../progress';
import { type ComparisonGraph, type GraphPruning, type ReasoningComparison, compareReasoning, problemsError } from './compare';
import { parseReasoningMarkdown } from './markdown';
import type { Lexicon } from './lexicon';
import { cachedEvidence, type EvidenceLookup } from './match';
import { type TraceReport, describeComparison, summaryJson, traceDerivedMarkdown, traceReport } from './report';

/** The feature index to match against: `featureDir`, else `<model>/features` when it exists, else none (tokens only). */
export function featureDirOf(modelDir: string, featureDir?: string): string | undefined {
  if (featureDir) return path.resolve(featureDir);
  const d = path.join(modelDir, 'features');
  return fs.existsSync(path.join(d, 'index.json.gz')) ? path.resolve(d) : undefined;
}

export function loadEvidence(featureDir: string | undefined): EvidenceLookup | undefined {
  if (!featureDir) return undefined;
  const index = FeatureIndex.open(featureDir);
  return cachedEvidence((l, f) => (index.has(l, f) ? index.get(l, f) : undefined));
}

export interface ReasoningResult {
  /** the compact summary (`--json`): the verdict, claims with ranges and statuses, each test's numbers */
  summary: ReturnType<typeof summaryJson>;
  /** the `--report` file's attribution_trace shape (docs/reasoning.md) */
  report: TraceReport;
  /** the reasoning the graph tells, in the markdown format (the other side of the diff view) */
  traceDerived: string;
  /** the terminal rendering */
  text: string;
  /** the traced graph, pruned, when asked for (`graph` option) */
  graph?: ComparisonGraph;
}

export function resultOf(c: ReasoningComparison): ReasoningResult {
  const result: ReasoningResult = { summary: summaryJson(c), report: traceReport(c), traceDerived: traceDerivedMarkdown(c), text: describeComparison(c) };
  if (c.graphFile) result.graph = c.graphFile;
  return result;
}

/** Parses the markdown (problems become one error naming each line), compares, and renders. */
/** A stated reasoning longer than this is refused before it is parsed (the CLI refuses a file over 1 MiB the same way). */
export const MAX_REASONING_CHARS = 1024 * 1024;

export async function compareMarkdown(
  tools: { model: Model; attributor: Attributor; evidence?: EvidenceLookup; lexicon?: Lexicon },
  markdown: string,
  opts: { file?: string; maxFeatureNodes?: number; graph?: GraphPruning; signal?: AbortSignal; onProgress?: ProgressSink } = {},
): Promise<ReasoningResult> {
  if (markdown.length > MAX_REASONING_CHARS) {
    throw new EngineError('badInput', `${opts.file ?? 'The stated reasoning'} is ${markdown.length} characters; a stated reasoning is read up to ${MAX_REASONING_CHARS} (it must fit the model's context anyway).`);
  }
  const parsed = parseReasoningMarkdown(markdown);
  if (!parsed.ok) throw problemsError(parsed.problems, opts.file);
  return resultOf(await compareReasoning(tools, parsed.document, opts));
}
