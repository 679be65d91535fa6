// `self-trace reasoning FILE.md`: compares a stated reasoning with the trace of its answer and prints each claim's
// support, the unstated influences and the faithfulness score; `--json` prints the summary, `--report` writes the
// attribution_trace report, `--derived` the reasoning written from the graph's strongest paths.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REASONING_MAX_FEATURE_NODES } from '../engine/reasoning/compare';
import { parseReasoningMarkdown } from '../engine/reasoning/markdown';
import { EXIT, resolveModelDir, withWorker, type CliCommand } from './command';

export const reasoning: CliCommand = {
  name: 'reasoning',
  summary: "compare a stated reasoning (markdown) with the trace of its answer: claim support, unstated influences, score",
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
    const maxNodes = values['max-feature-nodes'] === undefined ? undefined : Number(values['max-feature-nodes']);
    if (positionals.length !== 1 || (maxNodes !== undefined && !(Number.isInteger(maxNodes) && maxNodes > 0))) {
      io.err(`self-trace reasoning: ${positionals.length !== 1 ? 'give one markdown file' : '--max-feature-nodes must be a positive integer'}\nusage: ${this.usage}`);
      return EXIT.usage;
    }
    const file = positionals[0];
    if (!fs.existsSync(file)) {
      io.err(`self-trace reasoning: no file ${file}`);
      return EXIT.failed;
    }
    const markdown = fs.readFileSync(file, 'utf8');
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
        transcodersDir: values.transcoders && path.resolve(values.transcoders),
        featureDir: values.features && path.resolve(values.features),
        markdown,
        file,
        maxFeatureNodes: maxNodes,
    });
    if (values.report) fs.writeFileSync(values.report, JSON.stringify(result.report, null, 2) + '\n');
    if (values.derived) fs.writeFileSync(values.derived, result.traceDerived);
    io.out(values.json ? JSON.stringify(result.summary) : result.text);
    return EXIT.ok;
    });
  },
};
