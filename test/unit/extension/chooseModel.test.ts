// Self-Tracing: Choose Model… over a fake Hugging Face cache: the picks, the settings it writes, and tracing with them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { chooseModel } from '../../../src/extension/chooseModel';
import { missingModel } from '../../../src/extension/selectionTracer';
import { modelLocation } from '../../../src/extension/settings';
import { fakeCache } from '../engine/transcoders/fakeCache';
import { fake } from '../fakeVscode';

const cache = fakeCache();
const env = { HF_HUB_CACHE: cache };
const log = vscode.window.createOutputChannel('test', { log: true }) as vscode.LogOutputChannel;
beforeEach(() => fake.reset());

test('the pick lists the embedded model, each supported cached checkpoint with its transcoders, the broken ones, and Browse…', async () => {
  fake.state.answers.push(undefined);
  assert.equal(await chooseModel(log, env), undefined);
  const items = fake.state.quickPicks[0].items;
  const labels = items.map((i) => `${i.label}|${i.description ?? ''}`);
  assert.equal(labels[0].split('|')[0], '$(package) Embedded model');
  assert.ok(labels.includes('test-org/gpt2-tiny|with test-org/gpt2-tiny-transcoders'), labels.join('\n'));
  assert.ok(labels.some((l) => /^\$\(warning\) state-spaces\/mamba-tiny\|architecture MambaForCausalLM is not supported/.test(l)));
  assert.ok(labels.some((l) => /^\$\(warning\) test-org\/gpt2-sharded\|1 of 2 weight shards missing/.test(l)));
  assert.equal(items.at(-1)!.label, '$(folder-opened) Browse…');
  assert.equal(Object.keys(fake.state.settings).length, 0, 'nothing written when the pick is dismissed');
});

test('an empty cache says so in a row of its own, with where it looked; the separator above it is short, so it does not cover that row', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'st-empty-hub-'));
  fake.state.answers.push(undefined);
  await chooseModel(log, { HF_HUB_CACHE: empty });
  const items = fake.state.quickPicks[0].items;
  const separator = items.find((i) => i.kind === vscode.QuickPickItemKind.Separator && i.label)!;
  assert.equal(separator.label, 'Hugging Face cache', 'no path in the separator: VS Code draws it over the next row');
  const none = items[items.indexOf(separator) + 1];
  assert.equal(none.label, 'No supported checkpoint in this cache');
  assert.equal(none.description, `looked in ${empty}`);
  assert.match(none.detail ?? '', /HF_HUB_CACHE or HF_HOME/);
});

test('picking a cached pair writes repo ids to the user settings, and the tracer finds them', async () => {
  const pick = async () => {
    fake.state.answers.push(undefined);
    await chooseModel(log, env);
    return fake.state.quickPicks.at(-1)!.items.find((i) => i.description === 'with test-org/gpt2-tiny-transcoders');
  };
  fake.state.answers.push(await pick());
  assert.deepEqual(await chooseModel(log, env), { modelPath: 'test-org/gpt2-tiny', transcoderPath: 'test-org/gpt2-tiny-transcoders' });
  assert.equal(fake.state.settings['selfTracing.modelPath'].globalValue, 'test-org/gpt2-tiny');
  assert.equal(fake.state.settings['selfTracing.transcoderPath'].globalValue, 'test-org/gpt2-tiny-transcoders');
  const location = modelLocation('/ext');
  assert.deepEqual(location, { modelPath: 'test-org/gpt2-tiny', transcoderPath: 'test-org/gpt2-tiny-transcoders', embedded: false });
  const saved = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = cache;
  try {
    assert.equal(missingModel(location), undefined);
    assert.equal(missingModel({ ...location, transcoderPath: '' }), undefined, 'the cached set made for the model is found without naming it');
    assert.match(missingModel({ ...location, modelPath: 'meta-llama/Llama-3.2-1B' })!, /"meta-llama\/Llama-3.2-1B" is not in the local Hugging Face cache \(looked in /);
    assert.match(missingModel({ ...location, transcoderPath: 'mntss/transcoder-Llama-3.2-1B' })!, /not in the local Hugging Face cache.*Set selfTracing.transcoderPath/);
  } finally {
    process.env.HF_HUB_CACHE = saved;
  }
});

test('Embedded model clears both settings; Browse… takes a checkpoint folder and asks for transcoders when it has none', async () => {
  fake.state.answers.push({ label: 'x', action: 'embedded' });
  assert.deepEqual(await chooseModel(log, env), { modelPath: '', transcoderPath: '' });
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'st-browse-'));
  fs.writeFileSync(path.join(folder, 'config.json'), '{}');
  fake.state.answers.push({ label: 'b', action: 'browse' }, [vscode.Uri.file(folder)], [vscode.Uri.file('/tc/here')]);
  assert.deepEqual(await chooseModel(log, env), { modelPath: folder, transcoderPath: '/tc/here' });
  fake.state.answers.push({ label: 'b', action: 'browse' }, [vscode.Uri.file(os.tmpdir())]);
  assert.equal(await chooseModel(log, env), undefined);
  assert.match(fake.state.messages.at(-1)!.message, /has no config.json; choose a Hugging Face checkpoint folder/);
});
