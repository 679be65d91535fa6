// The same transcoders written in each published layout, inside a fake Hugging Face cache laid out like the
// published repos, load by repo id and give circuit-tracer's graph (the PyTorch reference of the fixture).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { sparseToDense } from '../../../../src/engine/attribution/graph';
import { EngineError } from '../../../../src/engine/errors';
import { SafetensorsFile } from '../../../../src/engine/model/safetensors';
import { loadTranscoders, type TranscoderSet } from '../../../../src/engine/model/transcoders';
import {
  text,
  writeCachedRepo,
  writeCircuitTracerLayer,
  writeGemmaScope2Layer,
  writeGemmaScopeNpz,
  type PltWeights,
} from '../../../../tools/transcoderLayouts';
import { FIXTURES, loadFixture } from '../attribution/fixtureModel';

const tmpCache = () => fs.mkdtempSync(path.join(os.tmpdir(), 'st-hub-'));

/** the per-layer weights of a committed fixture (circuit-tracer layout) */
function fixtureLayers(name: string): PltWeights[] {
  const dir = path.join(FIXTURES, name, 'transcoders');
  const out: PltWeights[] = [];
  for (let l = 0; fs.existsSync(path.join(dir, `layer_${l}.safetensors`)); l++) {
    const f = SafetensorsFile.open(path.join(dir, `layer_${l}.safetensors`));
    const t = (n: string) => (f.has(n) ? { shape: f.info(n).shape, data: f.read(n).slice() } : undefined);
    out.push({ W_enc: t('W_enc')!, W_dec: t('W_dec')!, b_enc: t('b_enc')!, b_dec: t('b_dec')!, threshold: t('activation_function.threshold'), W_skip: t('W_skip') });
    f.close();
  }
  return out;
}

/** attributes the fixture's prompt with `tc` and checks the full adjacency against the reference */
async function assertReferenceGraph(name: string, tc: TranscoderSet): Promise<void> {
  const fx = await loadFixture(name);
  fx.transcoders.close();
  const at = await Attributor.create(fx.model, tc, { threads: 1 });
  const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
  at.dispose();
  tc.close();
  assert.equal(graph.activeFeatures.layer.length, fx.meta.n_active, 'active feature count');
  const want = fx.expected.adjacency;
  const got = sparseToDense(graph.adjacency);
  assert.equal(got.length, want.length);
  let max = 0;
  for (const v of want) max = Math.max(max, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst <= 1e-4 * max, `${name}: max error ${worst} vs largest edge ${max}`);
}

test('GemmaScope params.npz listed by hf:// URIs in a mntss/gemma-scope-transcoders config gives the reference graph', async () => {
  const cache = tmpCache();
  const layers = fixtureLayers('plt-jumprelu-resid');
  const l0 = [76, 65, 49];
  const files: Record<string, (f: string) => void> = {};
  layers.forEach((w, l) => (files[`layer_${l}/width_16k/average_l0_${l0[l]}/params.npz`] = (f) => writeGemmaScopeNpz(f, w)));
  writeCachedRepo(cache, 'google/gemma-scope-2b-pt-transcoders', files);
  const list = layers.map((_, l) => `  - hf://google/gemma-scope-2b-pt-transcoders/layer_${l}/width_16k/average_l0_${l0[l]}/params.npz`).join('\n');
  writeCachedRepo(cache, 'mntss/gemma-scope-transcoders', {
    'config.yaml': text(`model_name: google/gemma-2-2b\nmodel_kind: transcoder_set\nfeature_input_hook: hook_resid_mid\nfeature_output_hook: mlp.hook_out\ntranscoders:\n${list}\n`),
  });
  const tc = loadTranscoders('mntss/gemma-scope-transcoders', { env: { HF_HUB_CACHE: cache }, residentEncoderBytes: 0 });
  assert.equal(tc.format, 'GemmaScope npz');
  assert.equal(tc.scan, 'mntss/gemma-scope-transcoders');
  assert.equal(tc.modelName, 'google/gemma-2-2b');
  assert.deepEqual(tc.activation, { kind: 'jumprelu' });
  await assertReferenceGraph('plt-jumprelu-resid', tc);
});

