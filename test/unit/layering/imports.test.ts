// The layering rules (scripts/check-imports.mjs) hold on this tree, fail on each kind of violation, and the host's
// bundle carries no engine graph code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { checkFile, checkTree, importsOf } from '../../../scripts/check-imports.mjs';

const root = process.cwd();

test('this tree keeps the layering', () => {
  assert.deepEqual(checkTree(root), []);
});

test('each rule rejects its violation, naming the file and line', () => {
  const cases: [string, string, RegExp][] = [
    ['src/engine/trace.ts', "import * as vscode from 'vscode';", /only src\/extension\/ may/],
    ['src/cli/main.ts', "const v = require('vscode');", /imports 'vscode'/],
    ['webview/graph/draw.ts', "import { EngineError } from '../../src/engine/errors';", /only webview\/ and src\/protocol\//],
    ['webview/main.ts', "import fs from 'node:fs';", /Node built-in/],
    ['src/protocol/nodes.ts', "import type { GraphPanel } from '../extension/graphPanel';", /may import only src\/protocol\//],
    ['src/engine/run.ts', "export { x } from '../extension/settings';", /may not depend on its hosts/],
    ['src/engine/attribution/attribute.ts', "import * as ort from 'onnxruntime-node';", /only src\/engine\/onnx\/session\.ts/],
    ['src/engine/worker/messages.ts', "import { EngineError } from '../errors';", /types only/],
  ];
  for (const [file, source, message] of cases) {
    const problems = checkFile(file, `// a comment\n${source}\n`);
    assert.equal(problems.length, 1, `${file}: ${source} → ${problems.join('; ')}`);
    assert.match(problems[0], new RegExp(`^${file.replace(/\./g, '\\.')}:2: `));
    assert.match(problems[0], message);
  }
});

test('what the rules allow passes', () => {
  assert.deepEqual(checkFile('webview/graph/draw.ts', "import * as d3 from 'd3';\nimport type { GraphJson } from '../../src/protocol/graph-json';"), []);
  assert.deepEqual(checkFile('src/engine/onnx/session.ts', "import * as ort from 'onnxruntime-node';"), []);
  assert.deepEqual(checkFile('src/extension/extension.ts', "import * as vscode from 'vscode';"), []);
  assert.deepEqual(checkFile('src/engine/worker/messages.ts', "import type { A } from '../a';\nimport { type B, type C } from '../b';"), []);
  // comments are not imports
  assert.deepEqual(checkFile('src/engine/trace.ts', "// import * as vscode from 'vscode';\n/* require('vscode') */"), []);
  assert.deepEqual(importsOf("import {\n  a,\n  type B,\n} from './x';").map((i) => [i.spec, i.typeOnly]), [['./x', false]]);
});

test('the script exits 1 on a tree that breaks a rule, and 0 once it is fixed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layering-'));
  try {
    fs.mkdirSync(path.join(dir, 'src/engine'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src/engine/bad.ts'), "import * as vscode from 'vscode';\nexport const w = vscode.window;\n");
    const bad = spawnSync(process.execPath, ['scripts/check-imports.mjs', dir], { cwd: root, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /src\/engine\/bad\.ts:1: imports 'vscode'/);
    fs.writeFileSync(path.join(dir, 'src/engine/bad.ts'), 'export const w = 1;\n');
    const good = spawnSync(process.execPath, ['scripts/check-imports.mjs', dir], { cwd: root, encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the extension host bundles no ONNX builder, family graphs or onnx-proto', async () => {
  const result = await build({
    absWorkingDir: root, entryPoints: ['src/extension/extension.ts'], bundle: true, platform: 'node', format: 'cjs',
    external: ['vscode', 'onnxruntime-node'], write: false, metafile: true, outdir: path.join(os.tmpdir(), 'layering-bundle'), logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.includes('src/engine/worker/client.ts'), 'the bundle was built from the real entry point');
  const engineGraphs = inputs.filter((f) => /node_modules\/onnx-proto\/|^src\/engine\/onnx\/|^src\/engine\/families\/(?!architectures\.ts$)/.test(f));
  assert.deepEqual(engineGraphs, []);
});
