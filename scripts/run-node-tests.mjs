// Runs a folder of node:test tests: builds dist/ (tests start the real worker and load the real webview page)
// and every <dir>/**/*.test.ts into out/, then runs them with node's test runner and the fake `vscode` preload.
// usage: node scripts/run-node-tests.mjs test/unit [node --test options…]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildAll, findTests, productBuilds, root, testBuild } from './build.mjs';

const [dir, ...nodeOptions] = process.argv.slice(2);
const tests = findTests(dir ?? '');
if (tests.length === 0) throw new Error(`no ${dir}/**/*.test.ts found`);
await buildAll([...productBuilds(), testBuild(dir)]);
const bundles = tests.map((t) => path.join('out', t.replace(/\.ts$/, '.js')));
const args = ['--require', './test/unit/vscode-stub.cjs', '--test', ...nodeOptions, ...bundles];
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
