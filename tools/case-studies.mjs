// Regenerates the measured parts of docs/case-studies.md from the case-study tests' own output, so no number in the doc
// is typed by hand: runs test/unit/engine/caseStudies with every claim (SELF_TRACE_CASES_ALL=1, so the claims that do
// not hold also run and record their numbers) and every sweep (SELF_TRACE_CASES_SWEEP=1: each claim over many prompts
// with a control, ~10 min on 2 cores), reads the records they append to .test-output/case-studies/measured.jsonl,
// writes them to docs/case-studies/measured.json and rewrites each `<!-- measured:THEME -->…<!-- /measured:THEME -->`
// block of the doc as a table; then renders the screenshots (test/browser/caseStudies.test.ts) into docs/case-studies/.
// usage: nice -n 19 node tools/case-studies.mjs [--no-tests (reuse the last run's records)] [--no-shots]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const OUT = path.join(root, '.test-output/case-studies');
const DOC = path.join(root, 'docs/case-studies.md');
const SHOTS = path.join(root, 'docs/case-studies');

const run = (args, env) => spawnSync(process.execPath, ['scripts/run-node-tests.mjs', ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1', ...env } });

if (!process.argv.includes('--no-tests')) {
  fs.rmSync(OUT, { recursive: true, force: true });
  // failing claims are expected here (they are skipped in the normal suite); their numbers are what we want
  run(['test/unit/engine/caseStudies'], { SELF_TRACE_CASES_ALL: '1', SELF_TRACE_CASES_SWEEP: '1', SELF_TRACE_CASES_OUT: OUT });
}
const records = fs.readFileSync(path.join(OUT, 'measured.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
writeAtomic(path.join(SHOTS, 'measured.json'), `${JSON.stringify(records, null, 1)}\n`);

const num = (x) => (Math.abs(x) >= 100 || Number.isInteger(x) ? String(x) : Math.abs(x) < 0.001 && x !== 0 ? x.toExponential(1) : x.toFixed(3));
const cell = (v) => {
  if (typeof v === 'number') return num(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v.map(num).join(' → ');
  if (Array.isArray(v) && v.every((x) => x && typeof x === 'object')) return v.map((x) => Object.entries(x).map(([k, y]) => `${k}: ${cell(y)}`).join(', ')).join('<br>');
  if (Array.isArray(v)) return v.map(cell).join(', ');
  if (v && typeof v === 'object') return Object.entries(v).map(([k, y]) => `${k}: ${cell(y)}`).join('<br>');
  return `\`${String(v).replace(/\n/g, '⏎').replace(/\|/g, '\\|').replace(/`/g, 'ˋ')}\``;
};
function table(rec) {
  const rows = Object.entries(rec).filter(([k]) => k !== 'theme');
  // a sweep's per-prompt lines and its excluded prompts, one per line
  const lines = (k, v) => (Array.isArray(v) && (k.startsWith('per') || k === 'excluded') ? v.map(cell).join('<br>') || 'none' : cell(v));
  return ['| measured | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${lines(k, v)} |`)].join('\n');
}

let doc = fs.readFileSync(DOC, 'utf8');
const themes = [...new Set(records.map((r) => r.theme))];
for (const theme of themes) {
  const block = records.filter((r) => r.theme === theme).map(table).join('\n\n');
  const re = new RegExp(`(<!-- measured:${theme} -->)[\\s\\S]*?(<!-- /measured:${theme} -->)`);
  if (!re.test(doc)) throw new Error(`docs/case-studies.md has no <!-- measured:${theme} --> block`);
  doc = doc.replace(re, `$1\n${block}\n$2`);
}
writeAtomic(DOC, doc);
console.log(`case-studies: ${records.length} records (${themes.join(', ')}) written into ${path.relative(root, DOC)}`);

if (!process.argv.includes('--no-shots')) run(['test/browser', '--test-name-pattern=case study'], { CASE_SHOTS: SHOTS });

function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}
