// What the worker does for each engine method. Plain async functions, so tests can call them without a thread.
import { threadId } from 'node:worker_threads';
import { runSelfCheck } from '../selfCheck';
import type { ProgressSink } from '../progress';
import type { EngineMethods, MethodName, ParamsOf, ResultOf } from './protocol';

export interface CallContext {
  readonly signal: AbortSignal;
  readonly onProgress: ProgressSink;
}

type Handler<M extends MethodName> = (params: ParamsOf<M>, context: CallContext) => Promise<ResultOf<M>>;

const startedAt = performance.now();

export const handlers: { [M in keyof EngineMethods]: Handler<M> } = {
  async ping(params, { signal, onProgress }) {
    const selfCheck = params.selfCheck ? await runSelfCheck({ signal, onProgress }) : undefined;
    return { threadId, uptimeMs: performance.now() - startedAt, selfCheck };
  },
};

export function callHandler<M extends MethodName>(method: M, params: ParamsOf<M>, context: CallContext): Promise<ResultOf<M>> {
  return (handlers[method] as Handler<M>)(params, context);
}
