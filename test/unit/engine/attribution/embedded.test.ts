// On the embedded model (models/organism, once it ships with transcoders): the Dallas prompt's pruned graph has a
// path from the " Dallas" token through features to the " Austin" logit, and the acceptance check holds there too.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { graphLayout } from '../../../../src/engine/attribution/graph';
import { loadModel } from '../../../../src/engine/model/model';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';
import { attributionModel, tracePrompt } from '../../../../src/engine/trace';
import { checkColumns } from './constrained';

const DIR = path.resolve('models/organism');
const present = fs.existsSync(path.join(DIR, 'transcoders', 'config.yaml')) && fs.existsSync(path.join(DIR, 'config.json'));
const PROMPT = 'Fact: the capital of the state containing Dallas is';

test('embedded model: the Dallas prompt has a path Dallas → features → " Austin"', { skip: !present && 'models/organism has no transcoders yet' }, async () => {
  const model = await loadModel(DIR);
  const tc = loadTranscoders(path.join(DIR, 'transcoders'));
  const at = await Attributor.create(attributionModel(model), tc);
  const { graph, tokens } = await tracePrompt({ model, attributor: at }, PROMPT, { targets: [' Austin'] });
  const dallas = tokens.findIndex((t) => t.text === ' Dallas');
  assert.ok(dallas > 0, 'the prompt has a " Dallas" token');
  const start = graph.nodes.find((n) => n.feature_type === 'embedding' && n.ctx_idx === dallas)!.node_id;
  const goal = graph.nodes.find((n) => n.feature_type === 'logit')!.node_id;
  const out = new Map<string, string[]>();
  for (const l of graph.links) out.set(l.source, [...(out.get(l.source) ?? []), l.target]);
  const kind = new Map(graph.nodes.map((n) => [n.node_id, n.feature_type]));
  // breadth-first over links, remembering whether a feature was passed
  const seen = new Set<string>([start]);
  let frontier: { id: string; viaFeature: boolean; path: string[] }[] = [{ id: start, viaFeature: false, path: [start] }];
  let found: string[] | undefined;
  while (frontier.length && !found) {
    const next: typeof frontier = [];
    for (const f of frontier) {
      for (const t of out.get(f.id) ?? []) {
        const via = f.viaFeature || kind.get(t) === 'cross layer transcoder';
        if (t === goal && f.viaFeature) found = [...f.path, t];
        if (!seen.has(t)) {
          seen.add(t);
          next.push({ id: t, viaFeature: via, path: [...f.path, t] });
        }
      }
    }
    frontier = next;
  }
  assert.ok(found, 'a path from " Dallas" through at least one feature to " Austin"');
  console.log(`path: ${found.join(' → ')}`);
  at.dispose();
  tc.close();
  model.dispose();
});

test('embedded model: adding sources in the frozen forward moves pre-activations and logits by their columns', { skip: !present && 'models/organism has no transcoders yet' }, async () => {
  const model = await loadModel(DIR);
  const tc = loadTranscoders(path.join(DIR, 'transcoders'));
  const at = await Attributor.create(attributionModel(model), tc);
  const ids = model.tokenize(PROMPT).map((t) => t.id);
  const res = await at.attribute(ids, { maxFeatureNodes: null });
  const lay = graphLayout(res.graph);
  const session = await model.forwardSession({ freeze: { patterns: true, normScales: true, mlpOut: true }, mlpOutDelta: true, embedDelta: true });
  const step = Math.max(1, Math.floor(lay.nFeatures / 40));
  const sources = [
    ...Array.from({ length: lay.nFeatures }, (_, i) => i).filter((i) => i % step === 0),
    ...Array.from({ length: lay.tokenStart - lay.errorStart }, (_, i) => lay.errorStart + i).filter((s) => (s - lay.errorStart) % lay.nPos !== 0).filter((_, i) => i % 3 === 0),
    ...Array.from({ length: lay.nPos - 1 }, (_, i) => lay.tokenStart + 1 + i),
  ];
  const r = await checkColumns(model.config, tc, res, session, sources, undefined, 8);
  assert.ok(r.featureExcess <= 0 && r.logitExcess <= 0, `${r.worst} (excess ${r.featureExcess}, ${r.logitExcess})`);
  session.dispose();
  at.dispose();
  tc.close();
  model.dispose();
});
