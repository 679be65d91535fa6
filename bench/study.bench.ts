// Study throughput on the embedded model: the demo study (examples/study/organism-themes.jsonl, 18 prompts over six
// themes) through the real CLI, with 1 and with 2 engine workers, into a fresh folder each; traces per minute from
// the run's own run.json. Writes bench/results/study-throughput.json and its section of bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSection } from './results';

const runs: { jobs: number; prompts: number; seconds: number; tracesPerMinute: number; load1: number }[] = [];
for (const jobs of (process.env.JOBS ?? '1,2').split(',').map(Number)) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'study-bench-'));
  const load1 = os.loadavg()[0];
  const r = spawnSync(process.execPath, ['dist/cli.js', 'study', 'examples/study/organism-themes.jsonl', '--out', out, '--jobs', String(jobs)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`study failed: ${r.stderr}`);
  const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
  runs.push({ jobs, prompts: run.traced, seconds: run.seconds, tracesPerMinute: run.tracesPerMinute, load1: +load1.toFixed(1) });
  fs.rmSync(out, { recursive: true });
  console.log(runs.at(-1));
}
const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), shared with ~8 engineers' jobs at the time (1-min load shown per run): indicative, expect more on an idle machine`;
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/study-throughput.json', `${JSON.stringify({ study: 'examples/study/organism-themes.jsonl', model: 'models/organism', machine, recordedAt: new Date().toISOString(), runs }, null, 2)}\n`);
writeSection('study', 'Study throughput on the embedded model', [
  '| workers (--jobs) | prompts | seconds | traces / minute | 1-min load at start |',
  '|---|---|---|---|---|',
  ...runs.map((r) => `| ${r.jobs} | ${r.prompts} | ${r.seconds} | ${r.tracesPerMinute} | ${r.load1} |`),
  '',
  `The demo study (examples/study/organism-themes.jsonl) through \`self-trace study\` (worker start-up and model load included). ${machine}. \`npm run bench study\`.`,
].join('\n'));
