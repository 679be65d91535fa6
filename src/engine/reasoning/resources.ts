// What a comparison needs besides the model, loaded once per (model, transcoders, feature index) and reused: the
// attributor's onnxruntime sessions and the feature evidence. Also the one call the worker and the CLI make:
// markdown in, result out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Attributor } from '../attribution/attribute';
import { FeatureIndex } from '../features/records';
import type { Model } from '../model/model';
import { loadTranscoders } from '../model/transcoders';
import type { ProgressSink } from '../progress';
import { type ReasoningComparison, compareReasoning, problemsError } from './compare';
import { parseReasoningMarkdown } from './markdown';
import { cachedEvidence, type EvidenceLookup } from './match';
import { type TraceReport, describeComparison, summaryJson, traceDerivedMarkdown, traceReport } from './report';

export interface ReasoningPaths {
  /** default: `<model>/transcoders` */
  transcoderDir?: string;
  /** default: `<model>/features` when it exists; none: tokens only */
  featureDir?: string;
}

export class ReasoningResources {
  private constructor(
    readonly key: string,
    readonly attributor: Attributor,
    readonly evidence: EvidenceLookup | undefined,
    readonly featureDir: string | undefined,
  ) {}

  static async load(model: Model, paths: ReasoningPaths = {}): Promise<ReasoningResources> {
    const tcDir = path.resolve(paths.transcoderDir ?? path.join(model.dir, 'transcoders'));
    const fDefault = path.join(model.dir, 'features');
    const featureDir = paths.featureDir ? path.resolve(paths.featureDir) : fs.existsSync(path.join(fDefault, 'index.json.gz')) ? fDefault : undefined;
    const attributor = await Attributor.create(
      { config: model.config, weights: model.weights, forward: (ids, signal) => model.forward(ids, signal), decode: (id) => model.tokenizer.decode(id) },
      loadTranscoders(tcDir),
    );
    let evidence: EvidenceLookup | undefined;
    if (featureDir) {
      const index = FeatureIndex.open(featureDir);
      evidence = cachedEvidence((l, f) => (index.has(l, f) ? index.get(l, f) : undefined));
    }
    return new ReasoningResources(resourceKey(model, paths), attributor, evidence, featureDir);
  }

  dispose(): void {
    this.attributor.dispose();
  }
}

export const resourceKey = (model: Model, paths: ReasoningPaths): string =>
  JSON.stringify([path.resolve(model.dir), paths.transcoderDir ? path.resolve(paths.transcoderDir) : null, paths.featureDir ? path.resolve(paths.featureDir) : null]);

export interface ReasoningResult {
  /** the compact summary (`--json`): score, claims with ranges and statuses, unstated influences */
  summary: ReturnType<typeof summaryJson>;
  /** the seed document's attribution_trace shape */
  report: TraceReport;
  /** the reasoning the graph tells, in the markdown format (the other side of the diff view) */
  traceDerived: string;
  /** the terminal rendering */
  text: string;
}

export function resultOf(c: ReasoningComparison): ReasoningResult {
  return { summary: summaryJson(c), report: traceReport(c), traceDerived: traceDerivedMarkdown(c), text: describeComparison(c) };
}

/** Parses the markdown (problems become one error naming each line), compares, and renders. */
export async function compareMarkdown(
  model: Model,
  res: ReasoningResources,
  markdown: string,
  opts: { file?: string; maxFeatureNodes?: number; signal?: AbortSignal; onProgress?: ProgressSink } = {},
): Promise<ReasoningResult> {
  const parsed = parseReasoningMarkdown(markdown);
  if (!parsed.ok) throw problemsError(parsed.problems, opts.file);
  return resultOf(await compareReasoning({ model, attributor: res.attributor, evidence: res.evidence }, parsed.document, opts));
}
