import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../../src/engine/model/model';
import { TensorStore, writeSafetensors } from '../../../src/engine/model/safetensors';
import { EngineError } from '../../../src/engine/errors';
import { copyModel, editConfig, rejectsLoading } from './badModels';
import { FIXTURES, readReference } from './reference';

const SRC = path.join(FIXTURES, 'gpt2-tiny');

const copyFixture = () => copyModel(SRC);

/** rewrites model.safetensors through `edit(name, tensor)`; returning undefined drops the tensor */
function editWeights(dir: string, edit: (name: string, t: { shape: number[]; data: Float32Array }) => { shape: number[]; data: Float32Array } | undefined) {
  const store = TensorStore.openFolder(SRC);
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const n of store.names()) {
    const t = edit(n, { shape: store.info(n).shape, data: store.read(n) });
    if (t) out[n] = t;
  }
  store.close();
  writeSafetensors(path.join(dir, 'model.safetensors'), out);
}

const rejects = rejectsLoading;

test('a missing model folder, config.json, tokenizer.json or model.safetensors is named', async () => {
  await rejects('/nonexistent/model', 'fileNotFound', /\/nonexistent\/model/);
  for (const f of ['config.json', 'tokenizer.json', 'model.safetensors']) {
    const dir = copyFixture();
    fs.rmSync(path.join(dir, f));
    await rejects(dir, 'fileNotFound', new RegExp(f.replace('.', '\\.')));
  }
});

test('a truncated safetensors file is reported with its path', async () => {
  const dir = copyFixture();
  const f = path.join(dir, 'model.safetensors');
  fs.truncateSync(f, fs.statSync(f).size - 100);
  await rejects(dir, 'badFile', /model\.safetensors.*truncated/);
});

test('a header that lies about a tensor size is reported with the tensor and the file', async () => {
  const dir = copyFixture();
  const f = path.join(dir, 'model.safetensors');
  const buf = fs.readFileSync(f);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  header['transformer.wpe.weight'].shape = [17, 24]; // offsets still span 16 × 24 floats
  const h = Buffer.from(JSON.stringify(header).padEnd(n, ' '));
  assert.equal(h.length, n);
  fs.writeFileSync(f, Buffer.concat([buf.subarray(0, 8), h, buf.subarray(8 + n)]));
  await rejects(dir, 'badFile', /model\.safetensors.*"transformer\.wpe\.weight".*needs/);
});

test('a missing tensor is named', async () => {
  const dir = copyFixture();
  editWeights(dir, (n, t) => (n === 'transformer.h.1.mlp.c_fc.bias' ? undefined : t));
  await rejects(dir, 'missingTensor', /"transformer\.h\.1\.mlp\.c_fc\.bias".*gpt2-tiny-bad-/);
});

test('a tensor whose shape disagrees with config.json is named with both shapes', async () => {
  const dir = copyFixture();
  editWeights(dir, (n, t) => (n === 'transformer.h.0.attn.c_attn.weight' ? { shape: [72, 24], data: t.data } : t)); // nn.Linear layout
  await rejects(dir, 'badShape', /"transformer\.h\.0\.attn\.c_attn\.weight".*\[72,24\].*\[24,72\]/);
});

test('an unsupported architecture or activation is refused, naming config.json', async () => {
  const dir = copyFixture();
  editConfig(dir, (c) => (c.architectures = ['MambaForCausalLM']));
  await rejects(dir, 'unsupported', /config\.json.*"MambaForCausalLM".*GPT2LMHeadModel/);
  const dir2 = copyFixture();
  editConfig(dir2, (c) => (c.activation_function = 'relu'));
  await rejects(dir2, 'unsupported', /config\.json.*"relu"/);
});

test('an unsupported dtype is refused, naming the tensor and the file', async () => {
  const dir = copyFixture();
  const f = path.join(dir, 'model.safetensors');
  const buf = fs.readFileSync(f);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  header['transformer.ln_f.bias'].dtype = 'I32'; // same byte size as F32
  fs.writeFileSync(f, Buffer.concat([buf.subarray(0, 8), Buffer.from(JSON.stringify(header).padEnd(n, ' ')), buf.subarray(8 + n)]));
  await rejects(dir, 'unsupported', /"transformer\.ln_f\.bias".*model\.safetensors.*I32/);
});

test('BF16 weights load and run (converted to fp32)', async () => {
  const dir = copyFixture();
  const store = TensorStore.openFolder(SRC);
  const header: Record<string, unknown> = {};
  const blobs: Buffer[] = [];
  let off = 0;
  for (const name of store.names()) {
    const f32 = store.read(name);
    const bf = new Uint16Array(f32.length);
    const u = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
    for (let i = 0; i < u.length; i++) bf[i] = u[i] >>> 16;
    header[name] = { dtype: 'BF16', shape: store.info(name).shape, data_offsets: [off, off + bf.byteLength] };
    blobs.push(Buffer.from(bf.buffer));
    off += bf.byteLength;
  }
  store.close();
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, h, ...blobs]));
  const model = await loadModel(dir, { threads: 1 });
  const ref = readReference('gpt2-tiny');
  const logits = await model.logits(ref.cases.mid);
  const expected = ref.get('mid.logits');
  let max = 0;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, Math.abs(logits[i] - expected[i]));
  assert.ok(max < 0.5, `bf16 logits differ by ${max}`); // bf16 keeps ~3 significant digits
  model.dispose();
});

test('a prompt longer than the context and an empty prompt are errors, not crashes', async () => {
  const model = await loadModel(SRC, { threads: 1 });
  const long = 'x'.repeat(model.config.nCtx); // + BOS = nCtx + 1 tokens
  assert.throws(
    () => model.tokenize(long),
    (e: unknown) => e instanceof EngineError && e.code === 'badInput' && /17 tokens.*context is 16/.test(e.message),
  );
  assert.equal(model.tokenize('x'.repeat(model.config.nCtx - 1)).length, model.config.nCtx);
  assert.throws(
    () => model.tokenize(''),
    (e: unknown) => e instanceof EngineError && e.code === 'badInput' && /empty/.test(e.message),
  );
  await assert.rejects(model.forward([]), (e: unknown) => e instanceof EngineError && e.code === 'badInput');
  await assert.rejects(model.forward(new Array(17).fill(1)), (e: unknown) => e instanceof EngineError && /context/.test(e.message));
  await assert.rejects(model.forward([1, 9999]), (e: unknown) => e instanceof EngineError && /9999.*vocabulary/.test(e.message));
  model.dispose();
});
