// What the worker does for each engine method. Plain async functions, so tests can call them without a thread.
import { threadId } from 'node:worker_threads';
import { runSelfCheck } from '../selfCheck';
import { runPrompt } from '../run';
import { tracePrompt } from '../trace';
import { AttributorCache } from './attributors';
import { ModelCache } from './models';
import { explainPrompt } from '../reasoning/explain';
import type { EvidenceLookup } from '../reasoning/match';
import { compareMarkdown, featureDirOf, loadEvidence } from '../reasoning/resources';
import { loadLexicon } from '../reasoning/lexicon';
import { IntervenerCache } from './interveners';
import { FeatureIndexCache, FeatureLogitsCache } from './featureIndexes';
import { logitsOnDemand } from '../features/lazyLogits';
import { featureDetail, FULL_SIZE } from '../features/details';
import type { FeatureIndex } from '../features/records';
import { EngineError } from '../errors';
import type { ProgressSink } from '../progress';
import { defaultTranscoders } from '../model/catalog';
import { resolveLocation } from '../model/hfCache';
import type { EngineMethods, MethodName, ParamsOf, ResultOf } from './messages';

export interface CallContext {
  readonly signal: AbortSignal;
  readonly onProgress: ProgressSink;
}

type Handler<M extends MethodName> = (params: ParamsOf<M>, context: CallContext) => Promise<ResultOf<M>>;

const startedAt = performance.now();
/** one per worker thread: the model is loaded once and reused */
const models = new ModelCache();
const attributors = new AttributorCache();
/** the feature evidence of the last comparison's feature index, reused by the next */
let evidence: { dir: string | undefined; lookup: EvidenceLookup | undefined } | undefined;

function evidenceFor(modelDir: string, featureDir?: string): EvidenceLookup | undefined {
  const dir = featureDirOf(modelDir, featureDir);
  if (evidence && evidence.dir === dir) return evidence.lookup;
  let lookup: EvidenceLookup | undefined;
  try {
    lookup = loadEvidence(dir);
  } catch (err) {
    // optional evidence: an unreadable index compares without feature evidence (the engine's stderr reaches the log)
    process.stderr.write(`feature index at ${dir} could not be read; comparing without feature evidence: ${EngineError.from(err).message}\n`);
  }
  evidence = { dir, lookup };
  return lookup;
}
const interveners = new IntervenerCache();
const featureIndexes = new FeatureIndexCache();
const featureLogits = new FeatureLogitsCache();

export const handlers: { [M in keyof EngineMethods]: Handler<M> } = {
  async ping(params, { signal, onProgress }) {
    const selfCheck = params.selfCheck ? await runSelfCheck({ signal, onProgress }) : undefined;
    return { threadId, pid: process.pid, uptimeMs: performance.now() - startedAt, selfCheck };
  },
  async run(params, { signal, onProgress }) {
    const model = await models.get(params.modelDir, { signal, onProgress });
    return runPrompt(model, params.prompt, params.topK, signal);
  },
  async trace(params, { signal, onProgress }) {
    const model = await models.get(params.modelDir, { signal, onProgress });
    const attributor = await attributors.get(model, params.transcodersDir ?? defaultTranscoders(model.dir));
    // the feature index is optional: one that cannot be read gives a trace without labels and a warning, not a failure
    let features: FeatureIndex | undefined;
    let problem: string | undefined;
    try {
      features = featureIndexes.get(model.dir, params.featureDir);
    } catch (err) {
      problem = `The feature index could not be read (${EngineError.from(err).message}); the graph has no feature labels. Rebuild it with \`self-trace features build\`.`;
    }
    const result = await tracePrompt({ model, attributor, features }, params.prompt, params.options, { signal, onProgress });
    return problem ? { ...result, warnings: [problem, ...(result.warnings ?? [])] } : result;
  },
  async featureDetail(params, { signal, onProgress }) {
    const index = featureIndexes.get(resolveLocation(params.modelDir, 'Model'), params.featureDir);
    if (!index?.has(params.layer, params.feature)) return null;
    let record = index.get(params.layer, params.feature);
    // an index at a published width holds no logit table: this feature's promoted/suppressed tokens are computed now
    if (logitsOnDemand(record)) record = await featureLogits.fill(await models.get(params.modelDir, { signal, onProgress }), index, record);
    return featureDetail(record, FULL_SIZE);
  },
  async compareReasoning(params, { signal, onProgress }) {
    const model = await models.get(params.modelDir, { signal, onProgress });
    const attributor = await attributors.get(model, params.transcodersDir ?? defaultTranscoders(model.dir));
    const tools = { model, attributor, evidence: evidenceFor(model.dir, params.featureDir), lexicon: loadLexicon(model.dir) };
    return compareMarkdown(tools, params.markdown, { file: params.file, maxFeatureNodes: params.maxFeatureNodes, graph: params.graph, signal, onProgress });
  },
  async explain(params, { signal, onProgress }) {
    const model = await models.get(params.modelDir, { signal, onProgress });
    return explainPrompt(model, params.prompt, { template: params.template, maxNewTokens: params.maxNewTokens, signal });
  },
  async intervene(params, { signal, onProgress }) {
    const model = await models.get(params.modelDir, { signal, onProgress });
    const attributor = await attributors.get(model, params.transcodersDir ?? defaultTranscoders(model.dir));
    const intervener = await interveners.get(attributor);
    const tokens = model.tokenize(params.prompt);
    const { interventions, mode, generate, topK, targets, maxChanges, preActivations } = params;
    const ids = tokens.map((t) => t.id);
    const result = await intervener.intervene(ids, interventions, { mode, generate, topK, targets, maxChanges, preActivations, signal, onProgress });
    return { ...result, tokens };
  },
};

export function callHandler<M extends MethodName>(method: M, params: ParamsOf<M>, context: CallContext): Promise<ResultOf<M>> {
  return (handlers[method] as Handler<M>)(params, context);
}
