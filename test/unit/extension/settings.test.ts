import assert from 'node:assert/strict';
import path from 'node:path';
import { beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { modelLocation } from '../../../src/extension/settings';
import { fake } from '../fakeVscode';

beforeEach(() => fake.reset());

test('an empty model path means the embedded model inside the extension', () => {
  assert.deepEqual(modelLocation('/ext'), { modelPath: path.join('/ext', 'models/organism'), transcoderPath: '', embedded: true });
});

test('a trusted workspace may set the model and transcoder paths', () => {
  fake.state.settings['selfTracing.modelPath'] = { workspaceValue: '/models/gpt2' };
  fake.state.settings['selfTracing.transcoderPath'] = { workspaceValue: ' /tc ' };
  assert.deepEqual(modelLocation('/ext'), { modelPath: '/models/gpt2', transcoderPath: '/tc', embedded: false });
});

test('in an untrusted workspace only the user-level paths count', () => {
  (vscode.workspace as { isTrusted: boolean }).isTrusted = false;
  fake.state.settings['selfTracing.modelPath'] = { workspaceValue: '/evil', globalValue: '/mine' };
  fake.state.settings['selfTracing.transcoderPath'] = { workspaceValue: '/evil-tc' };
  assert.deepEqual(modelLocation('/ext'), { modelPath: '/mine', transcoderPath: '', embedded: false });
});
