// `self-trace trace`: computes a prompt's attribution graph in the engine worker and writes the graph JSON
// (circuit-tracer / Neuronpedia schema) to --out in the --format asked for, or with --out-dir the folder
// circuit-tracer's local viewer serves (graph-metadata.json, {slug}.json, features/), with a progress bar when
// stderr is a terminal. Feature details come from --features, else the model's `features/` folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_FEATURE_NODES } from '../engine/attribution/attribute';
import { DEFAULT_EDGE_THRESHOLD, DEFAULT_NODE_THRESHOLD } from '../engine/attribution/prune';
import { FeatureIndex } from '../engine/features/records';
import { writeGraphFolder } from '../engine/formats/graphFolder';
import { writeGraphJson } from '../engine/formats/graphJson';
import { convertGraph, GRAPH_FORMS, type GraphForm } from '../protocol/graphForms';
import type { Progress } from '../engine/progress';
import { slugOf, type TraceOptions } from '../engine/trace';
import { EngineError } from '../engine/errors';
import { checkOutputPath, freeOutputName, writeFileAtomic } from '../engine/files';
import { checkTraceOption, describeRange, TRACE_OPTION_RANGES, type TraceOptionName } from '../engine/options';
import { EngineWorkerClient } from '../engine/worker/client';
import { EXIT, parseNumberArg, resolveModelDir, type CliCommand, localOrRepo, PROMPT_OPTIONS } from './command';

