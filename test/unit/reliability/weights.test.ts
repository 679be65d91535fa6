// Items 5, 6, 8 and 10 of issue 17: what a model folder can do wrong. Safetensors headers from a seeded generator
// (bad dtypes, shapes, offsets, overlaps, truncation) open or are refused with a reason, never hang or crash; NaN
// weights and overlapping tensors are refused; a config with fewer layers than the weights warns; a FIFO in place
// of a weights file is refused at once; shard names cannot leave the model folder; errors name file and cause.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { EngineError } from '../../../src/engine/errors';
import { loadModel } from '../../../src/engine/model/model';
import { SafetensorsFile, TensorStore, writeSafetensors } from '../../../src/engine/model/safetensors';
import { handlers } from '../../../src/engine/worker/handlers';
import { modelLocation } from '../../../src/extension/settings';
import { fake } from '../fakeVscode';
import { forCases, Rng } from './seeded';

const TINY = path.resolve('test/fixtures/gpt2-tiny');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'st-weights-'));
let n = 0;
const fresh = (name: string) => path.join(tmp, `${name}-${++n}`);

function copyModel(): string {
  const dir = fresh('model');
  fs.cpSync(TINY, dir, { recursive: true });
  return dir;
}

function rawSafetensors(file: string, header: unknown, dataBytes: number, headerText?: string): void {
  const text = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  fs.writeFileSync(file, Buffer.concat([len, text, Buffer.alloc(dataBytes, 0x3c)]));
}

/** a random, often broken, safetensors header */
function header(rng: Rng): { header: Record<string, unknown>; data: number } {
  const h: Record<string, unknown> = {};
  let offset = 0;
  const dtypes = ['F32', 'F16', 'BF16', 'I64', 'F8', 'f32', '', 7];
  for (let t = rng.int(0, 4); t > 0; t--) {
    const shape = Array.from({ length: rng.int(0, 3) }, () => (rng.bool(0.9) ? rng.int(0, 5) : rng.pick([-1, 2.5, 1e12, '3'])));
    const dtype = rng.bool(0.8) ? rng.pick(dtypes.slice(0, 3)) : rng.pick(dtypes);
    const bytes = (shape as number[]).reduce((a, b) => a * (typeof b === 'number' ? b : 1), 1) * (dtype === 'F32' ? 4 : 2);
    let off: unknown = [offset, offset + bytes];
    if (rng.bool(0.15)) off = [Math.max(0, offset - rng.int(1, 8)), offset - rng.int(1, 8) + bytes]; // overlap
    if (rng.bool(0.1)) off = rng.pick([[0], [5, 1], ['0', 4], null, [0, 1e15]]);
    h[rng.bool(0.9) ? `t${t}` : '__metadata__'] = { dtype, shape, data_offsets: off };
    offset += Math.max(0, bytes);
  }
  const data = Math.min(rng.bool(0.8) ? offset : rng.int(0, offset), 1 << 16); // a header may claim more than the file has
  return { header: h, data: Number.isFinite(data) ? data : 0 };
}

test('property: random safetensors headers open with in-bounds, disjoint tensors or are refused naming the file', () => {
  let opened = 0;
  let refused = 0;
  forCases(17005, 300, (rng) => {
    const file = fresh('h') + '.safetensors';
    const { header: h, data } = header(rng);
    rawSafetensors(file, h, data, rng.bool(0.05) ? '{"a": ' : undefined);
    let f: SafetensorsFile | undefined;
    try {
      f = SafetensorsFile.open(file);
    } catch (err) {
      assert.ok(EngineError.is(err), `not an EngineError: ${String(err)}`);
      assert.ok((err as Error).message.includes(file), (err as Error).message);
      refused++;
      return;
    }
    opened++;
    const spans = f.names().map((name) => f!.info(name)).filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i].begin >= spans[i - 1].end, 'disjoint');
    for (const name of f.names()) {
      try {
        f.read(name);
      } catch (err) {
        assert.ok(EngineError.is(err), String(err)); // an unsupported dtype or NaN bytes: a clear error
      }
    }
    f.close();
  });
  assert.ok(opened > 20 && refused > 20, `opened ${opened}, refused ${refused}`);
  if (process.env.SELF_TRACE_VERBOSE) console.log(`safetensors headers: ${opened + refused} cases, ${refused} refused naming the file, ${opened} opened`);
});

test('overlapping tensors are refused by name', () => {
  const file = fresh('overlap') + '.safetensors';
  rawSafetensors(file, { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }, 24);
  assert.throws(() => SafetensorsFile.open(file), /tensors "a" and "b" overlap/);
});

