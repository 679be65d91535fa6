import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, context: { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, distDir: path.resolve('dist') } };
}

test('--help lists every sub-command and exits 0', async () => {
  const { out, context } = capture();
  assert.equal(await main(['--help'], context), 0);
  assert.match(out.join('\n'), /usage: self-trace <command>/);
  assert.match(out.join('\n'), /^\s+doctor\s+check that the engine runs/m);
});

test('no command prints the help and exits 2; an unknown command says so and exits 2', async () => {
  const none = capture();
  assert.equal(await main([], none.context), 2);
  const unknown = capture();
  assert.equal(await main(['fly'], unknown.context), 2);
  assert.match(unknown.err.join('\n'), /unknown command "fly"/);
});

test('an unknown option is a usage error with the command usage', async () => {
  const { err, context } = capture();
  assert.equal(await main(['doctor', '--bogus'], context), 2);
  assert.match(err.join('\n'), /usage: self-trace doctor/);
});

test('doctor --json reports onnxruntime in-process and in the worker as ok', async () => {
  const { out, context } = capture();
  assert.equal(await main(['doctor', '--json'], context), 0);
  const report = JSON.parse(out.join('\n'));
  assert.equal(report.ok, true);
  assert.deepEqual(report.inProcess.output, [1, 2, 8, 10]);
  assert.equal(report.worker.selfCheck.ok, true);
  assert.equal(report.embeddedModel.path, path.resolve('models/organism'));
});
