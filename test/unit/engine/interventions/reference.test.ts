// Interventions against an independent PyTorch reference (tools/reference/intervention_ref.py): five cases (ablate,
// supernode set, steer, two interventions on two layers, steering generated tokens only) in each mode on the four
// attribution fixtures: last-position logits, every downstream feature's activation, and the greedy continuations.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Intervener } from '../../../../src/engine/interventions/intervene';
import type { Intervention, InterventionMode } from '../../../../src/engine/interventions/spec';
import { SafetensorsFile } from '../../../../src/engine/model/safetensors';
import { loadFixture } from '../attribution/fixtureModel';

const DIR = path.resolve('test/fixtures/interventions');
const REGENERATE = 'regenerate with /usr/bin/python3 tools/reference/intervention_ref.py';
const MODES: InterventionMode[] = ['free', 'frozen', 'constrained'];

interface Cases {
  generate: number;
  fixtures: Record<string, { ids: number[]; cases: { name: string; interventions: Intervention[] }[]; continuations: Record<string, number[]>; clean_continuation: number[] }>;
}

const cases = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as Cases;
const ref = SafetensorsFile.open(path.join(DIR, 'expected.safetensors'));

for (const [name, fx] of Object.entries(cases.fixtures)) {
  test(`${name}: free, frozen and constrained interventions match the PyTorch reference (logits, feature activations, continuations)`, async () => {
    const f = await loadFixture(name);
    const iv = await Intervener.create(f.model, f.transcoders, { threads: 1 });
    const { dVocab: V, nLayers: L } = f.model.config;
    const n = f.transcoders.dTranscoder;
    const P = fx.ids.length;
    const all = Array.from({ length: V }, (_, i) => i);
    const cleanActs = ref.read(`${name}/clean/acts`);
    const cleanLogits = ref.read(`${name}/clean/logits`);
    let worstLogit = 0;
    let worstAct = 0;
    for (const c of fx.cases) {
      for (const mode of MODES) {
        const key = `${name}/${c.name}/${mode}`;
        const res = await iv.intervene(fx.ids, c.interventions, { mode, generate: cases.generate, targets: all, maxChanges: Infinity });
        const logits = ref.read(`${key}/logits`).subarray((P - 1) * V);
        for (const t of res.targets) {
          worstLogit = Math.max(worstLogit, Math.abs(t.logit - logits[t.id]), Math.abs(t.cleanLogit - cleanLogits[(P - 1) * V + t.id]));
        }
        const acts = ref.read(`${key}/acts`);
        const changed = new Map(res.changes.map((ch) => [(ch.layer * P + ch.pos) * n + ch.feature, ch.intervened]));
        const applied = new Set(res.applied.map((a) => (a.layer * P + a.pos) * n + a.feature));
        for (let l = 0; l < L; l++) {
          for (let i = n; i < P * n; i++) {
            const k = l * P * n + i;
            if (applied.has(k)) continue;
            const got = changed.get(k) ?? cleanActs[k];
            const err = Math.abs(got - acts[k]);
            assert.ok(err < 1e-3, `${key}: feature ${l}:${i % n} at ${Math.floor(i / n)}: ${got} vs ${acts[k]}; ${REGENERATE}`);
            worstAct = Math.max(worstAct, err);
          }
        }
        assert.deepEqual(res.intervened.continuation?.ids, fx.continuations[key], `${key}: continuation`);
        assert.deepEqual(res.clean.continuation?.ids, fx.clean_continuation, `${name}: clean continuation`);
      }
    }
    iv.dispose();
    if (process.env.SELF_TRACE_VERBOSE) console.log(name, { worstLogit, worstAct });
    assert.ok(worstLogit < 1e-4, `${name}: logits off by ${worstLogit}; ${REGENERATE}`);
  });
}
