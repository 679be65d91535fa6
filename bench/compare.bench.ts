// Compare of two 5k-node graphs (target: under 1 s): two seeded synthetic graphs of 5,000 nodes and 50,000 links
// (test/fixtures/graphs/make-graphs.mjs, the panel's large-graph fixture), written to files, then read, validated
// and compared as `self-trace compare` does: once with the same transcoders (id matching) and once as two sets
// (label + promoted-token matching, every feature given a two-word label and five promoted tokens from small pools,
// so the inverted index has many candidates). Median of 5 runs each. Writes bench/results/compare.json and its
// section of bench/RESULTS.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { compareGraphs } from '../src/engine/compare/compare';
import { readGraphJson } from '../src/engine/formats/graphJson';
import type { GraphJson } from '../src/protocol/graph-json';
import { writeSection } from './results';

/** The fixture generator is an ES module (the bench bundles to CJS): run it in a child that prints the graph. */
function syntheticGraph(seed: number): GraphJson {
  const code = `import { syntheticGraph } from './test/fixtures/graphs/make-graphs.mjs';
process.stdout.write(JSON.stringify(syntheticGraph({ nNodes: 5000, nLinks: 50000, seed: ${seed} })));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as GraphJson;
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (1664525 * s + 1013904223) >>> 0) / 4294967296;
}

function withDetails(g: GraphJson, seed: number, scan: string): GraphJson {
  const rand = lcg(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const features: Record<string, { label: string; top_logits: string[] }> = {};
  for (const n of g.nodes) {
    if (n.feature_type !== 'cross layer transcoder') continue;
    const key = n.node_id.split('_').slice(0, 2).join('_');
    features[key] = { label: `w${pick(400)} w${pick(400)}`, top_logits: Array.from({ length: 5 }, () => ` t${pick(2000)}`) };
  }
  return { ...g, metadata: { ...g.metadata, scan }, selfTracing: { version: 1, ...g.selfTracing, features } };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fileA: string, fileB: string) {
  const parse: number[] = [];
  const cmp: number[] = [];
  const cpu: number[] = [];
  let last;
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const a = readGraphJson(fs.readFileSync(fileA, 'utf8'));
    const b = readGraphJson(fs.readFileSync(fileB, 'utf8'));
    const t1 = performance.now();
    last = compareGraphs(a, b);
    const t2 = performance.now();
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
    parse.push(t1 - t0);
    cmp.push(t2 - t1);
  }
  const total = parse.map((p, i) => p + cmp[i]);
  return { readAndValidateMs: +median(parse).toFixed(1), compareMs: +median(cmp).toFixed(1), totalMs: +median(total).toFixed(1), totalCpuMs: +median(cpu).toFixed(1), headline: last!.headline, mode: last!.mode };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compare-bench-'));
const write = (name: string, g: GraphJson) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify(g));
  return f;
};
const a = syntheticGraph(7);
const b = syntheticGraph(8);
const fa = write('a.json', withDetails(a, 1, 'set-a'));
const fbSame = write('b-same.json', withDetails(b, 2, 'set-a'));
const fbOther = write('b-other.json', withDetails(b, 2, 'set-b'));
const id = time(fa, fbSame);
const label = time(fa, fbOther);
fs.rmSync(dir, { recursive: true });
const result = {
  graphs: { nodes: 5000, links: 50000, features: a.nodes.filter((n) => n.feature_type === 'cross layer transcoder').length },
  machine: `${os.cpus().length} cores, shared by several engineers at once (${os.loadavg()[0].toFixed(1)} load); indicative numbers`,
  recordedAt: new Date().toISOString(),
  idMatching: id,
  labelMatching: label,
};
console.log(JSON.stringify(result, null, 2));
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/compare.json', `${JSON.stringify(result, null, 2)}\n`);
writeSection('compare', 'Compare two graphs (5k nodes, 50k links each; target < 1 s)', [
  '| matching | read + validate both | compare | total (wall) | total (CPU time) |',
  '|---|---|---|---|---|',
  `| same transcoders (layer, id) | ${id.readAndValidateMs} ms | ${id.compareMs} ms | ${id.totalMs} ms | ${id.totalCpuMs} ms |`,
  `| different sets (label + promoted tokens) | ${label.readAndValidateMs} ms | ${label.compareMs} ms | ${label.totalMs} ms | ${label.totalCpuMs} ms |`,
  '',
  `Median of 5, ${result.machine}; CPU time is the process's own work (wall time waits for the other jobs). \`npm run bench compare\`; details in bench/results/compare.json.`,
].join('\n'));