export const trace: CliCommand = {
  name: 'trace',
  summary: "compute a prompt's attribution graph and write it as graph JSON",
  usage:
    'self-trace trace --prompt TEXT [--model DIR] [--transcoders DIR] [--features DIR] [--out FILE | --out-dir DIR] ' +
    '[--format circuit-tracer|neuronpedia (circuit-tracer)] [--target TOKEN]... [--contrast TOKEN] ' +
    `[--max-feature-nodes N (${DEFAULT_MAX_FEATURE_NODES}; 0 = all)] [--node-threshold X (${DEFAULT_NODE_THRESHOLD})] ` +
    `[--edge-threshold Y (${DEFAULT_EDGE_THRESHOLD})] [--no-prune] [--slug NAME]`,
  async run(args, { io, distDir }) {
    const { values } = parseArgs({
      args,
      options: {
        ...PROMPT_OPTIONS,
        transcoders: { type: 'string' },
        features: { type: 'string' },
        out: { type: 'string' },
        'out-dir': { type: 'string' },
        format: { type: 'string' },
        target: { type: 'string', multiple: true },
        contrast: { type: 'string' },
        'max-feature-nodes': { type: 'string' },
        'node-threshold': { type: 'string' },
        'edge-threshold': { type: 'string' },
        'no-prune': { type: 'boolean', default: false },
        slug: { type: 'string' },
      },
      strict: true,
    });
    const usage = (why: string) => {
      io.err(`self-trace trace: ${why}\nusage: ${this.usage}`);
      return EXIT.usage;
    };
    if (values.prompt === undefined) return usage('--prompt is required');
    const num = (v: string | undefined) => (v === undefined ? undefined : parseNumberArg(v));
    const maxNodes = num(values['max-feature-nodes']);
    const nodeT = num(values['node-threshold']);
    const edgeT = num(values['edge-threshold']);
    const problem =
      (maxNodes === 0 ? undefined : flagProblem('--max-feature-nodes', 'maxFeatureNodes', maxNodes, values['max-feature-nodes'], ' (0 = every active feature)')) ??
      flagProblem('--node-threshold', 'nodeThreshold', nodeT, values['node-threshold']) ??
      flagProblem('--edge-threshold', 'edgeThreshold', edgeT, values['edge-threshold']);
    if (problem) return usage(problem);
    const targets = values.target ?? [];
    if (targets.some((t) => t === '')) return usage('--target is empty; a target is one token, e.g. --target " Austin"');
    const twice = targets.find((t, i) => targets.indexOf(t) !== i);
    if (twice !== undefined) return usage(`--target ${JSON.stringify(twice)} is given twice`);
    if (values.contrast === '') return usage('--contrast is empty; a contrast is one token');
    if (values.contrast !== undefined && targets.length > 1) return usage('--contrast takes one --target (A in A − B)');
    if (values.contrast !== undefined && targets[0] === values.contrast) return usage(`--contrast ${JSON.stringify(values.contrast)} is the --target itself; A − A is zero`);
    if (values.prompt === '') return usage('--prompt is empty');
    const form = (values.format ?? 'circuit-tracer') as GraphForm;
    if (!GRAPH_FORMS.includes(form)) return usage(`--format must be ${GRAPH_FORMS.join(' or ')}`);
    if (values.out !== undefined && values['out-dir'] !== undefined) return usage('give --out or --out-dir, not both');
    if (values['out-dir'] !== undefined && form !== 'circuit-tracer') return usage('--out-dir writes the folder circuit-tracer\'s viewer serves; use --out for a Neuronpedia upload');

    const modelDir = resolveModelDir('trace', values.model, distDir, io);
    if (!modelDir) return EXIT.failed;
    const options: TraceOptions = {
      targets: values.target,
      contrast: values.contrast,
      maxFeatureNodes: maxNodes === 0 ? null : maxNodes,
      nodeThreshold: nodeT,
      edgeThreshold: edgeT,
      noPrune: values['no-prune'],
      slug: values.slug,
    };
    // --out is checked before the trace; without it the default name never replaces an existing file
    const out = values.out !== undefined ? path.resolve(values.out) : freeOutputName(process.cwd(), options.slug ?? slugOf(values.prompt), '.json');
    try {
      if (values['out-dir'] === undefined) checkOutputPath(out);
    } catch (err) {
      io.err(`self-trace trace: ${EngineError.from(err).message}`);
      return EXIT.failed;
    }
    const bar = progressBar(process.stderr);
    const client = new EngineWorkerClient({ workerPath: path.join(distDir, 'worker.js') });
    try {
      const t0 = performance.now();
      const result = await client.request(
        'trace',
        {
          modelDir,
          transcodersDir: values.transcoders && localOrRepo(values.transcoders),
          featureDir: values.features && path.resolve(values.features),
          prompt: values.prompt,
          options,
        },
        { onProgress: bar.update },
      );
      bar.done();
      const g = convertGraph(result.graph, form).graph;
      for (const w of result.warnings ?? []) io.err(`self-trace trace: warning: ${w}`);
      let wrote = out;
      if (values['out-dir'] !== undefined) {
        const dir = path.resolve(values['out-dir']);
        const featureDir = values.features ? path.resolve(values.features) : path.join(modelDir, 'features');
        let index: FeatureIndex | undefined;
        try {
          index = fs.existsSync(featureDir) ? FeatureIndex.open(featureDir) : undefined;
        } catch (err) {
          io.err(`warning: no feature files written: ${(err as Error).message}`);
        }
        const folder = writeGraphFolder(dir, g, index);
        wrote = folder.graphFile;
        io.out(`wrote ${folder.metadataFile} and ${folder.featureFiles} feature file(s) in ${path.join(dir, 'features')}` +
          (folder.missingFeatures ? ` (${folder.missingFeatures} feature(s) have no record in the index)` : '') +
          `; view with: circuit-tracer start-server --graph_file_dir ${dir}`);
      } else {
        writeFileAtomic(out, writeGraphJson(g));
      }
      const scores = g.selfTracing?.scores;
      io.out(
        `wrote ${wrote}: ${g.nodes.length} nodes, ${g.links.length} links, ${result.tokens.length} tokens` +
          (scores ? `; replacement ${scores.replacement.toFixed(3)}, completeness ${scores.completeness.toFixed(3)}` : '') +
          ` (${((performance.now() - t0) / 1000).toFixed(2)} s)`,
      );
      return EXIT.ok;
    } finally {
      bar.done();
      client.dispose();
    }
  },
};

/** A flag's value outside what the engine takes, in the flag's own words. */
function flagProblem(flag: string, name: TraceOptionName, value: number | undefined, typed: string | undefined, note = ''): string | undefined {
  if (checkTraceOption(name, value) === undefined) return undefined;
  return `${flag} must be ${describeRange(TRACE_OPTION_RANGES[name])}${note}, not ${JSON.stringify(typed)}`;
}

/** a one-line bar redrawn in place on a terminal; nothing otherwise */
function progressBar(stream: NodeJS.WriteStream) {
  let shown = false;
  return {
    update: (p: Progress) => {
      if (!stream.isTTY) return;
      const width = 30;
      const f = Math.max(0, Math.min(1, p.fraction ?? 0));
      const filled = Math.round(f * width);
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}% ${p.message.padEnd(28)}`);
      shown = true;
    },
    done: () => {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
