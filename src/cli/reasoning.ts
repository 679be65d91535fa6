// `self-trace reasoning FILE.md`: checks a stated reasoning with four tests on the model (the answer traced on the
// prompt alone, early answering and mistakes, biasing inputs, the answer's probability) and prints one verdict with
// its reason, each claim's status and each test's numbers; `--json` prints the summary (verdict first), `--report`
// writes the attribution_trace report, `--derived` the reasoning the prompt-only graph tells.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REASONING_MAX_FEATURE_NODES } from '../engine/reasoning/compare';
import { parseReasoningMarkdown } from '../engine/reasoning/markdown';
import { EngineError } from '../engine/errors';
import { checkOutputPath, readTextFile, writeFileAtomic } from '../engine/files';
import { checkTraceOption, describeRange, TRACE_OPTION_RANGES } from '../engine/options';
import { EXIT, parseNumberArg, resolveModelDir, withWorker, type CliCommand, localOrRepo } from './command';

/** A stated reasoning is a short document: a file above this is refused before it is read. */
export const MAX_REASONING_BYTES = 1024 * 1024;

export const reasoning: CliCommand = {
  name: 'reasoning',
  summary: 'check a stated reasoning (markdown) against the model: faithful / post-hoc / hint-driven / contradicted / answer not the model\'s',
  usage:
    'self-trace reasoning FILE.md [--model DIR] [--transcoders DIR] [--features DIR] [--max-feature-nodes ' +
    `${DEFAULT_REASONING_MAX_FEATURE_NODES}] [--json] [--report OUT.json] [--derived OUT.md]`,
  async run(args, { io, distDir }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        transcoders: { type: 'string' },
        features: { type: 'string' },
        'max-feature-nodes': { type: 'string' },
        json: { type: 'boolean', default: false },
        report: { type: 'string' },
        derived: { type: 'string' },
      },
      strict: true,
    });
    const maxNodes = values['max-feature-nodes'] === undefined ? undefined : parseNumberArg(values['max-feature-nodes']);
    if (positionals.length !== 1 || checkTraceOption('maxFeatureNodes', maxNodes) !== undefined) {
      const range = describeRange(TRACE_OPTION_RANGES.maxFeatureNodes);
      io.err(`self-trace reasoning: ${positionals.length !== 1 ? 'give one markdown file' : `--max-feature-nodes must be ${range}, not ${JSON.stringify(values['max-feature-nodes'])}`}\nusage: ${this.usage}`);
      return EXIT.usage;
    }
    const file = positionals[0];
    let markdown: string;
    try {
      markdown = readTextFile(file, 'reasoning file', MAX_REASONING_BYTES);
      // outputs are checked before the trace, so a bad --report or --derived fails at once
      for (const out of [values.report, values.derived]) if (out !== undefined) checkOutputPath(out);
    } catch (err) {
      io.err(`self-trace reasoning: ${EngineError.from(err).message}`);
      return EXIT.failed;
    }
    // format problems are reported before any model is loaded
    const parsed = parseReasoningMarkdown(markdown);
    if (!parsed.ok) {
      io.err(parsed.problems.map((p) => `${file}:${p.line + 1}: ${p.message}`).join('\n'));
      return EXIT.failed;
    }
    const modelDir = resolveModelDir('reasoning', values.model, distDir, io);
    if (!modelDir) return EXIT.failed;
    return withWorker(distDir, async (client) => {
      const result = await client.request('compareReasoning', {
        modelDir,
        transcodersDir: values.transcoders && localOrRepo(values.transcoders),
        featureDir: values.features && path.resolve(values.features),
        markdown,
        file,
        maxFeatureNodes: maxNodes,
    });
    if (values.report) writeFileAtomic(values.report, JSON.stringify(result.report, null, 2) + '\n');
    if (values.derived) writeFileAtomic(values.derived, result.traceDerived);
    io.out(values.json ? JSON.stringify(result.summary) : result.text);
    return EXIT.ok;
    });
  },
};
