// `self-trace run`: tokenizes a prompt, runs the model in the engine worker, and prints the prompt's tokens and
// the most likely next tokens.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TOP_K, type RunResult } from '../engine/run';
import { EngineWorkerClient } from '../engine/worker/client';
import { EXIT, embeddedModelDir, type CliCommand } from './command';

export const run: CliCommand = {
  name: 'run',
  summary: 'run a model on a prompt: its tokens and the most likely next tokens',
  usage: `self-trace run --prompt TEXT [--model DIR] [--top-k ${DEFAULT_TOP_K}] [--json]`,
  async run(args, { io, distDir }) {
    const { values } = parseArgs({
      args,
      options: {
        prompt: { type: 'string' },
        model: { type: 'string' },
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
    const modelDir = path.resolve(values.model ?? embeddedModelDir(distDir));
    if (values.model === undefined && !fs.existsSync(path.join(modelDir, 'config.json'))) {
      io.err(`self-trace run: the embedded model is not built yet (expected at ${modelDir}); pass --model DIR`);
      return EXIT.failed;
    }
    const client = new EngineWorkerClient({ workerPath: path.join(distDir, 'worker.js') });
    try {
      const result = await client.request('run', { modelDir, prompt: values.prompt, topK });
      io.out(values.json ? JSON.stringify(result) : describe(result));
      return EXIT.ok;
    } finally {
      client.dispose();
    }
  },
};

function describe({ tokens, top }: RunResult): string {
  const width = Math.max(...top.map((t) => JSON.stringify(t.token).length));
  return [
    `${tokens.length} tokens: ${tokens.map((t) => JSON.stringify(t.text)).join(' ')}`,
    'next token:',
    ...top.map((t, i) => `  ${String(i + 1).padStart(2)}. ${JSON.stringify(t.token).padEnd(width)}  ${(100 * t.prob).toFixed(2).padStart(6)}%  logit ${t.logit.toFixed(3)}  (id ${t.id})`),
  ].join('\n');
}
