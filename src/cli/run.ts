// `self-trace run`: tokenizes a prompt, runs the model in the engine worker, and prints the prompt's tokens and
// the most likely next tokens.
import { parseArgs } from 'node:util';
import { DEFAULT_TOP_K, type RunResult } from '../engine/run';
import { spellTokens } from '../protocol/tokenText';
import { EXIT, resolveModelDir, withWorker, type CliCommand, PROMPT_OPTIONS } from './command';

export const run: CliCommand = {
  name: 'run',
  summary: 'run a model on a prompt: its tokens and the most likely next tokens',
  usage: `self-trace run --prompt TEXT [--model DIR] [--top-k ${DEFAULT_TOP_K}] [--json]`,
  async run(args, { io, distDir }) {
    const { values } = parseArgs({
      args,
      options: {
        ...PROMPT_OPTIONS,
        'top-k': { type: 'string', default: String(DEFAULT_TOP_K) },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    const topK = Number(values['top-k']);
    if (values.prompt === undefined || !Number.isInteger(topK) || topK < 1) {
      io.err(`self-trace run: ${values.prompt === undefined ? '--prompt is required' : '--top-k must be a positive integer'}\nusage: ${this.usage}`);
      return EXIT.usage;
    }
    const modelDir = resolveModelDir('run', values.model, distDir, io);
    if (!modelDir) return EXIT.failed;
    const prompt: string = values.prompt;
    return withWorker(distDir, async (client) => {
      const result = await client.request('run', { modelDir, prompt, topK });
      io.out(values.json ? JSON.stringify(result) : describe(result, prompt));
      return EXIT.ok;
    });
  },
};

function describe({ tokens, top }: RunResult, prompt: string): string {
  const width = Math.max(...top.map((t) => JSON.stringify(t.token).length));
  const offsets = tokens.map((t) => [t.start, t.end] as const);
  const spelled = spellTokens(tokens.map((t) => t.text), offsets, prompt);
  const split = spelled.some((s) => s.partial.length > 0);
  return [
    `${tokens.length} tokens: ${spelled.map((s) => JSON.stringify(s.text)).join(' ')}`,
    ...(split ? ['(⟨c k/n⟩: part k of the n byte-level tokens that together spell the character c)'] : []),
    'next token:',
    ...top.map((t, i) => `  ${String(i + 1).padStart(2)}. ${JSON.stringify(t.token).padEnd(width)}  ${(100 * t.prob).toFixed(2).padStart(6)}%  logit ${t.logit.toFixed(3)}  (id ${t.id})`),
  ].join('\n');
}