test('GemmaScope-2 params.safetensors (w_enc [d, n], affine_skip_connection) gives the reference graph of the same transcoders', async () => {
  // ReLU is JumpReLU with a zero threshold (both keep x > 0), and A = W_skipᵀ gives u·A = u·W_skipᵀ
  const cache = tmpCache();
  const layers = fixtureLayers('plt-relu-skip').map((w) => ({ ...w, threshold: { shape: w.b_enc.shape, data: new Float32Array(w.b_enc.data.length) } }));
  const files: Record<string, (f: string) => void> = {};
  layers.forEach((w, l) => (files[`transcoder_all/layer_${l}_width_16k_l0_small_affine/params.safetensors`] = (f) => writeGemmaScope2Layer(f, w)));
  writeCachedRepo(cache, 'google/gemma-scope-2-270m-pt', files);
  const list = layers.map((_, l) => `- hf://google/gemma-scope-2-270m-pt/transcoder_all/layer_${l}_width_16k_l0_small_affine/params.safetensors`).join('\n');
  writeCachedRepo(cache, 'mwhanna/gemma-scope-2-270m-pt', {
    'transcoder_all/width_16k_l0_small_affine/config.yaml': text(`model_kind: transcoder_set\nfeature_input_hook: mlp.hook_in\nfeature_output_hook: mlp.hook_out\ntranscoders:\n${list}\n`),
  });
  const tc = loadTranscoders('mwhanna/gemma-scope-2-270m-pt/transcoder_all/width_16k_l0_small_affine', { env: { HF_HUB_CACHE: cache } });
  assert.equal(tc.format, 'GemmaScope-2 PLT');
  assert.equal(tc.scan, 'mwhanna/gemma-scope-2-270m-pt//transcoder_all/width_16k_l0_small_affine');
  assert.ok(tc.hasSkip);
  await assertReferenceGraph('plt-relu-skip', tc);
});

test('circuit-tracer PLTs (mntss/transcoder-Llama-3.2-1B layout) load by repo id and by circuit-tracer\'s alias "llama"', async () => {
  const cache = tmpCache();
  const files: Record<string, (f: string) => void> = {
    'config.yaml': text('model_name: meta-llama/Llama-3.2-1B\nmodel_kind: transcoder_set\nfeature_input_hook: mlp.hook_in\nfeature_output_hook: mlp.hook_out\n'),
  };
  fixtureLayers('plt-relu-skip').forEach((w, l) => (files[`layer_${l}.safetensors`] = (f) => writeCircuitTracerLayer(f, w)));
  writeCachedRepo(cache, 'mntss/transcoder-Llama-3.2-1B', files);
  const tc = loadTranscoders('llama', { env: { HF_HUB_CACHE: cache }, residentEncoderBytes: 0 });
  assert.equal(tc.scan, 'mntss/transcoder-Llama-3.2-1B');
  assert.equal(tc.format, 'circuit-tracer PLT');
  await assertReferenceGraph('plt-relu-skip', tc);
});

test('TopK: activation/k from config.yaml, and k = 128 for facebook/crv-8b-instruct-transcoders as circuit-tracer hard-codes it', async () => {
  const cache = tmpCache();
  const files: Record<string, (f: string) => void> = {
    'config.yaml': text('model_kind: transcoder_set\nfeature_input_hook: ln2.hook_normalized\nfeature_output_hook: mlp.hook_out\nactivation: topk\nk: 4\n'),
  };
  fixtureLayers('plt-topk-normalized').forEach((w, l) => (files[`layer_${l}.safetensors`] = (f) => writeCircuitTracerLayer(f, w)));
  writeCachedRepo(cache, 'someone/topk-transcoders', files);
  await assertReferenceGraph('plt-topk-normalized', loadTranscoders('someone/topk-transcoders', { env: { HF_HUB_CACHE: cache } }));

  files['config.yaml'] = text('model_kind: transcoder_set\nfeature_input_hook: mlp.hook_in\nfeature_output_hook: mlp.hook_out\nactivation: topk\n');
  writeCachedRepo(cache, 'facebook/crv-8b-instruct-transcoders', files);
  const crv = loadTranscoders('facebook/crv-8b-instruct-transcoders', { env: { HF_HUB_CACHE: cache } });
  assert.deepEqual(crv.activation, { kind: 'topk', k: 128 });
  crv.close();
  assert.throws(() => loadTranscoders('someone/topk-transcoders@no-k', { env: { HF_HUB_CACHE: cache } }), /"someone\/topk-transcoders" at revision no-k is not in the local Hugging Face cache/);
  writeCachedRepo(cache, 'someone/topk-transcoders', { ...files, 'config.yaml': text('model_kind: transcoder_set\nactivation: topk\n') }, 'no-k');
  assert.throws(() => loadTranscoders('someone/topk-transcoders@no-k', { env: { HF_HUB_CACHE: cache } }), /activation "topk" needs a positive integer k/);
});

