// `self-trace study PROMPTS.jsonl --out DIR`: traces every prompt (N engine worker processes with --jobs N), each
// graph written atomically to DIR/graphs/<id>.json so an interrupted study resumes where it stopped, then writes the
// report: DIR/report.html (self-contained, inline SVG), prompts.csv, features.csv and study.json. `--shard i/N` runs
// one slice (Kubernetes Indexed Job, Slurm array); `study merge --out DIR SHARD_DIR…` joins slices. The report is
// computed from the graph files alone, so N shards merged give the same report as one run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { EngineError } from '../engine/errors';
import { writeFileAtomic } from '../engine/files';
import { readGraphJson, writeGraphJson } from '../engine/formats/graphJson';
import { parsePrompts, parseShard, shardOf, type Shard, type StudyPrompt } from '../engine/study/prompts';
import { studyReportHtml } from '../engine/study/reportHtml';
import { FEATURE_COLUMNS, PROMPT_COLUMNS, summarizeStudy, toCsv } from '../engine/study/summary';
import { EngineWorkerClient } from '../engine/worker/client';
import type { GraphJson } from '../protocol/graph-json';
import { EXIT, localOrRepo, parseNumberArg, resolveModelDir, type CliCommand, type CliIO } from './command';

const PROMPTS_COPY = 'prompts.jsonl';

