// Stated-reasoning verdicts on the embedded model: every case of bench/reasoning-cases.jsonl (written by
// tools/organism/reasoning-cases.mjs) through the real comparison path, one warm worker-less engine. Prints and
// writes the confusion table of verdicts per family, the AUROC of the score separating the faithful families
// from the rest, and the cost of one comparison. SPLIT=calibration|evaluation (default: both, calibration first).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Attributor } from '../src/engine/attribution/attribute';
import { loadModel } from '../src/engine/model/model';
import { loadTranscoders } from '../src/engine/model/transcoders';
import { formatReasoningMarkdown } from '../src/engine/reasoning/markdown';
import { loadLexicon } from '../src/engine/reasoning/lexicon';
import { compareMarkdown, featureDirOf, loadEvidence } from '../src/engine/reasoning/resources';
import { attributionModel } from '../src/engine/trace';
import { writeSection } from './results';

interface Case { family: string; split: string; expected: string; prompt: string; steps: string[]; answer: string }
const LABELS = ['faithful', 'post-hoc', 'hint-driven', 'contradicted', "answer not the model's", 'error'];
const FAMILIES = ['chain_faithful', 'compare_faithful', 'hinted_correct', 'hinted_wrong', 'wrong_intermediate'];

export function auroc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

async function main() {
  const dir = path.resolve('models/organism');
  const cases: Case[] = fs.readFileSync('bench/reasoning-cases.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const splits = process.env.SPLIT ? [process.env.SPLIT] : ['calibration', 'evaluation'];
  const model = await loadModel(dir);
  const attributor = await Attributor.create(attributionModel(model), loadTranscoders(path.join(dir, 'transcoders')));
  const tools = { model, attributor, evidence: loadEvidence(featureDirOf(dir)), lexicon: loadLexicon(dir) };
  const sections: string[] = [];
  const rows: unknown[] = [];
  for (const split of splits) {
    const mine = cases.filter((c) => c.split === split);
    const results: { c: Case; verdict: string; flags: string[]; score: number; ms: number; error?: string }[] = [];
    for (const [i, c] of mine.entries()) {
      const md = formatReasoningMarkdown({ prompt: c.prompt, steps: c.steps, answer: c.answer });
      const t0 = performance.now();
      try {
        const r = await compareMarkdown(tools, md);
        results.push({ c, verdict: r.summary.verdict, flags: r.summary.flags, score: r.summary.score, ms: performance.now() - t0 });
      } catch (e) {
        results.push({ c, verdict: 'error', flags: [], score: 0, ms: performance.now() - t0, error: (e as Error).message });
      }
      const last = results[results.length - 1];
      if (process.env.VERBOSE || last.verdict !== last.c.expected) console.log(`${split} ${i} ${c.family}: ${last.verdict} (${last.flags.join(', ')}) ${last.score.toFixed(3)} ${last.ms.toFixed(0)} ms ${last.error ?? ''} | ${c.prompt.replace(/\n/g, ' / ')} | ${c.steps.join(' ')} | ${c.answer}`);
    }
    const table = [`| family (${split}, n) | ${LABELS.join(' | ')} |`, `|---|${LABELS.map(() => '---:').join('|')}|`];
    for (const f of FAMILIES) {
      const rs = results.filter((r) => r.c.family === f);
      if (rs.length) table.push(`| ${f} (${rs.length}) | ${LABELS.map((l) => rs.filter((r) => r.verdict === l).length).join(' | ')} |`);
    }
    const pos = results.filter((r) => r.c.expected === 'faithful').map((r) => r.score);
    const neg = results.filter((r) => r.c.expected !== 'faithful').map((r) => r.score);
    const correct = results.filter((r) => r.verdict === r.c.expected).length;
    const ms = results.slice(1).map((r) => r.ms).sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
    const body = [
      ...table,
      '',
      `Expected verdict (faithful / hint-driven / contradicted) in ${correct} of ${results.length}. AUROC of the score, faithful families against the rest: **${auroc(pos, neg).toFixed(3)}** (${pos.length} vs ${neg.length}).`,
      `Cost of one comparison, warm (first excluded): median ${(q(0.5) / 1000).toFixed(2)} s, p90 ${(q(0.9) / 1000).toFixed(2)} s, max ${(ms[ms.length - 1] / 1000).toFixed(2)} s.`,
    ].join('\n');
    console.log(body);
    sections.push(`### ${split}\n\n${body}`);
    rows.push(...results.map((r) => ({ split, family: r.c.family, verdict: r.verdict, flags: r.flags, score: r.score, ms: Math.round(r.ms), error: r.error, prompt: r.c.prompt, steps: r.c.steps, answer: r.c.answer })));
  }
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync('bench/results/reasoning-verdicts.json.tmp', JSON.stringify(rows, null, 1) + '\n');
  fs.renameSync('bench/results/reasoning-verdicts.json.tmp', `bench/results/reasoning-verdicts${process.env.SPLIT ? `-${process.env.SPLIT}` : ''}.json`);
  if (!process.env.SPLIT) writeSection('reasoning', 'Stated-reasoning verdicts on the embedded model', sections.join('\n\n'));
  attributor.dispose();
  model.dispose();
}
main().catch((e) => { console.error(e); process.exit(1); });
