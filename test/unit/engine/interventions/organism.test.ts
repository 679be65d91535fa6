// Acceptance on the embedded model (issue 9): on "Fact: the capital of the state containing Dallas is" → " Austin",
// ablating the Dallas prompt's state features lowers " Austin", and swapping in a California prompt's features moves
// the answer toward " Sacramento". The state features are found by contrast, not by hand: at the last two positions
// (" Dallas"/" Francisco" and " is"), the features most active on one prompt and least on the other. Skipped until
// models/organism/ carries its transcoders. SELF_TRACE_VERBOSE=1 prints the numbers for the notes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Intervener, type InterventionResult } from '../../../../src/engine/interventions/intervene';
import type { Intervention, InterventionMode } from '../../../../src/engine/interventions/spec';
import { loadModel, type Model } from '../../../../src/engine/model/model';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';
import { attributionModel } from '../../../../src/engine/trace';

const DIR = path.resolve('models/organism');
const TRANSCODERS = path.join(DIR, 'transcoders');
const missing = !fs.existsSync(path.join(DIR, 'config.json')) || !fs.existsSync(TRANSCODERS);
const skip = missing ? `the embedded model is not in ${DIR} yet (needs config.json and transcoders/; issue 4)` : false;

const DALLAS = 'Fact: the capital of the state containing Dallas is';
const CALIFORNIA = 'Fact: the capital of the state containing San Francisco is';
/** how many features per aligned position make a state's supernode */
const PER_POSITION = 4;

interface StateFeature {
  layer: number;
  feature: number;
  pos: number;
  /** its activation on its own prompt */
  value: number;
}

/**
 * The features of prompt A at its last `span` positions that are active there and whose activation drops most at the
 * same position (counted from the end) of prompt B: PER_POSITION per position, across every layer.
 */
async function contrast(iv: Intervener, a: number[], b: number[], span = 2): Promise<StateFeature[]> {
  const n = iv.transcoders.dTranscoder;
  const [ea, eb] = [(await iv.activations(a)).act, (await iv.activations(b)).act];
  const out: StateFeature[] = [];
  for (let j = 0; j < span; j++) {
    const [pa, pb] = [a.length - 1 - j, b.length - 1 - j];
    const scored: (StateFeature & { diff: number })[] = [];
    ea.forEach((layerActs, layer) => {
      for (let f = 0; f < n; f++) {
        const value = layerActs[pa * n + f];
        const diff = value - eb[layer][pb * n + f];
        if (value > 0 && diff > 0) scored.push({ layer, feature: f, pos: pa, value, diff });
      }
    });
    scored.sort((x, y) => y.diff - x.diff);
    out.push(...scored.slice(0, PER_POSITION).map((s) => ({ layer: s.layer, feature: s.feature, pos: s.pos, value: s.value })));
  }
  return out;
}

const firstToken = (model: Model, text: string) => model.tokenize(text).filter((t) => t.id !== model.tokenizer.bosId)[0].id;

test('embedded model: ablating the Dallas state features lowers " Austin"; swapping in California features raises " Sacramento"', { skip }, async () => {
  const model = await loadModel(DIR);
  const tc = loadTranscoders(TRANSCODERS);
  const iv = await Intervener.create(attributionModel(model), tc);
  try {
    const dallas = model.tokenize(DALLAS).map((t) => t.id);
    const california = model.tokenize(CALIFORNIA).map((t) => t.id);
    const austin = firstToken(model, ' Austin');
    const sacramento = firstToken(model, ' Sacramento');
    const texas = await contrast(iv, dallas, california);
    const calif = await contrast(iv, california, dallas);
    assert.ok(texas.length > 0 && calif.length > 0, 'found state features by contrast');

    const ablate: Intervention[] = texas.map((f) => ({ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos], op: { kind: 'scale', factor: 0 } }));
    // California's features set to their California values at the aligned positions of the Dallas prompt
    const shift = dallas.length - california.length;
    const swapIn: Intervention[] = calif.map((f) => ({ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos + shift], op: { kind: 'set', value: f.value } }));
    const targets = [austin, sacramento];
    const report = (name: string, mode: InterventionMode, r: InterventionResult) => {
      if (process.env.SELF_TRACE_VERBOSE) {
        const [a, s] = r.targets;
        console.log(`${name} (${mode}): P( Austin) ${a.cleanProb.toFixed(4)} → ${a.prob.toFixed(4)}, P( Sacramento) ${s.cleanProb.toFixed(4)} → ${s.prob.toFixed(4)}; top ${JSON.stringify(r.intervened.top[0].token)}`);
      }
      return r;
    };
    if (process.env.SELF_TRACE_VERBOSE) console.log({ texas, california: calif });

    for (const mode of ['free', 'frozen'] as InterventionMode[]) {
      const ablated = report('ablate Texas', mode, await iv.intervene(dallas, ablate, { mode, targets }));
      assert.equal(ablated.clean.top[0].id, austin, 'the clean model answers " Austin"');
      assert.ok(ablated.targets[0].prob < ablated.targets[0].cleanProb, `${mode}: ablation lowers P( Austin)`);

      const swapped = report('swap in California', mode, await iv.intervene(dallas, [...ablate, ...swapIn], { mode, targets, generate: 3 }));
      const [a, s] = swapped.targets;
      if (mode === 'free') assert.ok(s.prob > s.cleanProb, `${mode}: the swap raises P( Sacramento)`);
      assert.ok(s.logit - a.logit > s.cleanLogit - a.cleanLogit, `${mode}: the answer moves from " Austin" toward " Sacramento"`);
    }
  } finally {
    iv.dispose();
    tc.close();
    model.dispose();
  }
});