test('a circuit-tracer CLT in the cache (W_enc_{i} / W_dec_{i}) loads by repo id and gives the reference graph', async () => {
  const cache = tmpCache();
  const src = path.join(FIXTURES, 'clt-relu', 'transcoders');
  const files: Record<string, (f: string) => void> = {};
  for (const f of fs.readdirSync(src)) files[f] = (to) => fs.copyFileSync(path.join(src, f), to);
  writeCachedRepo(cache, 'mntss/clt-llama-3.2-1b-524k', files);
  const tc = loadTranscoders('mntss/clt-llama-3.2-1b-524k', { env: { HF_HUB_CACHE: cache }, residentEncoderBytes: 0 });
  assert.equal(tc.kind, 'cross-layer');
  await assertReferenceGraph('clt-relu', tc);
});

test('bad transcoder folders: each a clear message, nothing left open', () => {
  const cache = tmpCache();
  const env = { HF_HUB_CACHE: cache };
  assert.throws(() => loadTranscoders('mntss/transcoder-Llama-3.2-1B', { env }), (e: Error) =>
    /"mntss\/transcoder-Llama-3.2-1B" is not in the local Hugging Face cache \(looked in .*models--mntss--transcoder-Llama-3.2-1B\).*never downloads/.test(e.message));
  writeCachedRepo(cache, 'mntss/gemma-scope-transcoders', {
    'config.yaml': text('model_kind: transcoder_set\ntranscoders:\n  - hf://google/gemma-scope-2b-pt-transcoders/layer_0/width_16k/average_l0_76/params.npz\n'),
  });
  assert.throws(() => loadTranscoders('mntss/gemma-scope-transcoders', { env }), /"google\/gemma-scope-2b-pt-transcoders" is not in the local Hugging Face cache/);
  writeCachedRepo(cache, 'google/gemma-scope-2b-pt-transcoders', { 'README.md': text('hi') });
  assert.throws(() => loadTranscoders('mntss/gemma-scope-transcoders', { env }), /layer_0\/width_16k\/average_l0_76\/params.npz of "google\/gemma-scope-2b-pt-transcoders" is not in the local Hugging Face cache/);
  const files: Record<string, (f: string) => void> = { 'config.yaml': text('model_kind: transcoder_set\n') };
  fixtureLayers('plt-relu-skip').forEach((w, l) => l !== 1 && (files[`layer_${l}.safetensors`] = (f) => writeCircuitTracerLayer(f, w)));
  writeCachedRepo(cache, 'x/gap', files);
  assert.throws(() => loadTranscoders('x/gap', { env }), /has 2 layer_\*.safetensors files but no layer_1.safetensors/);
  writeCachedRepo(cache, 'x/kind', { 'config.yaml': text('model_kind: sparse_autoencoder\n') });
  assert.throws(() => loadTranscoders('x/kind', { env }), /model_kind "sparse_autoencoder" is not supported/);
  writeCachedRepo(cache, 'x/hook', { 'config.yaml': text('model_kind: transcoder_set\nfeature_input_hook: hook_resid_pre\n') });
  assert.throws(() => loadTranscoders('x/hook', { env }), /feature_input_hook "hook_resid_pre" is not supported/);
  assert.throws(() => loadTranscoders('./no/such/folder', { env }), /Transcoder set folder not found: .*no\/such\/folder/);
  // an integer encoder is refused when the set loads, not when a trace first reads it
  const w = fixtureLayers('plt-relu-skip')[0];
  writeCachedRepo(cache, 'x/int', {
    'config.yaml': text('model_kind: transcoder_set\n'),
    'layer_0.safetensors': (f) => {
      writeCircuitTracerLayer(f, w);
      const b = fs.readFileSync(f);
      const n = Number(b.readBigUInt64LE(0));
      fs.writeFileSync(f, Buffer.concat([b.subarray(0, 8), Buffer.from(b.subarray(8, 8 + n).toString().replace('{"W_enc":{"dtype":"F32"', '{"W_enc":{"dtype":"I32"')), b.subarray(8 + n)]));
    },
  });
  assert.throws(() => loadTranscoders('x/int', { env }), /Tensor "W_enc" in .* has dtype I32; transcoder weights must be F32, F16 or BF16/);
});