test('NaN or Infinity in a weight refuses the model with the tensor and file; a valid model loads', async () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const dir = copyModel();
    const st = SafetensorsFile.open(path.join(dir, 'model.safetensors'));
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const name of st.names()) tensors[name] = { shape: st.info(name).shape, data: st.read(name).slice() };
    st.close();
    const victim = Object.keys(tensors).find((k) => k.includes('h.1.mlp'))!;
    tensors[victim].data[3] = bad;
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    await assert.rejects(loadModel(dir), (e: Error) => EngineError.is(e, 'badFile') && e.message.includes(victim) && /NaN|Infinity/.test(e.message));
  }
  (await loadModel(TINY)).dispose();
});

test('a config with fewer layers than the checkpoint loads with a warning the trace carries', async () => {
  const dir = copyModel();
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  cfg.n_layer = 1;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  fs.rmSync(path.join(dir, 'transcoders'), { recursive: true, force: true });
  const model = await loadModel(dir);
  try {
    assert.match(model.warnings.join('\n'), /says 1 layers but the checkpoint has weights for 2/);
  } finally {
    model.dispose();
  }
});

test('a FIFO in place of the weights or the config is refused at once, not waited on', async () => {
  for (const name of ['model.safetensors', 'config.json', 'tokenizer.json']) {
    const dir = copyModel();
    fs.rmSync(path.join(dir, name));
    execFileSync('mkfifo', [path.join(dir, name)]);
    const t0 = performance.now();
    await assert.rejects(loadModel(dir), (e: Error) => EngineError.is(e) && /not a regular file/.test(e.message) && e.message.includes(name));
    assert.ok(performance.now() - t0 < 5000);
  }
});

test('shard indexes: a weight_map array, or a shard path out of the folder, is refused naming the index', () => {
  const dir = fresh('sharded');
  fs.mkdirSync(dir);
  const index = path.join(dir, 'model.safetensors.index.json');
  const cases: [unknown, RegExp][] = [
    [{ weight_map: ['a'] }, /"weight_map" object .*not an array/],
    [{ weight_map: { w: '../../etc/passwd' } }, /shard of "w" must be a file name in .*not "..\/..\/etc\/passwd"/],
    [{ weight_map: { w: '/etc/passwd' } }, /must be a file name/],
    [{ weight_map: { w: 7 } }, /must be a file name/],
    [{}, /needs a "weight_map" object/],
  ];
  for (const [json, why] of cases) {
    fs.writeFileSync(index, JSON.stringify(json));
    assert.throws(() => TensorStore.openFolder(dir), (e: Error) => EngineError.is(e, 'badFile') && why.test(e.message) && e.message.includes(index));
  }
});

test('errors name what is wrong and where: a folder as a model file, a missing file, out of memory', () => {
  const asFolder = Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR', syscall: 'read', path: '/m/model.safetensors' });
  assert.equal(EngineError.from(asFolder).message, 'Cannot read /m/model.safetensors: it is a folder, not a file.');
  const missing = Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'open', path: '/m/x.json' });
  assert.equal(EngineError.from(missing).code, 'fileNotFound');
  assert.match(EngineError.from(new RangeError('Array buffer allocation failed')).message, /ran out of memory/);
  assert.equal(EngineError.from(new Error('something else')).message, 'The engine failed unexpectedly.');
});

test('the engine refuses maxNLogits 0 naming the option (not "failed unexpectedly")', async () => {
  const err = await handlers.trace({ modelDir: TINY, transcodersDir: path.resolve('test/fixtures/interventions/gpt2-tiny-transcoders'), prompt: 'hi', options: { maxNLogits: 0 } },
    { signal: new AbortController().signal, onProgress: () => {} }).then(() => undefined, (e: unknown) => e);
  assert.ok(EngineError.is(err, 'badInput'));
  assert.match((err as Error).message, /maxNLogits \(max_n_logits\) must be a whole number from 1/);
});

beforeEach(() => fake.reset());

test('a relative user-level modelPath starts at the home folder, never at the (untrusted) workspace folder', () => {
  (vscode.workspace as { workspaceFolders: unknown }).workspaceFolders = [{ uri: vscode.Uri.file('/work/untrusted-repo') }];
  (vscode.workspace as { isTrusted: boolean }).isTrusted = false;
  fake.state.settings['selfTracing.modelPath'] = { globalValue: './models/mine' };
  assert.equal(modelLocation('/ext').modelPath, path.join(os.homedir(), 'models/mine'));
  fake.state.settings['selfTracing.modelPath'] = { globalValue: '~/m' };
  assert.equal(modelLocation('/ext').modelPath, path.join(os.homedir(), 'm'));
  // a trusted workspace's own relative setting starts at its folder
  (vscode.workspace as { isTrusted: boolean }).isTrusted = true;
  fake.state.settings['selfTracing.modelPath'] = { workspaceValue: './models/ws', globalValue: './models/mine' };
  assert.equal(modelLocation('/ext').modelPath, path.join('/work/untrusted-repo', 'models/ws'));
});
