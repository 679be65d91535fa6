// The end-to-end suite under desktop VS Code through @vscode/test-electron, for developers with a display and
// internet: it downloads VS Code from update.code.visualstudio.com, which CI machines cannot reach (CI runs the
// same suite in code-server: scripts/run-e2e.mjs). usage: npm run test:electron [-- --version 1.100.0]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { buildAll, e2eBuild, productBuilds, root } from './build.mjs';

const { values } = parseArgs({ options: { version: { type: 'string', default: '1.100.0' } } });
await buildAll([...productBuilds(), e2eBuild()]);
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'self-tracing-electron-'));
try {
  await runTests({
    version: values.version,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/e2e/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
