// Starts the project's code-server (tools/code-server) on a free port with every folder it writes in a temp
// directory, and stops it with its whole process group however the calling script ends.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { root } from './build.mjs';

export const CODE_SERVER_BIN = process.env.CODE_SERVER_BIN || path.join(root, 'tools/code-server/node_modules/.bin/code-server');

// Quiet first start: no walkthrough stealing focus, no update or telemetry traffic.
const userSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
};

const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

export function makeSandbox(name) {
  if (!fs.existsSync(CODE_SERVER_BIN)) throw new Error(`${CODE_SERVER_BIN} not found: run npm run install:code-server`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `self-tracing-${name}-`));
  const dirs = { tmp, workspace: path.join(tmp, 'workspace'), userData: path.join(tmp, 'user-data'), extensions: path.join(tmp, 'extensions') };
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.mkdirSync(dirs.workspace);
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  const env = { ...process.env, HOME: path.join(tmp, 'home'), XDG_CONFIG_HOME: path.join(tmp, 'cfg'), XDG_DATA_HOME: path.join(tmp, 'data') };
  delete env.VSCODE_IPC_HOOK_CLI;
  return { ...dirs, env, remove: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}

/** `code-server --install-extension` into the sandbox's extensions folder. */
export function installExtension(sandbox, vsix) {
  const args = ['--extensions-dir', sandbox.extensions, '--user-data-dir', sandbox.userData, '--install-extension', vsix];
  const run = spawnSync(CODE_SERVER_BIN, args, { env: sandbox.env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`installing ${vsix} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout.trim();
}

export async function startCodeServer(sandbox) {
  const port = await freePort();
  const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--config', path.join(sandbox.tmp, 'config.yaml'),
    '--user-data-dir', sandbox.userData, '--extensions-dir', sandbox.extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'];
  const child = spawn(CODE_SERVER_BIN, args, { env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ } };
  process.on('exit', stop); // never leave a detached code-server behind
  const authority = `127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`code-server did not answer within 60 s:\n${output}`);
    try { if ((await fetch(`http://${authority}/healthz`)).ok) break; } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { authority, url: `http://${authority}`, stop, output: () => output };
}

/** Fails the run after `seconds`, printing `context()`; returns a function that disarms it. */
export function deadline(seconds, context, cleanup) {
  const timer = setTimeout(async () => {
    console.error(`timed out after ${seconds} s\n${context()}`);
    await cleanup();
    process.exit(1);
  }, seconds * 1000);
  return () => clearTimeout(timer);
}
