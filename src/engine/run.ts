// `run`: tokenize a prompt, run the forward pass once, and report the most likely next tokens.
import { throwIfAborted } from './errors';
import type { Model, NextToken } from './model/model';
import type { PromptToken } from './model/tokenizer';

export interface RunResult {
  tokens: PromptToken[];
  top: NextToken[];
}

export const DEFAULT_TOP_K = 10;

export async function runPrompt(model: Model, prompt: string, topK = DEFAULT_TOP_K, signal?: AbortSignal): Promise<RunResult> {
  const tokens = model.tokenize(prompt);
  const logits = await model.logits(
    tokens.map((t) => t.id),
    signal,
  );
  throwIfAborted(signal);
  return { tokens, top: model.topNext(logits, topK) };
}
