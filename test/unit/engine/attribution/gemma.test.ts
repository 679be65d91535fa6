// Attribution on Gemma-2 and Gemma-3 text: the full adjacency against PyTorch autograd through circuit-tracer's
// local replacement model for Gemma (tools/reference/gemma_attribution_ref.py: patterns and every RMSNorm rsqrt
// detached, transcoders writing at hook_mlp_out), circuit-tracer's frozen-forward acceptance check, and a feature
// budget selecting what circuit-tracer's queue would. Fixtures: GemmaScope-like PLT (ln2.hook_normalized, JumpReLU,
// no skip) and a CLT on hook_resid_mid for Gemma-2; a skip PLT on mlp.hook_in for Gemma-3.
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import type { GemmaConfig } from '../../../../src/engine/families/gemma2/config';
import { Intervener } from '../../../../src/engine/interventions/intervene';
import { loadModel } from '../../../../src/engine/model/model';
import { TensorStore, writeSafetensors } from '../../../../src/engine/model/safetensors';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';
import { adjacencyError, assertBudgetSelection, assertFrozenForwardColumns, assertMatchesAutograd, attributeFixture } from './fixtureChecks';
import { FIXTURES, loadFixture } from './fixtureModel';

const GEMMA_FIXTURES = ['gemma2-plt-normalized', 'gemma2-clt-resid', 'gemma3-plt-hookin-skip'];

for (const name of GEMMA_FIXTURES) {
  test(`${name}: the full adjacency matches PyTorch autograd to 1e-4 of the largest edge`, async () => {
    await assertMatchesAutograd(name, await loadFixture(name), { probabilities: true }); // of the soft-capped logits
  });

  test(`${name}: in the frozen forward, adding any source once more moves pre-activations and demeaned logits by its adjacency column`, async () => {
    const fx = await loadFixture(name);
    // logit edges are for the logits before Gemma-2's final soft-cap: circuit-tracer's tests run this check inside
    // model.zero_softcap(); here the frozen forward is built from the config without it
    const config: GemmaConfig = { ...(fx.model.config as GemmaConfig), finalSoftcap: undefined };
    await assertFrozenForwardColumns(name, fx, config);
  });
}

test('Gemma: a feature budget selects the features circuit-tracer would, in influence order', async () => {
  for (const name of GEMMA_FIXTURES) await assertBudgetSelection(name, await loadFixture(name));
});

test('Gemma: transcoders that write at mlp.hook_out (before post_feedforward_layernorm) are refused, naming both sides', async () => {
  const fx = await loadFixture('gemma2-plt-normalized');
  const tc = { ...fx.transcoders, outputHook: 'mlp.hook_out' } as typeof fx.transcoders;
  await assert.rejects(
    Attributor.create(fx.model, tc, { threads: 1 }),
    /write at "mlp\.hook_out", which Gemma2ForCausalLM does not provide; its output hooks: hook_mlp_out/,
  );
});

for (const [name, layout] of [['gemma2-plt-normalized', 'gemmascope'], ['gemma3-plt-hookin-skip', 'gemmascope2']]) {
  test(`${name}: the same transcoders in the published ${layout} layout give the reference graph`, async () => {
    const fx = await loadFixture(name);
    const tc = loadTranscoders(path.join(FIXTURES, name, `transcoders-${layout}`));
    assert.equal(tc.outputHook, 'hook_mlp_out');
    const res = await attributeFixture(fx, { maxFeatureNodes: null }, tc);
    assert.equal(res.graph.activeFeatures.layer.length, fx.meta.n_active, 'active feature count');
    const { worst, max } = adjacencyError(res, fx.expected.adjacency);
    assert.ok(worst <= 1e-4 * max, `max error ${worst} vs largest edge ${max}`);
  });
}

test('gemma-3 -it checkpoints: the chat prefix circuit-tracer requires is checked; features, errors and interventions leave its 4 tokens alone', async () => {
  // the gemma3 fixture, named like an instruction-tuned checkpoint, with a vocabulary that holds the prefix ids
  const src = path.join(FIXTURES, 'gemma3-plt-hookin-skip');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gemma-it-'));
  const dir = path.join(root, 'gemma-3-tiny-it');
  fs.mkdirSync(dir);
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'expected.json', 'expected.safetensors']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  fs.cpSync(path.join(src, 'transcoders'), path.join(dir, 'transcoders'), { recursive: true });
  const cfg = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
  const V = 2400;
  const store = TensorStore.openFolder(src);
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const n of store.names()) tensors[n] = { shape: store.info(n).shape, data: store.read(n) };
  store.close();
  const E = tensors['model.embed_tokens.weight'];
  const d = E.shape[1];
  const big = new Float32Array(V * d);
  for (let r = 0; r < V; r++) big.set(E.data.subarray((r % E.shape[0]) * d, (r % E.shape[0] + 1) * d), r * d);
  tensors['model.embed_tokens.weight'] = { shape: [V, d], data: big };
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, vocab_size: V }));

  const fx = await loadFixture('gemma-3-tiny-it', root);
  assert.equal(fx.model.config.zeroPositions, 4);
  const ids = [2, 105, 2364, 107, 300, 290, 301, 12];
  const res = await attributeFixture({ ...fx, ids });
  const pos = res.graph.activeFeatures.pos;
  assert.ok(pos.length > 0 && Array.from(pos).every((p) => p >= 4), 'no features on the chat prefix');
  for (const e of res.components.errors) assert.ok(e.subarray(0, 4 * d).every((v) => v === 0), 'no error on the chat prefix');
  assert.ok(res.components.errors.some((e) => e.subarray(4 * d).some((v) => v !== 0)));

  // interventions at 'all' positions start after the prefix, and report no changes on it
  const iv = await Intervener.create(fx.model, fx.transcoders, { threads: 1 });
  const r = await iv.intervene(ids, [{ features: [{ layer: 0, feature: 3 }], op: { kind: 'steer', strength: 3 } }], { mode: 'free', maxChanges: Infinity });
  iv.dispose();
  assert.ok(r.applied.length > 0 && r.applied.every((a) => a.pos >= 4), 'applied after the prefix');
  assert.ok(r.changes.length > 0 && r.changes.every((c) => c.pos >= 4), 'changes after the prefix');

  const model = await loadModel(dir, { threads: 1 });
  assert.throws(() => model.tokenize('the cat'), /start the prompt with "<bos><start_of_turn>user\\n" \(tokens 2, 105, 2364, 107\)/);
  model.dispose();
  const plain = await loadFixture('gemma3-plt-hookin-skip');
  assert.equal(plain.model.config.zeroPositions, undefined, 'a base checkpoint zeroes the BOS only');
  fs.rmSync(root, { recursive: true, force: true });
});
