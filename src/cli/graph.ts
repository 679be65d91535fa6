// `self-trace graph validate FILE…` and `self-trace graph convert FILE --format F --out FILE`: graph files from
// circuit-tracer, Neuronpedia or us, checked the way the panel and Neuronpedia's upload read them, and rewritten
// in the form a destination reads (src/protocol/graphForms.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../engine/formats/graphFolder';
import { writeGraphJson } from '../engine/formats/graphJson';
import { convertGraph, formOf, GRAPH_FORMS, readSavedView, type GraphForm } from '../protocol/graphForms';
import { checkNeuronpediaSchema } from '../protocol/graphSchema';
import { MAX_GRAPH_BYTES, parseGraphText, parseJsonLenient } from '../protocol/graphText';
import { EXIT, type CliCommand, type CliIO } from './command';

const USAGE = 'self-trace graph validate FILE… | self-trace graph convert FILE --format circuit-tracer|neuronpedia --out FILE [--feature-json-base-url URL]';

function readText(file: string): string {
  const size = fs.statSync(file).size;
  if (size > MAX_GRAPH_BYTES) throw new Error(`${file} is ${(size / 2 ** 20).toFixed(0)} MB; graphs over ${MAX_GRAPH_BYTES / 2 ** 20} MB are not read`);
  return fs.readFileSync(file, 'utf8');
}

function validate(files: string[], io: CliIO): number {
  if (files.length === 0) {
    io.err(`self-trace graph validate: name at least one file\nusage: ${USAGE}`);
    return EXIT.usage;
  }
  let failed = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readText(file);
    } catch (err) {
      io.err(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      failed++;
      continue;
    }
    const parsed = parseGraphText(text, { cap: false });
    if (!parsed.ok && /^\s*\{\s*"graphs"\s*:/.test(text)) {
      io.err(`${file}: this is circuit-tracer's graph-metadata.json (the list of a folder's graphs), not a graph; validate the {slug}.json files beside it`);
      failed++;
      continue;
    }
    if (!parsed.ok) {
      io.err(`${file}: not an attribution graph: ${parsed.reason}`);
      failed++;
      continue;
    }
    const g = parsed.graph;
    io.out(`${file}: ${formOf(g)} form, schema ${g.metadata.schema_version ?? 0}, ${g.nodes.length} nodes, ${g.links.length} links, ${g.metadata.prompt_tokens.length} tokens`);
    for (const w of parsed.warnings) io.out(`  warning: ${w}`);
    const markup = Object.values(readSavedView(g).clerps).filter((l) => /<[a-z!/?]/i.test(l)).length;
    if (markup > 0) io.out(`  warning: ${markup} label(s) in qParams.clerps contain HTML-like markup; viewers must show them as text (ours does)`);
    const schema = checkNeuronpediaSchema(parseJsonLenient(text).value);
    if (schema.errors.length === 0) io.out('  Neuronpedia schema: ok');
    else for (const e of schema.errors) io.out(`  Neuronpedia schema: ${e}`);
  }
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

function convert(args: string[], io: CliIO): number {
  const { values, positionals } = parseArgs({
    args,
    options: { format: { type: 'string' }, out: { type: 'string' }, 'feature-json-base-url': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const usage = (why: string) => {
    io.err(`self-trace graph convert: ${why}\nusage: ${USAGE}`);
    return EXIT.usage;
  };
  if (positionals.length !== 1) return usage('name one input file');
  const form = values.format as GraphForm | undefined;
  if (!form || !GRAPH_FORMS.includes(form)) return usage(`--format must be ${GRAPH_FORMS.join(' or ')}`);
  if (!values.out) return usage('--out FILE is required');
  const input = path.resolve(positionals[0]);
  const out = path.resolve(values.out);
  if (out === input) return usage('--out must differ from the input: the input file is never overwritten');
  const parsed = parseGraphText(readText(input), { cap: false });
  if (!parsed.ok) {
    io.err(`self-trace graph convert: ${positionals[0]} is not an attribution graph: ${parsed.reason}`);
    return EXIT.failed;
  }
  const { graph, warnings } = convertGraph(parsed.graph, form);
  const url = values['feature-json-base-url'];
  if (url !== undefined) graph.metadata = { ...graph.metadata, feature_details: { ...graph.metadata.feature_details, feature_json_base_url: url } };
  writeFileAtomic(out, writeGraphJson(graph));
  for (const w of [...parsed.warnings, ...warnings]) io.err(`warning: ${w}`);
  io.out(`wrote ${out}: ${form} form (from ${formOf(parsed.graph)}), ${graph.nodes.length} nodes, ${graph.links.length} links`);
  return EXIT.ok;
}

export const graph: CliCommand = {
  name: 'graph',
  summary: 'validate graph files, or convert one to the form circuit-tracer or Neuronpedia reads',
  usage: USAGE,
  async run(args, { io }) {
    const [sub, ...rest] = args;
    if (sub === 'validate') return validate(rest, io);
    if (sub === 'convert') return convert(rest, io);
    io.err(`self-trace graph: ${sub === undefined ? 'name a sub-command' : `unknown sub-command "${sub}"`}\nusage: ${USAGE}`);
    return EXIT.usage;
  },
};
