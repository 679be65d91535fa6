// Models and transcoder sets found in a fake Hugging Face cache (laid out as huggingface_hub writes it): repo ids
// resolve to snapshots, the catalog pairs sets with models, and what is missing is said with where we looked.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultTranscoders, scanHubCache, transcodersFit } from '../../../../src/engine/model/catalog';
import { hubCacheDir, parseRepoRef, resolveHfUri, resolveLocation } from '../../../../src/engine/model/hfCache';
import { loadModel } from '../../../../src/engine/model/model';
import { fakeCache } from './fakeCache';

const GPT2 = path.resolve('test/fixtures/gpt2-tiny');

test('the cache folder follows huggingface_hub: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub', () => {
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '/a/b', HF_HOME: '/c' }), '/a/b');
  assert.equal(hubCacheDir({ HF_HOME: '/c' }), '/c/hub');
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/huggingface/hub');
  assert.equal(hubCacheDir({}), path.join(os.homedir(), '.cache', 'huggingface', 'hub'));
  assert.deepEqual(parseRepoRef('mwhanna/gemma-scope-2-1b-pt/transcoder_all/width_16k@v2'), { repoId: 'mwhanna/gemma-scope-2-1b-pt', subfolder: 'transcoder_all/width_16k', revision: 'v2' });
  assert.equal(parseRepoRef('not a repo'), undefined);
  assert.equal(parseRepoRef('../etc/passwd'), undefined);
});

test('a repo id resolves to the snapshot refs/main names, and loads as a model; folders still work', async () => {
  const cache = fakeCache();
  const env = { HF_HUB_CACHE: cache };
  const dir = resolveLocation('test-org/gpt2-tiny', 'Model', env);
  assert.match(dir, /models--test-org--gpt2-tiny\/snapshots\/[0-9a-f]{40}$/);
  assert.equal(resolveLocation(GPT2, 'Model', env), GPT2);
  const model = await loadModel(dir);
  assert.equal(model.config.nLayers, 2);
  model.dispose();
  assert.throws(() => resolveLocation('meta-llama/Llama-3.2-1B', 'Model', env), (e: Error) =>
    e.message.includes(`Model "meta-llama/Llama-3.2-1B" is not in the local Hugging Face cache (looked in ${path.join(cache, 'models--meta-llama--Llama-3.2-1B')})`) &&
    e.message.includes('never downloads'));
  assert.throws(() => resolveHfUri('hf://test-org/gpt2-tiny/nope.bin', env), /nope.bin of "test-org\/gpt2-tiny" is not in the local Hugging Face cache/);
});

test('the catalog lists checkpoints (supported or why not) and pairs each with the transcoder sets made for it', () => {
  const cache = fakeCache();
  const env = { HF_HUB_CACHE: cache };
  const cat = scanHubCache(env);
  const byId = Object.fromEntries(cat.models.map((m) => [m.repoId, m]));
  assert.deepEqual(Object.keys(byId).sort(), ['state-spaces/mamba-tiny', 'test-org/gpt2-sharded', 'test-org/gpt2-tiny']);
  assert.equal(byId['test-org/gpt2-tiny'].problem, undefined);
  assert.match(byId['state-spaces/mamba-tiny'].problem!, /architecture MambaForCausalLM is not supported/);
  assert.match(byId['test-org/gpt2-sharded'].problem!, /1 of 2 weight shards missing \(model-00002-of-00002.safetensors/);
  assert.equal(cat.transcoders.length, 1);
  const tc = cat.transcoders[0];
  assert.equal(tc.ref, 'test-org/gpt2-tiny-transcoders');
  assert.equal(transcodersFit(byId['test-org/gpt2-tiny'], tc), 'named');
  assert.equal(transcodersFit(byId['state-spaces/mamba-tiny'], tc), undefined, 'a set named for another model does not fit on shape alone');
  assert.equal(defaultTranscoders('test-org/gpt2-tiny', env), tc.dir);
  assert.throws(() => defaultTranscoders('test-org/gpt2-sharded', env), /No transcoders for test-org\/gpt2-sharded in the local Hugging Face cache/);
});