/** every layer's pre-activations (and skips) applied in blocks of 5 features equal those of the whole encoder */
async function assertBlocksMatchWhole(tc: TranscoderSet, name: string): Promise<void> {
  const { TranscoderEncoder } = await import('../../../../src/engine/onnx/transcoderGraphs');
  const whole = await TranscoderEncoder.create(tc, { threads: 1 });
  const blocked = await TranscoderEncoder.create(tc, { threads: 1, blockBytes: 5 * 4 * tc.dModel }); // 5 features a block
  const P = 3;
  for (let l = 0; l < tc.nLayers; l++) {
    const u = Float32Array.from({ length: P * tc.dModel }, (_, i) => Math.sin(i + l));
    const a = await whole.layer(l, u, P);
    const b = await blocked.layer(l, u, P);
    assert.deepEqual(Array.from(b.pre), Array.from(a.pre), `${name} layer ${l}`);
    assert.deepEqual(b.skip && Array.from(b.skip), a.skip && Array.from(a.skip));
  }
  whole.dispose();
  blocked.dispose();
}

test('a large encoder applied in blocks of rows gives the same pre-activations and skips as whole', async () => {
  for (const name of ['plt-relu-skip', 'clt-relu']) {
    const tc = loadTranscoders(path.join(FIXTURES, name, 'transcoders'), { residentEncoderBytes: 0 });
    await assertBlocksMatchWhole(tc, name);
    tc.close();
  }
});

/** the plt-relu-skip fixture with W_enc rounded to BF16 (truncated), every other tensor as it was; `poison` sets one
 * 16-bit pattern of layer 0's W_enc */
function bf16EncoderCopy(poison?: { element: number; bits: number }): string {
  const src = path.join(FIXTURES, 'plt-relu-skip', 'transcoders');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bf16-enc-'));
  fs.copyFileSync(path.join(src, 'config.yaml'), path.join(dir, 'config.yaml'));
  for (const file of fs.readdirSync(src).filter((f) => f.endsWith('.safetensors'))) {
    const f = SafetensorsFile.open(path.join(src, file));
    const header: Record<string, unknown> = {};
    const parts: Buffer[] = [];
    let off = 0;
    for (const name of f.names()) {
      const x = f.read(name);
      let data = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
      if (name === 'W_enc') {
        const bits = Uint16Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length), (u) => u >>> 16);
        if (poison && file === 'layer_0.safetensors') bits[poison.element] = poison.bits;
        data = Buffer.from(bits.buffer);
      }
      header[name] = { dtype: name === 'W_enc' ? 'BF16' : 'F32', shape: f.info(name).shape, data_offsets: [off, off + data.length] };
      parts.push(data);
      off += data.length;
    }
    f.close();
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    fs.writeFileSync(path.join(dir, file), Buffer.concat([len, json, ...parts]));
  }
  return dir;
}

test('BF16 encoders applied in blocks go through onnxruntime as stored (one reused buffer) and give the same pre-activations as converted in JS', async () => {
  const tc = loadTranscoders(bf16EncoderCopy(), { residentEncoderBytes: 0 });
  assert.ok(tc.encoderBf16Rows, 'BF16 encoders on disk are read as stored');
  await assertBlocksMatchWhole(tc, 'bf16');
  tc.close();
});

test('a NaN or an infinity in a BF16 encoder read in blocks is refused, naming the tensor and the element, even where its input is 0', async () => {
  const { TranscoderEncoder } = await import('../../../../src/engine/onnx/transcoderGraphs');
  const P = 2;
  for (const [bits, what] of [[0x7fc0, 'NaN'], [0xff80, 'Infinity']] as const) {
    const tc = loadTranscoders(bf16EncoderCopy({ element: 7 * 16 + 3, bits }), { residentEncoderBytes: 0 });
    const d = tc.dModel;
    assert.equal(d, 16, 'the element above is row 7, column 3');
    const blocked = await TranscoderEncoder.create(tc, { threads: 1, blockBytes: 5 * 4 * d });
    // the poisoned column's input is 0 at every position: ±Inf·0 and NaN·0 are NaN, so the output still shows it
    const u = Float32Array.from({ length: P * d }, (_, i) => (i % d === 3 ? 0 : Math.cos(i)));
    await assert.rejects(blocked.layer(0, u, P), (e: unknown) => e instanceof EngineError && e.code === 'badFile' && new RegExp(`"W_enc".*${what} \\(at element ${7 * 16 + 3} of `).test(e.message));
    const clean = await blocked.layer(1, u, P);
    assert.ok(clean.pre.every(Number.isFinite), 'other layers encode');
    blocked.dispose();
    tc.close();
  }
});
