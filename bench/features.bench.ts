// Feature index of the embedded model over its committed held-out sample (issue 7: under 5 minutes on this machine).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFeatureIndex } from '../src/engine/features/build';
import { writeSection } from './results';

async function main() {
  const model = path.resolve('models', 'organism');
  const corpus = path.resolve('tools', 'organism', 'heldout-sample.jsonl');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'features-bench-'));
  const t0 = performance.now();
  const s = await buildFeatureIndex({ modelDir: model, transcoderDir: path.join(model, 'transcoders'), corpusFile: corpus, outDir: out });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = fs.readdirSync(out).reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0);
  const rss = process.resourceUsage().maxRSS / 1024;
  const load = os.loadavg()[0].toFixed(1);
  writeSection(
    'features',
    'Feature index (issue 7)',
    [
      `Embedded model (${s.features} transcoder features), held-out sample \`tools/organism/heldout-sample.jsonl\`: ${s.contexts} documents, ${s.tokens} tokens; onnxruntime-node CPU, 2 intra-op threads, node ${process.version}, 1-minute load average ${load} at the end.`,
      '',
      `| wall time (s) | peak RSS (MiB) | index size (MiB) |`,
      `|---:|---:|---:|`,
      `| ${seconds.toFixed(1)} | ${rss.toFixed(0)} | ${(bytes / 2 ** 20).toFixed(1)} |`,
    ].join('\n'),
  );
  fs.rmSync(out, { recursive: true, force: true });
  console.log(`feature index: ${seconds.toFixed(1)} s, ${s.contexts} contexts`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
