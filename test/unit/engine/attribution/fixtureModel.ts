// Loads a committed attribution fixture (tools/reference/attribution_ref.py): a tiny random GPT-2, its transcoders
// and the reference numbers computed by PyTorch autograd.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AttributionModel } from '../../../../src/engine/attribution/attribute';
import { architectureOf, familyOf } from '../../../../src/engine/families/registry';
import { SafetensorsFile, TensorStore } from '../../../../src/engine/model/safetensors';
import { loadTranscoders, type TranscoderSet } from '../../../../src/engine/model/transcoders';
import { unpackForward, forwardNames } from '../../../../src/engine/onnx/forward';
import { GraphSession } from '../../../../src/engine/onnx/session';

/** tests run from the repository root */
export const FIXTURES = path.resolve('test/fixtures/attribution');
export const FIXTURE_NAMES = ['plt-relu-skip', 'plt-jumprelu-resid', 'plt-topk-normalized', 'clt-relu'];

export interface Fixture {
  model: AttributionModel & { session: GraphSession };
  transcoders: TranscoderSet;
  ids: number[];
  expected: Record<string, Float32Array>;
  meta: { n_active: number; n_logits: number; budget: { max_feature_nodes: number; batch_size: number; update_interval: number } };
}

export async function loadFixture(name: string, root = FIXTURES): Promise<Fixture> {
  const dir = path.join(root, name);
  const file = path.join(dir, 'config.json');
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const arch = architectureOf(raw, file);
  const family = familyOf({ architecture: arch });
  const config = family.parseConfig(raw, file, arch);
  const store = TensorStore.openFolder(dir);
  const weights = family.loadWeights(store, config, dir);
  store.close();
  const session = await GraphSession.create(family.forwardGraph(config, weights), { threads: 1 });
  const model = {
    config,
    weights,
    session,
    forward: async (ids: number[]) =>
      unpackForward(await session.run({ [forwardNames.inputIds]: { data: BigInt64Array.from(ids, BigInt), dims: [1, ids.length] } }), ids, config.nLayers),
    decode: (id: number) => `<${id}>`,
  };
  const exp = SafetensorsFile.open(path.join(dir, 'expected.safetensors'));
  const expected: Record<string, Float32Array> = {};
  for (const n of exp.names()) expected[n] = exp.read(n);
  exp.close();
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
  return { model, transcoders: loadTranscoders(path.join(dir, 'transcoders')), ids: json.ids, expected, meta: json };
}
