// Builds platform-specific .vsix packages with vsce: each carries the production bundles, media, the embedded
// model and onnxruntime-node's JavaScript plus only its target's native binaries, then checks the contents.
// usage: node scripts/package.mjs [--target linux-x64[,darwin-arm64,…] | --target all]   (default linux-x64)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './build.mjs';

// vsce target → onnxruntime-node's binary folder (onnxruntime-node 1.30 ships no darwin-x64 build)
const ORT_BINARIES = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};
const ALLOWED = [/^extension\/(package\.json|readme\.md|LICENSE\.txt|LICENSE)$/i, /^extension\/dist\/((extension|worker|webview)\.js|webview\.css)$/,
  /^extension\/media\//, /^extension\/models\/organism\//, /^extension\/node_modules\/onnxruntime-(node|common)\//,
  /^(extension\.vsixmanifest|\[Content_Types\]\.xml)$/];

const { values } = parseArgs({ options: { target: { type: 'string', default: 'linux-x64' } } });
const targets = values.target === 'all' ? Object.keys(ORT_BINARIES) : values.target.split(',');
const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsce = path.join(root, 'node_modules/.bin/vsce');
const baseIgnore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

for (const target of targets) {
  const binaries = ORT_BINARIES[target];
  if (!binaries) throw new Error(`unsupported target ${target}; choose from ${Object.keys(ORT_BINARIES).join(', ')} or all`);
  const ignoreFile = path.join(os.tmpdir(), `self-tracing-vscodeignore-${target}`);
  fs.writeFileSync(ignoreFile, `${baseIgnore}!node_modules/onnxruntime-node/bin/napi-v6/${binaries}/**\n`);
  const out = path.join(root, `${name}-${version}-${target}.vsix`);
  // vsce runs the vscode:prepublish script (the production build) first
  run(vsce, ['package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links']);
  fs.rmSync(ignoreFile);

  const entries = run('unzip', ['-Z1', out]).split('\n').filter(Boolean);
  const unexpected = entries.filter((e) => !ALLOWED.some((re) => re.test(e)));
  const otherPlatforms = entries.filter((e) => e.includes('/bin/napi-v6/') && !e.includes(`/bin/napi-v6/${binaries}/`));
  if (unexpected.length || otherPlatforms.length) throw new Error(`${out} holds files it should not:\n${[...unexpected, ...otherPlatforms].join('\n')}`);
  if (!entries.includes(`extension/node_modules/onnxruntime-node/bin/napi-v6/${binaries}/onnxruntime_binding.node`)) {
    throw new Error(`${out} lacks onnxruntime-node's ${binaries} binding`);
  }
  const mb = (fs.statSync(out).size / 2 ** 20).toFixed(1);
  console.log(`${path.basename(out)}: ${entries.length} files, ${mb} MiB`);
}
