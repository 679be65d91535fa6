// What the worker does for each engine method. Plain async functions, so tests can call them without a thread.
import { threadId } from 'node:worker_threads';
import { runSelfCheck } from '../selfCheck';
import { runPrompt } from '../run';
import { ModelCache } from './models';
import { explainPrompt } from '../reasoning/explain';
import { compareMarkdown, ReasoningResources, resourceKey } from '../reasoning/resources';
import type { Model } from '../model/model';
import type { ProgressSink } from '../progress';
import type { EngineMethods, MethodName, ParamsOf, ResultOf } from './protocol';

export interface CallContext {
  readonly signal: AbortSignal;
  readonly onProgress: ProgressSink;
}

type Handler<M extends MethodName> = (params: ParamsOf<M>, context: CallContext) => Promise<ResultOf<M>>;

const startedAt = performance.now();
/** one per worker thread: the model is loaded once and reused */
const models = new ModelCache();
/** the attributor sessions and feature evidence of the last comparison's model, reused by the next */
let reasoning: { key: string; model: Model; resources: Promise<ReasoningResources> } | undefined;

function reasoningResources(model: Model, paths: { transcoderDir?: string; featureDir?: string }): Promise<ReasoningResources> {
  const key = resourceKey(model, paths);
  if (reasoning?.key === key && reasoning.model === model) return reasoning.resources;
  void reasoning?.resources.then((r) => r.dispose()).catch(() => undefined); // its load reported its own error
  const resources = ReasoningResources.load(model, paths);
  reasoning = { key, model, resources };
  resources.catch(() => {
    if (reasoning?.resources === resources) reasoning = undefined; // a failed load is not kept
  });
  return resources;
}

export const handlers: { [M in keyof EngineMethods]: Handler<M> } = {
  async ping(params, { signal, onProgress }) {
    const selfCheck = params.selfCheck ? await runSelfCheck({ signal, onProgress }) : undefined;
    return { threadId, uptimeMs: performance.now() - startedAt, selfCheck };
  },
  async run(params, { signal, onProgress }) {
    const model = await models.get(params.modelDir, { signal, onProgress });
    return runPrompt(model, params.prompt, params.topK, signal);
  },
  async compareReasoning(params, { signal, onProgress }) {
    const model = await models.get(params.modelDir, { signal, onProgress });
    const res = await reasoningResources(model, params);
    return compareMarkdown(model, res, params.markdown, { file: params.file, maxFeatureNodes: params.maxFeatureNodes, signal, onProgress });
  },
  async explain(params, { signal, onProgress }) {
    const model = await models.get(params.modelDir, { signal, onProgress });
    return explainPrompt(model, params.prompt, { template: params.template, maxNewTokens: params.maxNewTokens, signal });
  },
};

export function callHandler<M extends MethodName>(method: M, params: ParamsOf<M>, context: CallContext): Promise<ResultOf<M>> {
  return (handlers[method] as Handler<M>)(params, context);
}
