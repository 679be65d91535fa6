// Gemma-2 and Gemma-3 text forward passes against the PyTorch reference (tools/reference/gemma_ref.py, regenerate
// with make_gemma_fixtures.py): logits and every intermediate, on a prompt longer than the sliding window, with
// frozen patterns and every norm scale, and with deltas at the MLP outputs and the embedding.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../../src/engine/errors';
import { loadModel, type Model } from '../../../src/engine/model/model';
import { TensorStore, writeSafetensors } from '../../../src/engine/model/safetensors';
import { forwardNames as N, type ForwardResult } from '../../../src/engine/onnx/forward';
import { FIXTURES, checkTensor, readReference, type Reference } from './reference';

const NORMS = ['ln1', 'ln1_post', 'ln2', 'ln2_post'];
type Feed = Record<string, { data: Float32Array | BigInt64Array; dims: number[] }>;

function compareAll(model: Model, ref: Reference, c: string, r: ForwardResult): number {
  let max = checkTensor(`${c}.logits`, r.logits, ref.get(`${c}.logits`));
  const check = (name: string, got: Float32Array) => (max = Math.max(max, checkTensor(name, got, ref.get(name))));
  check(`${c}.resid_final`, r.residFinal);
  check(`${c}.lnf_scale`, r.lnfScale);
  r.layers.forEach((a, l) => {
    check(`${c}.resid_pre.${l}`, a.residPre);
    for (const n of NORMS) check(`${c}.${n}_scale.${l}`, a.scales[n]);
    check(`${c}.pattern.${l}`, a.pattern);
    check(`${c}.attn_out.${l}`, a.attnOut);
    check(`${c}.resid_mid.${l}`, a.residMid);
    check(`${c}.mlp_normalized.${l}`, a.mlpNormalized);
    check(`${c}.mlp_in.${l}`, a.mlpIn);
    check(`${c}.mlp_out.${l}`, a.mlpOut);
  });
  assert.equal(r.layers.length, model.config.nLayers);
  return max;
}

for (const fixture of ['gemma2-tiny', 'gemma3-tiny']) {
  test(`${fixture}: logits and every intermediate match the PyTorch reference (1 token, 7, 13 > sliding window)`, async () => {
    const model = await loadModel(path.join(FIXTURES, fixture), { threads: 1 });
    const ref = readReference(fixture);
    let max = 0;
    for (const c of ['one', 'mid', 'long']) max = Math.max(max, compareAll(model, ref, c, await model.forward(ref.cases[c])));
    if (process.env.SELF_TRACE_VERBOSE) console.log(`${fixture} forward max |diff|`, max);
    // the window really bites: a sliding layer's last query sees exactly `sliding_window` keys
    const long = await model.forward(ref.cases.long);
    const P = ref.cases.long.length;
    const cfg = model.config as typeof model.config & { layerKinds: string[]; slidingWindow: number };
    assert.ok(P > cfg.slidingWindow);
    cfg.layerKinds.forEach((kind, l) => {
      const row = long.layers[l].pattern.subarray((P - 1) * P, P * P); // head 0, last query
      assert.equal(row.filter((v) => v > 0).length, kind === 'sliding' ? cfg.slidingWindow : P, `layer ${l} (${kind})`);
    });
    model.dispose();
  });

  test(`${fixture}: frozen patterns and every norm scale are read from inputs, as in the reference`, async () => {
    const model = await loadModel(path.join(FIXTURES, fixture), { threads: 1 });
    const ref = readReference(fixture);
    const { nLayers, nHeads } = model.config;
    const P = ref.cases.mid.length;
    const s = await model.forwardSession({ freeze: { patterns: true, normScales: true } });
    const feed: Feed = {
      [N.inputIds]: { data: BigInt64Array.from(ref.cases.frozen, BigInt), dims: [1, P] },
      [N.frozen(N.lnfScale)]: { data: ref.get('mid.lnf_scale'), dims: [1, P, 1] },
    };
    for (let l = 0; l < nLayers; l++) {
      feed[N.frozen(N.pattern(l))] = { data: ref.get(`mid.pattern.${l}`), dims: [1, nHeads, P, P] };
      for (const n of NORMS) feed[N.frozen(N.scale(n, l))] = { data: ref.get(`mid.${n}_scale.${l}`), dims: [1, P, 1] };
    }
    const out = await s.run(feed);
    // scales of other tokens leave the activations unnormalised (logits near 90): 1e-4 relative to the largest
    const rel = (name: string, got: Float32Array) => {
      const want = ref.get(name);
      checkTensor(name, got, want, 1e-4 * Math.max(1, ...Array.from(want, Math.abs)));
    };
    rel('frozen.logits', out[N.logits].data);
    for (let l = 0; l < nLayers; l++) rel(`frozen.mlp_out.${l}`, out[N.mlpOut(l)].data);
    s.dispose();
    model.dispose();
  });

  test(`${fixture}: additive deltas at each MLP output and at the scaled embedding change the logits as in the reference`, async () => {
    const model = await loadModel(path.join(FIXTURES, fixture), { threads: 1 });
    const ref = readReference(fixture);
    const { nLayers, dModel } = model.config;
    const P = ref.cases.delta.length;
    const s = await model.forwardSession({ mlpOutDelta: true, embedDelta: true });
    const feed: Feed = {
      [N.inputIds]: { data: BigInt64Array.from(ref.cases.delta, BigInt), dims: [1, P] },
      [N.embedDelta]: { data: ref.get('delta.embed_delta'), dims: [1, P, dModel] },
    };
    for (let l = 0; l < nLayers; l++) feed[N.mlpOutDelta(l)] = { data: ref.get(`delta.mlp_out_delta.${l}`), dims: [1, P, dModel] };
    const out = await s.run(feed);
    checkTensor('delta.logits', out[N.logits].data, ref.get('delta.logits'));
    s.dispose();
    model.dispose();
  });
}

