// Greedy continuation: the most likely token, appended, until a stop rule, the token budget or the context ends.
// One full forward pass per token (no KV cache): the embedded model and its prompts are small.
import { throwIfAborted } from './errors';
import type { Model } from './model/model';

export interface GreedyStep {
  id: number;
  token: string;
  prob: number;
}

export interface GreedyOptions {
  maxNewTokens: number;
  /** stop after this token when it returns true (given the text generated so far, that token included) */
  stop?: (generated: string, last: GreedyStep) => boolean;
  signal?: AbortSignal;
}

/** Continues `ids` greedily; stops at an end-of-text token (not included), the stop rule, the budget or n_ctx. */
export async function generateGreedy(model: Model, ids: number[], opts: GreedyOptions): Promise<GreedyStep[]> {
  const out: GreedyStep[] = [];
  const seq = [...ids];
  const eos = new Set([model.config.eosTokenId, ...(model.config.eosTokenIds ?? []), model.tokenizer.bosId].filter((x): x is number => x !== undefined));
  let text = '';
  while (out.length < opts.maxNewTokens && seq.length < model.config.nCtx) {
    throwIfAborted(opts.signal);
    const logits = await model.logits(seq, opts.signal);
    const [best] = model.topNext(logits, 1);
    if (eos.has(best.id)) break;
    const step = { id: best.id, token: best.token, prob: best.prob };
    out.push(step);
    seq.push(best.id);
    text += best.token;
    if (opts.stop?.(text, step)) break;
  }
  return out;
}
