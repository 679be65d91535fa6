// Runs every bench/*.bench.ts (bundled with esbuild into bench/.work/), one process each so peak RSS is its own.
// usage: node bench/run.mjs [name-filter]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2] ?? '';
const benches = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts') && f.includes(filter));
const outdir = path.join(root, 'bench', '.work', 'dist');
await esbuild.build({
  absWorkingDir: root, entryPoints: benches.map((b) => `bench/${b}`), outdir, bundle: true, platform: 'node', format: 'cjs',
  target: 'node20', external: ['onnxruntime-node'], logLevel: 'warning',
});
let status = 0;
for (const b of benches) {
  console.log(`— ${b}`);
  const r = spawnSync(process.execPath, [path.join(outdir, b.replace(/\.ts$/, '.js'))], { cwd: root, stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