export const study: CliCommand = {
  name: 'study',
  summary: 'trace every prompt of a JSONL file and write a report (HTML plots, CSV, JSON); shards and merge',
  usage: 'self-trace study PROMPTS.jsonl --out DIR [--jobs N (1)] [--shard i/N] [--model DIR] [--transcoders DIR] [--features DIR] [--max-feature-nodes N]\n' +
    '       self-trace study merge --out DIR SHARD_DIR...\n' +
    '       self-trace study report DIR',
  async run(args, { io, distDir }) {
    if (args[0] === 'merge') return merge(args.slice(1), io, this.usage);
    if (args[0] === 'report') return reportOnly(args.slice(1), io, this.usage);
    const { values, positionals } = parseArgs({
      args,
      options: {
        out: { type: 'string' }, jobs: { type: 'string' }, shard: { type: 'string' }, model: { type: 'string' },
        transcoders: { type: 'string' }, features: { type: 'string' }, 'max-feature-nodes': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    const usage = (why: string) => {
      io.err(`self-trace study: ${why}\nusage: ${this.usage}`);
      return EXIT.usage;
    };
    if (positionals.length !== 1) return usage('give one prompts file (JSONL: {"prompt": …, "group": …} a line)');
    if (values.out === undefined) return usage('--out DIR is required (the graphs and the report go there)');
    const jobs = values.jobs === undefined ? 1 : parseNumberArg(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) return usage(`--jobs must be a whole number from 1 to 64, not ${JSON.stringify(values.jobs)}`);
    const shard = values.shard === undefined ? undefined : parseShard(values.shard);
    if (values.shard !== undefined && !shard) return usage(`--shard must be i/N with 0 ≤ i < N (e.g. 0/4 … 3/4), not ${JSON.stringify(values.shard)}`);
    const maxNodes = values['max-feature-nodes'] === undefined ? undefined : parseNumberArg(values['max-feature-nodes']);
    if (maxNodes !== undefined && !(Number.isInteger(maxNodes) && maxNodes >= 1)) return usage(`--max-feature-nodes must be a whole number ≥ 1, not ${JSON.stringify(values['max-feature-nodes'])}`);

    const file = positionals[0];
    const out = path.resolve(values.out);
    let prompts: StudyPrompt[];
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
      prompts = parsePrompts(text, path.basename(file));
      prepareOut(out, text);
    } catch (err) {
      io.err(`self-trace study: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: no such file` : EngineError.from(err).message}`);
      return EXIT.failed;
    }
    const modelDir = resolveModelDir('study', values.model, distDir, io);
    if (!modelDir) return EXIT.failed;
    const mine = shardOf(prompts, shard);
    const todo = mine.filter((p) => !readGraph(out, p.id));
    if (todo.length < mine.length) io.err(`resuming: ${mine.length - todo.length} of ${mine.length} prompts already traced in ${out}`);
    const t0 = performance.now();
    const failures: string[] = [];
    const bar = progress(process.stderr, todo.length);
    const clients = Array.from({ length: Math.min(jobs, Math.max(1, todo.length)) }, () => new EngineWorkerClient({ workerPath: path.join(distDir, 'worker.js') }));
    let next = 0;
    try {
      await Promise.all(clients.map(async (client) => {
        while (next < todo.length) {
          const p = todo[next++];
          try {
            const result = await client.request('trace', {
              modelDir,
              transcodersDir: values.transcoders && localOrRepo(values.transcoders),
              featureDir: values.features && path.resolve(values.features),
              prompt: p.prompt,
              options: { slug: p.id, ...(p.target ? { targets: [p.target] } : {}), ...(maxNodes ? { maxFeatureNodes: maxNodes } : {}) },
            });
            writeFileAtomic(path.join(out, 'graphs', `${p.id}.json`), writeGraphJson(result.graph));
          } catch (err) {
            failures.push(`${p.id}: ${EngineError.from(err).message}`);
          }
          bar.tick();
        }
      }));
    } finally {
      bar.done();
      for (const c of clients) c.dispose();
    }
    const seconds = (performance.now() - t0) / 1000;
    const traced = todo.length - failures.length;
    writeFileAtomic(path.join(out, shard ? `run-shard-${shard.index}-of-${shard.count}.json` : 'run.json'), `${JSON.stringify({
      prompts: path.resolve(file), model: modelDir, jobs, shard: shard ?? null, traced, failed: failures.length, seconds: +seconds.toFixed(2),
      tracesPerMinute: traced > 0 ? +((60 * traced) / seconds).toFixed(2) : null, finishedAt: new Date().toISOString(),
    }, null, 2)}\n`);
    for (const f of failures) io.err(`self-trace study: ${f}`);
    const written = writeReport(out, mine, io, shard);
    io.out(`traced ${traced} prompt(s) in ${seconds.toFixed(1)} s${traced > 0 ? ` (${((60 * traced) / seconds).toFixed(1)} traces/min with ${clients.length} worker(s))` : ''}; ${written}`);
    return failures.length > 0 ? EXIT.failed : EXIT.ok;
  },
};

/** DIR/prompts.jsonl holds the study's prompts: a new study writes it, a resumed or sharded one must match it. */
function prepareOut(out: string, text: string): void {
  fs.mkdirSync(path.join(out, 'graphs'), { recursive: true });
  const copy = path.join(out, PROMPTS_COPY);
  if (fs.existsSync(copy)) {
    if (fs.readFileSync(copy, 'utf8') !== text) throw new EngineError('badFile', `${out} holds a study of other prompts (${copy} differs); give another --out, or remove that folder to start over.`);
    return;
  }
  writeFileAtomic(copy, text);
}

function readGraph(dir: string, id: string): GraphJson | undefined {
  const f = path.join(dir, 'graphs', `${id}.json`);
  try {
    return readGraphJson(fs.readFileSync(f, 'utf8'));
  } catch {
    return undefined; // missing or cut short: traced (again)
  }
}

/** Writes the report of the given prompts from the graphs in `dir`; returns what it wrote, in words. */
function writeReport(dir: string, prompts: StudyPrompt[], io: CliIO, shard?: Shard): string {
  const items = prompts.flatMap((p) => {
    const graph = readGraph(dir, p.id);
    return graph ? [{ prompt: p, graph }] : [];
  });
  const missing = prompts.length - items.length;
  if (missing > 0) io.err(`self-trace study: ${missing} prompt(s) have no graph yet; the report covers the other ${items.length}`);
  const results = summarizeStudy(items);
  const title = `Self-Tracing study: ${items.length} prompts${shard ? ` (shard ${shard.index} of ${shard.count})` : ''}`;
  writeFileAtomic(path.join(dir, 'study.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileAtomic(path.join(dir, 'prompts.csv'), toCsv(results.prompts, PROMPT_COLUMNS));
  writeFileAtomic(path.join(dir, 'features.csv'), toCsv(results.features, FEATURE_COLUMNS));
  writeFileAtomic(path.join(dir, 'report.html'), studyReportHtml(results, title));
  return `report in ${path.join(dir, 'report.html')} (study.json, prompts.csv, features.csv beside it)`;
}

function loadPromptsOf(dir: string): { text: string; prompts: StudyPrompt[] } {
  const f = path.join(dir, PROMPTS_COPY);
  if (!fs.existsSync(f)) throw new EngineError('badFile', `${dir} is not a study folder (no ${PROMPTS_COPY}); give folders written by \`self-trace study --out\`.`);
  const text = fs.readFileSync(f, 'utf8');
  return { text, prompts: parsePrompts(text, f) };
}

async function merge(args: string[], io: CliIO, usageText: string): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' } }, allowPositionals: true, strict: true });
  if (values.out === undefined || positionals.length === 0) {
    io.err(`self-trace study merge: give --out DIR and the shard folders\nusage: ${usageText}`);
    return EXIT.usage;
  }
  const out = path.resolve(values.out);
  try {
    const first = loadPromptsOf(positionals[0]);
    for (const d of positionals.slice(1)) {
      if (loadPromptsOf(d).text !== first.text) throw new EngineError('badFile', `${d} is a study of other prompts than ${positionals[0]}; only slices of one study merge.`);
    }
    prepareOut(out, first.text);
    let copied = 0;
    for (const p of first.prompts) {
      if (readGraph(out, p.id)) continue;
      for (const d of positionals) {
        if (path.resolve(d) === out) continue;
        const src = path.join(d, 'graphs', `${p.id}.json`);
        if (!readGraph(d, p.id)) continue;
        writeFileAtomic(path.join(out, 'graphs', `${p.id}.json`), fs.readFileSync(src));
        copied++;
        break;
      }
    }
    io.out(`merged ${positionals.length} folder(s), ${copied} graph(s) copied; ${writeReport(out, first.prompts, io)}`);
    return EXIT.ok;
  } catch (err) {
    io.err(`self-trace study merge: ${EngineError.from(err).message}`);
    return EXIT.failed;
  }
}

async function reportOnly(args: string[], io: CliIO, usageText: string): Promise<number> {
  if (args.length !== 1) {
    io.err(`self-trace study report: give one study folder\nusage: ${usageText}`);
    return EXIT.usage;
  }
  try {
    io.out(writeReport(path.resolve(args[0]), loadPromptsOf(args[0]).prompts, io));
    return EXIT.ok;
  } catch (err) {
    io.err(`self-trace study report: ${EngineError.from(err).message}`);
    return EXIT.failed;
  }
}

/** A bar with count and ETA redrawn in place on a terminal; a line per tenth of the work in a log. */
function progress(stream: NodeJS.WriteStream, total: number) {
  const t0 = performance.now();
  let done = 0;
  let shown = false;
  return {
    tick() {
      done++;
      if (total === 0) return;
      const f = done / total;
      const width = 30;
      const elapsed = (performance.now() - t0) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
      const clock = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`);
      if (!stream.isTTY) {
        // a log (a cluster job's): one line per tenth of the work
        const step = Math.max(1, Math.floor(total / 10));
        if (done % step === 0 || done === total) stream.write(`traced ${done}/${total} (${Math.round(100 * f)}%), ETA ${clock(eta)}\n`);
        return;
      }
      stream.write(`\r[${'#'.repeat(Math.round(f * width)).padEnd(width, '-')}] ${done}/${total} ${String(Math.round(100 * f)).padStart(3)}% ETA ${clock(eta)}   `);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
