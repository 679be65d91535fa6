// `self-trace compare A.json B.json`: which transcoder features two attribution graphs share (the same fact in two
// languages, a right and a wrong sum, two models), per layer, and how much of each graph's influence the shared
// features carry. Any two graph files: ours, circuit-tracer's, Neuronpedia's. `--json` prints the whole comparison.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { compareGraphs, DEFAULT_MIN_SCORE } from '../engine/compare/compare';
import { EngineError } from '../engine/errors';
import { readGraphJson } from '../engine/formats/graphJson';
import type { GraphJson } from '../protocol/graph-json';
import type { ComparedFeature, GraphComparison } from '../protocol/graphCompare';
import { EXIT, parseNumberArg, type CliCommand } from './command';

export const compare: CliCommand = {
  name: 'compare',
  summary: 'compare two graph files: shared features, only-A, only-B, per-layer overlap, shared influence',
  usage: `self-trace compare A.json B.json [--json] [--match id|label] [--min-score X (${DEFAULT_MIN_SCORE}, label matching)] [--top N (10)]`,
  async run(args, { io }) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, match: { type: 'string' }, 'min-score': { type: 'string' }, top: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const usage = (why: string) => {
      io.err(`self-trace compare: ${why}\nusage: ${this.usage}`);
      return EXIT.usage;
    };
    if (positionals.length !== 2) return usage(`give two graph files, not ${positionals.length}`);
    if (values.match !== undefined && values.match !== 'id' && values.match !== 'label') return usage(`--match must be "id" or "label", not ${JSON.stringify(values.match)}`);
    const minScore = values['min-score'] === undefined ? undefined : parseNumberArg(values['min-score']);
    if (minScore !== undefined && !(minScore > 0 && minScore <= 1)) return usage(`--min-score must be a number in (0, 1], not ${JSON.stringify(values['min-score'])}`);
    const top = values.top === undefined ? 10 : parseNumberArg(values.top);
    if (!Number.isInteger(top) || top < 0) return usage(`--top must be a whole number ≥ 0, not ${JSON.stringify(values.top)}`);
    const graphs: GraphJson[] = [];
    for (const file of positionals) {
      try {
        graphs.push(readGraphJson(fs.readFileSync(file, 'utf8')));
      } catch (err) {
        const e = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: no such file` : `${file}: ${EngineError.from(err).message}`;
        io.err(`self-trace compare: ${e}`);
        return EXIT.failed;
      }
    }
    const c = compareGraphs(graphs[0], graphs[1], { mode: values.match as 'id' | 'label' | undefined, minScore });
    io.out(values.json ? JSON.stringify(c, null, 2) : formatComparison(c, top));
    return EXIT.ok;
  },
};

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const short = (s: string, n = 40) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const line = (f: ComparedFeature) => `L${f.layer}/${f.key.split('_')[1]} ${JSON.stringify(short(f.label))}`;

/** The comparison as a researcher reads it in a terminal. */
export function formatComparison(c: GraphComparison, top = 10): string {
  const h = c.headline;
  const side = (name: string, s: GraphComparison['a']) =>
    `${name}: ${JSON.stringify(short(s.prompt.replace(/\n/g, '⏎'), 60))}${s.target ? ` → ${JSON.stringify(s.target)}` : ''} (${s.features} features on ${s.featureNodes} nodes, transcoders "${s.scan}")`;
  const out = [
    side('A', c.a),
    side('B', c.b),
    `matched by ${c.mode === 'id' ? '(layer, feature id)' : `label and promoted tokens, score ≥ ${c.minScore}`}: ${c.modeReason}`,
    '',
    `shared ${h.shared}, only A ${h.onlyA}, only B ${h.onlyB} (Jaccard ${h.jaccard.toFixed(3)})`,
    `shared features carry ${pct(h.sharedInfluenceA)} of A's feature influence and ${pct(h.sharedInfluenceB)} of B's`,
    '',
    'layer   A   B  shared(A) shared(B)',
    ...c.layers.map((l) => `${String(l.layer).padStart(5)} ${String(l.a).padStart(3)} ${String(l.b).padStart(3)} ${String(l.sharedA).padStart(10)} ${String(l.sharedB).padStart(9)}`),
  ];
  if (top > 0) {
    out.push('', `top shared (influence in A / B${c.mode === 'label' ? ', score' : ''}):`);
    for (const s of c.shared.slice(0, top)) {
      const pair = c.mode === 'id' ? line(s.a) : `${line(s.a)} ≈ ${line(s.b)}`;
      out.push(`  ${pair}  ${pct(s.a.influence)} / ${pct(s.b.influence)}${c.mode === 'label' ? `  ${s.score.toFixed(2)}` : ''}`);
    }
    out.push('', 'top only in A:', ...c.onlyA.slice(0, top).map((f) => `  ${line(f)}  ${pct(f.influence)}`));
    out.push('', 'top only in B:', ...c.onlyB.slice(0, top).map((f) => `  ${line(f)}  ${pct(f.influence)}`));
  }
  return out.join('\n');
}
