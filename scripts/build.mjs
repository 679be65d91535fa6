// Builds the four bundles into dist/ (extension host, engine worker, webview page, CLI), and, for the test
// runners, the test bundles into out/test/. usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const node = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };
// onnxruntime-node loads a native addon by a computed path: it cannot be bundled and ships in node_modules.
const nativeExternals = ['onnxruntime-node'];

export function productBuilds({ production = false } = {}) {
  const common = { absWorkingDir: root, sourcemap: production ? false : 'linked', minify: production };
  return [
    { ...common, ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode', ...nativeExternals] },
    { ...common, ...node, entryPoints: { worker: 'src/engine/worker/main.ts' }, outdir: 'dist', external: nativeExternals },
    { ...common, ...node, entryPoints: { cli: 'src/cli/cli.ts' }, outdir: 'dist', external: nativeExternals },
    {
      ...common, bundle: true, platform: 'browser', format: 'iife', target: 'chrome120', logLevel: 'warning',
      entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist',
    },
  ];
}

/** Every `*.test.ts` under `dir`, subfolders included. */
export function findTests(dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { recursive: true })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Test bundles: each test file becomes out/<same path>.js, so node's runner reports it by its own name.
 *  Packages stay in node_modules (`vscode` comes from the fake preload or the real extension host). */
export function testBuild(dir) {
  return {
    ...node, absWorkingDir: root, sourcemap: 'inline', outbase: '.', outdir: 'out',
    entryPoints: findTests(dir), packages: 'external', external: ['vscode'],
  };
}

export async function buildAll(configs) {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const production = process.argv.includes('--production');
  const configs = productBuilds({ production });
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  if (process.argv.includes('--watch')) {
    for (const config of configs) await (await esbuild.context(config)).watch();
    console.log('watching src/ and webview/ …');
  } else {
    const t0 = performance.now();
    await buildAll(configs);
    console.log(`built dist/ (${production ? 'production' : 'development'}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}