test('Gemma configs: missing sizing fields, bad layer_types, unsupported activations and missing tensors are clear errors', async () => {
  const src = path.join(FIXTURES, 'gemma3-tiny');
  const base = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
  const attempt = async (edit: (c: Record<string, unknown>) => void, dropTensor?: string): Promise<EngineError> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemma-bad-'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'model.safetensors']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const cfg = structuredClone(base);
    edit(cfg);
    if (dropTensor) cfg.num_hidden_layers = base.num_hidden_layers + 1; // layer L's tensors do not exist
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    try {
      await loadModel(dir, { threads: 1 });
    } catch (e) {
      assert.ok(e instanceof EngineError, String(e));
      return e;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.fail('loaded');
  };
  assert.match((await attempt((c) => delete c.hidden_size)).message, /config\.json has no "hidden_size", which a Gemma-3 model needs/);
  assert.match((await attempt((c) => (c.layer_types = ['full_attention']))).message, /"layer_types" must list 4 entries/);
  assert.match((await attempt((c) => (c.hidden_activation = 'relu'))).message, /hidden_activation "relu" is not supported/);
  assert.match((await attempt((c) => (c.num_key_value_heads = 3))).message, /not a multiple of num_key_value_heads/);
  assert.match((await attempt((c) => (c.rope_scaling = { rope_type: 'yarn', factor: 2 }))).message, /rope_scaling type "yarn" is not supported/);
  assert.match((await attempt((c) => (c.head_dim = 16))).message, /q_proj\.weight" .* has shape \[32,24\]; config\.json implies \[64,24\]/);
  assert.match((await attempt(() => undefined, 'layer 4')).message, /"model\.layers\.4\.input_layernorm\.weight" is missing/);
});

test('Gemma3ForConditionalGeneration: the language model under text_config and language_model.model.* loads to the same logits, with no final soft-cap', async () => {
  const src = path.join(FIXTURES, 'gemma3-tiny');
  const ref = readReference('gemma3-tiny');
  const text = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
  const vocab = text.vocab_size;
  for (const k of ['architectures', 'model_type', 'bos_token_id', 'eos_token_id', 'pad_token_id', 'vocab_size']) delete text[k];
  text.final_logit_softcapping = 3.0; // Gemma3ForConditionalGeneration never applies it
  for (const prefix of ['language_model.model.', 'model.language_model.']) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemma3-mm-'));
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const cfg = {
      architectures: ['Gemma3ForConditionalGeneration'],
      model_type: 'gemma3',
      eos_token_id: [1, 106],
      bos_token_id: 2,
      text_config: { ...text } as Record<string, unknown>, // no vocab_size: the class default (262208) does not fit, a shape error below
      vision_config: { hidden_size: 8 },
    };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    const store = TensorStore.openFolder(src);
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {
      'vision_tower.vision_model.embeddings.patch_embedding.weight': { shape: [2, 2], data: new Float32Array(4) },
    };
    for (const n of store.names()) tensors[n.replace(/^model\./, prefix)] = { shape: store.info(n).shape, data: store.read(n) };
    store.close();
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    await assert.rejects(loadModel(dir, { threads: 1 }), /embed_tokens\.weight" .* has shape \[\d+,24\]; config\.json implies \[262208,24\]/);
    cfg.text_config.vocab_size = vocab;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    const model = await loadModel(dir, { threads: 1 });
    assert.equal(model.config.eosTokenId, 1);
    checkTensor(`${prefix} logits`, await model.logits(ref.cases.long), ref.get('long.logits'));
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Gemma-3 configs written by transformers v5 (rope_parameters per layer kind) load to the same logits', async () => {
  const src = path.join(FIXTURES, 'gemma3-tiny');
  const ref = readReference('gemma3-tiny');
  const cfg = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
  cfg.rope_parameters = {
    full_attention: { rope_type: 'linear', factor: cfg.rope_scaling.factor, rope_theta: cfg.rope_theta },
    sliding_attention: { rope_type: 'default', rope_theta: cfg.rope_local_base_freq },
  };
  for (const k of ['rope_scaling', 'rope_theta', 'rope_local_base_freq']) delete cfg[k];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemma3-v5-'));
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'model.safetensors']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  const model = await loadModel(dir, { threads: 1 });
  checkTensor('v5 config logits', await model.logits(ref.cases.long), ref.get('long.logits'));
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
