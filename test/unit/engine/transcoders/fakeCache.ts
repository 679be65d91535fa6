// A fake Hugging Face hub cache for tests: the tiny GPT-2 fixture as test-org/gpt2-tiny with a transcoder set made
// for it, a checkpoint of an unsupported architecture and a sharded one with a shard missing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { text, writeCachedRepo } from '../../../../tools/transcoderLayouts';
import { writeRandomTranscoders } from '../attribution/randomTranscoders';

const GPT2 = path.resolve('test/fixtures/gpt2-tiny');
const copy = (from: string) => (to: string) => fs.copyFileSync(from, to);

/** a cache with the tiny GPT-2 as test-org/gpt2-tiny, its transcoders, a model we do not support and a broken one */
export function fakeCache(): string {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'st-hub-'));
  const model: Record<string, (f: string) => void> = {};
  for (const f of fs.readdirSync(GPT2)) model[f] = copy(path.join(GPT2, f));
  writeCachedRepo(cache, 'test-org/gpt2-tiny', model);
  const tcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-tc-'));
  writeRandomTranscoders(tcDir, { nLayers: 2, dModel: 24, nFeatures: 48, skip: true, sparsity: 0.3 });
  const tcFiles: Record<string, (f: string) => void> = {
    'config.yaml': text('model_name: test-org/gpt2-tiny\nmodel_kind: transcoder_set\nfeature_input_hook: mlp.hook_in\nfeature_output_hook: mlp.hook_out\n'),
  };
  for (const l of [0, 1]) tcFiles[`layer_${l}.safetensors`] = copy(path.join(tcDir, `layer_${l}.safetensors`));
  writeCachedRepo(cache, 'test-org/gpt2-tiny-transcoders', tcFiles);
  writeCachedRepo(cache, 'state-spaces/mamba-tiny', { 'config.json': text('{"architectures": ["MambaForCausalLM"], "num_hidden_layers": 2, "hidden_size": 24}') });
  writeCachedRepo(cache, 'test-org/gpt2-sharded', {
    'config.json': copy(path.join(GPT2, 'config.json')),
    'tokenizer.json': copy(path.join(GPT2, 'tokenizer.json')),
    'model.safetensors.index.json': text(JSON.stringify({ weight_map: { 'wte.weight': 'model-00001-of-00002.safetensors', 'h.0.ln_1.weight': 'model-00002-of-00002.safetensors' } })),
    'model-00001-of-00002.safetensors': copy(path.join(GPT2, 'model.safetensors')),
  });
  return cache;
}

