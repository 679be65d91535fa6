// Unit tests: builds dist/ (the worker tests start dist/worker.js) and every test/unit/**/*.test.ts, then runs
// them with node's test runner and the fake `vscode` preload. Extra arguments go to `node --test`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildAll, findTests, productBuilds, root, testBuild } from './build.mjs';

const tests = findTests('test/unit');
if (tests.length === 0) throw new Error('no test/unit/**/*.test.ts found');
await buildAll([...productBuilds(), testBuild('test/unit')]);
const bundles = tests.map((t) => path.join('out', t.replace(/\.ts$/, '.js')));
const args = ['--require', './test/unit/vscode-stub.cjs', '--test', ...process.argv.slice(2), ...bundles];
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
process.exit(run.status ?? 1);
