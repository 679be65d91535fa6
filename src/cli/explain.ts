// `self-trace explain --prompt TEXT`: the model states its own reasoning (greedy), written as the stated-reasoning
// markdown; `--compare` then traces the answer and checks the explanation against the trace (Explain and Trace).
import { parseArgs } from 'node:util';
import { DEFAULT_EXPLAIN_MAX_NEW_TOKENS } from '../engine/reasoning/explain';
import { EngineError } from '../engine/errors';
import { checkOutputPath, writeFileAtomic } from '../engine/files';
import { parseNumberArg, EXIT, resolveModelDir, withWorker, type CliCommand, PROMPT_OPTIONS } from './command';

export const explain: CliCommand = {
  name: 'explain',
  summary: "let the model state its reasoning on a prompt (greedy), as stated-reasoning markdown; --compare checks it against the trace",
  usage: `self-trace explain --prompt TEXT [--model DIR] [--max-new-tokens ${DEFAULT_EXPLAIN_MAX_NEW_TOKENS}] [--out FILE.md] [--compare] [--json]`,
  async run(args, { io, distDir }) {
    const { values } = parseArgs({
      args,
      options: {
        ...PROMPT_OPTIONS,
        'max-new-tokens': { type: 'string' },
        out: { type: 'string' },
        compare: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    const maxNew = values['max-new-tokens'] === undefined ? undefined : parseNumberArg(values['max-new-tokens']);
    if (values.prompt === undefined || (maxNew !== undefined && !(Number.isInteger(maxNew) && maxNew > 0))) {
      io.err(`self-trace explain: ${values.prompt === undefined ? '--prompt is required' : '--max-new-tokens must be a positive integer'}\nusage: ${this.usage}`);
      return EXIT.usage;
    }
    if (values.out !== undefined) {
      try {
        checkOutputPath(values.out);
      } catch (err) {
        io.err(`self-trace explain: ${EngineError.from(err).message}`);
        return EXIT.failed;
      }
    }
    const modelDir = resolveModelDir('explain', values.model, distDir, io);
    if (!modelDir) return EXIT.failed;
    const prompt: string = values.prompt;
    return withWorker(distDir, async (client) => {
      const ex = await client.request('explain', { modelDir, prompt, maxNewTokens: maxNew });
      if (values.out) writeFileAtomic(values.out, ex.markdown);
      if (!values.compare) {
        io.out(values.json ? JSON.stringify(ex) : values.out ? `written to ${values.out}` : ex.markdown.trimEnd());
        return EXIT.ok;
      }
      const result = await client.request('compareReasoning', { modelDir, markdown: ex.markdown, file: values.out });
      io.out(values.json ? JSON.stringify({ ...result.summary, explanation: ex }) : `${ex.markdown.trimEnd()}\n\n${result.text}`);
      return EXIT.ok;
    });
  },
};
