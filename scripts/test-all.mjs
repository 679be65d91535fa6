// `npm test`: installs what the tests need and is missing (Debian packages, code-server), then runs every layer
// in order — typecheck (per layer, then all), the import rules (scripts/check-imports.mjs), unit, browser, e2e in
// code-server, packaged-vsix smoke — and prints each phase's time.
import { spawnSync } from 'node:child_process';
import { root } from './build.mjs';

const phases = [
  ['Debian packages', 'sh', ['tools/debian-packages.sh']],
  ['code-server', 'sh', ['tools/code-server/install.sh']],
  ['typecheck (engine + CLI: Node only)', 'node_modules/.bin/tsc', ['-p', 'tsconfig.engine.json']],
  ['typecheck (webview: browser only)', 'node_modules/.bin/tsc', ['-p', 'tsconfig.webview.json']],
  ['typecheck (all)', 'node_modules/.bin/tsc', ['-p', '.']],
  ['layering (imports)', process.execPath, ['scripts/check-imports.mjs']],
  ['unit', process.execPath, ['scripts/run-node-tests.mjs', 'test/unit']],
  ['browser', process.execPath, ['scripts/run-node-tests.mjs', 'test/browser']],
  ['e2e (code-server)', process.execPath, ['scripts/run-e2e.mjs']],
  ['vsix smoke', process.execPath, ['scripts/run-vsix-smoke.mjs']],
];

const results = [];
for (const [name, cmd, args] of phases) {
  console.log(`\n=== ${name}`);
  const t0 = performance.now();
  const { status } = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  results.push({ name, ok: status === 0, seconds: (performance.now() - t0) / 1000 });
  if (status !== 0 && results.length <= 2) break; // nothing else can run without the set-up
}

console.log('\n=== summary');
for (const r of results) console.log(`${r.ok ? 'pass' : 'FAIL'}  ${r.seconds.toFixed(1).padStart(6)} s  ${r.name}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length === phases.length ? 0 : 1);
