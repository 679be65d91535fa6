// The comparison's optional graph file: the traced graph, pruned as `trace` prunes, for the editor's graph panel.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { loadModel, type Model } from '../../../../src/engine/model/model';
import { loadTranscoders } from '../../../../src/engine/model/transcoders';
import { compareMarkdown } from '../../../../src/engine/reasoning/resources';
import { attributionModel } from '../../../../src/engine/trace';
import { parseGraphJson } from '../../../../src/protocol/graph-json';
import { writeRandomTranscoders } from '../attribution/randomTranscoders';

const MODEL = path.resolve('test/fixtures/gpt2-tiny');
const SMALL = '---\ntemplate: "{prompt} {reasoning} {answer}"\n---\n## Prompt\n\nthe cat\n\n## Reasoning\n\n- a dog.\n\n## Answer\n\nx\n';
let model: Model;
let attributor: Attributor;

before(async () => {
  const tc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'reasoning-graph-')), 'transcoders');
  writeRandomTranscoders(tc, { nLayers: 2, dModel: 24, nFeatures: 24, sparsity: -0.3 });
  model = await loadModel(MODEL);
  attributor = await Attributor.create(attributionModel(model), loadTranscoders(tc));
});
after(() => {
  attributor?.dispose();
  model?.dispose();
});

test('a comparison returns no graph file unless asked, and a pruned, valid one targeting the answer when asked', async () => {
  const plain = await compareMarkdown({ model, attributor }, SMALL);
  assert.equal(plain.graph, undefined);

  const r = await compareMarkdown({ model, attributor }, SMALL, { graph: { nodeThreshold: 0.8, edgeThreshold: 0.98 } });
  const parsed = parseGraphJson(JSON.parse(JSON.stringify(r.graph)));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  const g = parsed.graph;
  assert.equal(g.metadata.prompt, 'the cat a dog.', 'the graph is of the laid-out context');
  assert.match(g.metadata.slug, /^reasoning-the-cat/);
  const target = g.nodes.find((n) => n.is_target_logit);
  assert.ok(target);
  assert.equal(g.selfTracing?.target?.nodeId, target.node_id);
  assert.equal(g.selfTracing?.target?.tokenId, r.summary.answer.tokenId);
  const ids = new Set(g.nodes.map((n) => n.node_id));
  for (const id of r.summary.claims.flatMap((c) => c.nodes).filter((id) => id.startsWith('E_'))) assert.ok(ids.has(id), `token node ${id} is kept`);
});
