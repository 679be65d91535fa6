// `self-trace features concepts`: traces each demo prompt (the model's demo-prompts.json, or --prompts FILE) with the
// panel's default pruning and reports, per prompt and overall, the share of the pruned graph's feature nodes whose
// automatic label names a concept (issue 14 asks ≥ 80 % on each). Exit 1 when a prompt is under --min (0.8).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Attributor } from '../engine/attribution/attribute';
import { conceptShareMarkdown, measureConceptShare } from '../engine/features/conceptShare';
import { FeatureIndex } from '../engine/features/records';
import { defaultTranscoders } from '../engine/model/catalog';
import { resolveLocation } from '../engine/model/hfCache';
import { loadModel } from '../engine/model/model';
import { loadTranscoders } from '../engine/model/transcoders';
import { loadLexicon } from '../engine/reasoning/lexicon';
import { attributionModel } from '../engine/trace';
import { EXIT, type CliIO } from './command';

export const conceptsUsage = 'self-trace features concepts [--model DIR] [--index DIR] [--prompts FILE.json] [--json | --markdown] [--min X (0.8)]';

export async function concepts(args: string[], io: CliIO, modelDefault: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      index: { type: 'string' },
      prompts: { type: 'string' },
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      min: { type: 'string', default: '0.8' },
    },
    strict: true,
  });
  const min = Number(values.min);
  if (!(min >= 0 && min <= 1)) {
    io.err(`self-trace features concepts: --min must be a number from 0 to 1\nusage: ${conceptsUsage}`);
    return EXIT.usage;
  }
  const modelDir = resolveLocation(values.model ?? modelDefault, 'Model');
  const promptsFile = path.resolve(values.prompts ?? path.join(modelDir, 'demo-prompts.json'));
  if (!fs.existsSync(promptsFile)) {
    io.err(`self-trace features concepts: no prompts at ${promptsFile}; give --prompts FILE (a JSON list of {"theme", "prompt"})`);
    return EXIT.usage;
  }
  const prompts = (JSON.parse(fs.readFileSync(promptsFile, 'utf8')) as { theme?: unknown; prompt?: unknown }[])
    .filter((p) => typeof p.prompt === 'string')
    .map((p) => ({ theme: String(p.theme ?? ''), prompt: p.prompt as string }));
  const features = FeatureIndex.open(path.resolve(values.index ?? path.join(modelDir, 'features')));
  const model = await loadModel(modelDir);
  const tc = loadTranscoders(defaultTranscoders(modelDir));
  const attributor = await Attributor.create(attributionModel(model), tc);
  try {
    const r = await measureConceptShare({ model, attributor, features }, loadLexicon(modelDir), prompts);
    if (values.json) io.out(JSON.stringify(r, null, 1));
    else if (values.markdown) io.out(conceptShareMarkdown(r));
    else {
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);
      for (const p of r.prompts) {
        io.out(`${pct(p.share)}  ${String(p.named).padStart(3)}/${String(p.featureNodes).padEnd(3)}  ${p.theme.padEnd(13)} ${JSON.stringify(p.prompt)}`);
        if (p.unnamed.length) io.out(`        no concept: ${p.unnamed.map((u) => `${u.label}${u.nodes > 1 ? ` ×${u.nodes}` : ''}`).join(', ')}`);
      }
      io.out(`${pct(r.share)}  ${r.named}/${r.featureNodes} feature nodes over ${r.prompts.length} prompts name a concept`);
    }
    return r.prompts.every((p) => p.share >= min) ? EXIT.ok : EXIT.failed;
  } finally {
    attributor.dispose();
    tc.close();
    model.dispose();
  }
}
