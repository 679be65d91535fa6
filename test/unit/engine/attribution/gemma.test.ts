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
import { graphLayout, sparseToDense } from '../../../../src/engine/attribution/graph';
import type { GemmaConfig } from '../../../../src/engine/families/gemma2/config';
import { familyOf } from '../../../../src/engine/families/registry';
import { GraphSession } from '../../../../src/engine/onnx/session';
import { Intervener } from '../../../../src/engine/interventions/intervene';
import { loadModel } from '../../../../src/engine/model/model';
import { TensorStore, writeSafetensors } from '../../../../src/engine/model/safetensors';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';
import { checkColumns } from './constrained';
import { FIXTURES, loadFixture } from './fixtureModel';

const GEMMA_FIXTURES = ['gemma2-plt-normalized', 'gemma2-clt-resid', 'gemma3-plt-hookin-skip'];

for (const name of GEMMA_FIXTURES) {
  test(`${name}: the full adjacency matches PyTorch autograd to 1e-4 of the largest edge`, async () => {
    const fx = await loadFixture(name);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const A = fx.meta.n_active;
    assert.equal(graph.activeFeatures.layer.length, A, 'active feature count');
    const af = fx.expected.active_features;
    for (let i = 0; i < A; i++) {
      assert.deepEqual([graph.activeFeatures.layer[i], graph.activeFeatures.pos[i], graph.activeFeatures.feature[i]], [af[3 * i], af[3 * i + 1], af[3 * i + 2]]);
      assert.ok(Math.abs(graph.activeFeatures.activation[i] - fx.expected.activations[i]) < 1e-4);
    }
    assert.deepEqual(graph.logitTargets.map((t) => t.vocabIdx), Array.from(fx.expected.logit_ids));
    graph.logitProbabilities.forEach((p, k) => assert.ok(Math.abs(p - fx.expected.logit_probs[k]) < 1e-5, 'probabilities of the soft-capped logits'));
    const want = fx.expected.adjacency;
    const got = sparseToDense(graph.adjacency);
    assert.equal(got.length, want.length);
    let max = 0;
    for (const v of want) max = Math.max(max, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    if (process.env.SELF_TRACE_VERBOSE) console.log(`${name}: max error ${worst.toExponential(2)}, largest edge ${max.toFixed(3)}`);
    assert.ok(worst <= 1e-4 * max, `max error ${worst} vs largest edge ${max}`);
  });

  test(`${name}: in the frozen forward, adding any source once more moves pre-activations and demeaned logits by its adjacency column`, async () => {
    const fx = await loadFixture(name);
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const res = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    const spec = { freeze: { patterns: true, normScales: true, mlpOut: true }, mlpOutDelta: true, embedDelta: true };
    // logit edges are for the logits before Gemma-2's final soft-cap: circuit-tracer's tests run this check inside
    // model.zero_softcap(); here the frozen forward is built from the config without it
    const cfg = { ...(fx.model.config as GemmaConfig), finalSoftcap: undefined };
    const session = await GraphSession.create(familyOf(cfg).forwardGraph(cfg, fx.model.weights, spec), { threads: 1 });
    const lay = graphLayout(res.graph);
    const sources = [
      ...Array.from({ length: lay.nFeatures }, (_, i) => i),
      ...Array.from({ length: lay.tokenStart - lay.errorStart }, (_, i) => lay.errorStart + i).filter((s) => (s - lay.errorStart) % lay.nPos !== 0),
      ...Array.from({ length: lay.nPos - 1 }, (_, i) => lay.tokenStart + 1 + i),
    ];
    const r = await checkColumns(fx.model.config, fx.transcoders, res, session, sources);
    session.dispose();
    assert.ok(r.sources > 50, 'many sources');
    if (process.env.SELF_TRACE_VERBOSE) console.log(name, r);
    assert.ok(r.featureExcess <= 0 && r.logitExcess <= 0, `${r.worst} (excess ${r.featureExcess}, ${r.logitExcess})`);
  });
}

test('Gemma: a feature budget selects the features circuit-tracer would, in influence order', async () => {
  for (const name of GEMMA_FIXTURES) {
    const fx = await loadFixture(name);
    const { max_feature_nodes: M, batch_size, update_interval } = fx.meta.budget;
    const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: M, batchSize: batch_size, updateInterval: update_interval });
    at.dispose();
    assert.deepEqual(Array.from(graph.selectedFeatures), Array.from(fx.expected.selected), name);
  }
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
    const at = await Attributor.create(fx.model, tc, { threads: 1 });
    const { graph } = await at.attribute(fx.ids, { maxFeatureNodes: null });
    at.dispose();
    assert.equal(graph.activeFeatures.layer.length, fx.meta.n_active, 'active feature count');
    const want = fx.expected.adjacency;
    const got = sparseToDense(graph.adjacency);
    assert.equal(got.length, want.length);
    let max = 0;
    let worst = 0;
    for (let i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs(want[i]));
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
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
  const at = await Attributor.create(fx.model, fx.transcoders, { threads: 1 });
  const ids = [2, 105, 2364, 107, 300, 290, 301, 12];
  const res = await at.attribute(ids, { maxFeatureNodes: null });
  at.dispose();
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
