// The comparison's optional graph file: the prompt-only graph, pruned as `trace` prunes, for the editor's graph
// panel, on the embedded model.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { loadModel, type Model } from '../../../../src/engine/model/model';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';
import { compareMarkdown, featureDirOf, loadEvidence } from '../../../../src/engine/reasoning/resources';
import { loadLexicon } from '../../../../src/engine/reasoning/lexicon';
import { attributionModel } from '../../../../src/engine/trace';
import { parseGraphJson } from '../../../../src/protocol/graph-json';

const ORGANISM = path.resolve('models/organism');
const DOC = '## Prompt\n\nFact: the capital of the state containing Dallas is\n\n## Reasoning\n\n- Dallas is a city in Texas.\n\n## Answer\n\nAustin\n';
let model: Model;
let attributor: Attributor;

before(async () => {
  model = await loadModel(ORGANISM);
  attributor = await Attributor.create(attributionModel(model), loadTranscoders(path.join(ORGANISM, 'transcoders')));
});
after(() => {
  attributor?.dispose();
  model?.dispose();
});

test('asked for, the graph file is the pruned prompt-only graph targeting the answer, and keeps the claims\' prompt tokens', { timeout: 300_000 }, async () => {
  const tools = { model, attributor, evidence: loadEvidence(featureDirOf(ORGANISM)), lexicon: loadLexicon(ORGANISM) };
  const r = await compareMarkdown(tools, DOC, { graph: { nodeThreshold: 0.8, edgeThreshold: 0.98 } });
  const parsed = parseGraphJson(JSON.parse(JSON.stringify(r.graph)));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  const g = parsed.graph;
  assert.equal(g.metadata.prompt, 'Fact: the capital of the state containing Dallas is', 'the graph is of the prompt alone');
  assert.match(g.metadata.slug, /^reasoning-fact-the-capital/);
  const target = g.nodes.find((n) => n.is_target_logit);
  assert.ok(target);
  assert.equal(g.selfTracing?.target?.nodeId, target.node_id);
  assert.equal(g.selfTracing?.target?.token, ' Austin');
  const ids = new Set(g.nodes.map((n) => n.node_id));
  const dallas = r.summary.claims[0].nodes.filter((id) => id.startsWith('E_'));
  assert.ok(dallas.length > 0);
  for (const id of dallas) assert.ok(ids.has(id), `token node ${id} is kept`);
});
