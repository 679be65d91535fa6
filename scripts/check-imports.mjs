// The layering, checked on every import in src/ and webview/ (run by `npm test` and test/unit/layering.test.ts):
//   - src/engine, src/cli, src/protocol and webview/ never import `vscode`;
//   - webview/ imports only webview/, src/protocol/ and browser packages (no Node built-ins);
//   - src/protocol/ imports only src/protocol/;
//   - src/engine/ never imports src/extension/, src/cli/ or webview/;
//   - exactly one file imports onnxruntime-node (src/engine/onnx/session.ts);
//   - src/engine/worker/messages.ts (the host ↔ worker message types) has type-only imports, so the host bundles
//     no engine code by naming them.
// usage: node scripts/check-imports.mjs [root]   (prints each violation as file:line: message; exits 1 on any)
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ONNXRUNTIME_HOME = 'src/engine/onnx/session.ts';
const TYPE_ONLY = ['src/engine/worker/messages.ts'];
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** every import in a TypeScript source: specifier, line, and whether it is type-only (erased at build) */
export function importsOf(source) {
  // blank out comments, keeping line breaks so line numbers stay right
  const code = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const found = [];
  const patterns = [
    /\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const [i, re] of patterns.entries()) {
    for (const m of code.matchAll(re)) {
      const line = code.slice(0, m.index).split('\n').length;
      if (i === 0) {
        const clause = m[3];
        const allTyped = /^\{[^}]*\}$/.test(clause.trim()) && clause.replace(/[{}]/g, '').split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
        found.push({ spec: m[4], line, typeOnly: !!m[2] || allTyped });
      } else {
        found.push({ spec: m[1], line, typeOnly: false });
      }
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

const within = (rel, dir) => rel === dir || rel.startsWith(`${dir}/`);

/** the violations of the rules above in one file (`rel`: its path from the root, with forward slashes) */
export function checkFile(rel, source) {
  const problems = [];
  const say = (line, message) => problems.push(`${rel}:${line}: ${message}`);
  for (const { spec, line, typeOnly } of importsOf(source)) {
    const target = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)) : undefined;
    if (spec === 'vscode' && !within(rel, 'src/extension') && (within(rel, 'src') || within(rel, 'webview'))) {
      say(line, `imports 'vscode': only src/extension/ may (the engine, CLI, protocol and webview run without VS Code)`);
    }
    if (within(rel, 'webview')) {
      if (target && !within(target, 'webview') && !within(target, 'src/protocol')) say(line, `imports ${spec}: the webview may import only webview/ and src/protocol/`);
      if (!target && builtins.has(spec)) say(line, `imports the Node built-in '${spec}': the webview runs in a browser`);
    }
    if (within(rel, 'src/protocol') && (!target || !within(target, 'src/protocol'))) {
      say(line, `imports ${spec}: src/protocol/ is shared by every layer and may import only src/protocol/`);
    }
    if (within(rel, 'src/engine') && target && ['src/extension', 'src/cli', 'webview'].some((d) => within(target, d))) {
      say(line, `imports ${spec}: the engine may not depend on its hosts (src/extension, src/cli) or the webview`);
    }
    if (spec === 'onnxruntime-node' && rel !== ONNXRUNTIME_HOME) {
      say(line, `imports onnxruntime-node: only ${ONNXRUNTIME_HOME} may (use its session functions)`);
    }
    if (TYPE_ONLY.includes(rel) && !typeOnly) {
      say(line, `imports ${spec} as a value: this module is types only (write \`import type\`)`);
    }
  }
  return problems;
}

/** the violations in every .ts file under src/ and webview/ of `root` */
export function checkTree(root) {
  const problems = [];
  for (const dir of ['src', 'webview']) {
    if (!fs.existsSync(path.join(root, dir))) continue;
    for (const f of fs.readdirSync(path.join(root, dir), { recursive: true })) {
      const rel = `${dir}/${String(f).split(path.sep).join('/')}`;
      if (rel.endsWith('.ts')) problems.push(...checkFile(rel, fs.readFileSync(path.join(root, rel), 'utf8')));
    }
  }
  return problems.sort();
}

if (import.meta.url && process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkTree(path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..')));
  for (const p of problems) console.error(p);
  console.log(problems.length === 0 ? 'imports: the layering holds' : `\nimports: ${problems.length} violation(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
