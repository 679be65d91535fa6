import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as vscode from 'vscode';
import { activate, deactivate } from '../../../src/extension/extension';
import { GRAPH_FILE_VIEW_TYPE } from '../../../src/extension/graphFiles/graphEditor';
import { useFixtureModel } from './fixtureModel';
import { fake, fakeContext, until, type FakePanel } from '../fakeVscode';

// The extension's lifecycle: every disposable it takes from the `vscode` API (registrations, listeners, panels,
// output channels, status bar items, decoration types, event emitters) is disposed when it is deactivated, which
// VS Code does by disposing context.subscriptions. The API is wrapped here, around the fake, to count them.
const root = path.resolve('.');
const NAMESPACES = ['window', 'workspace', 'languages', 'commands', 'comments'] as const;

interface Taken { readonly what: string; disposed: boolean }
const taken: Taken[] = [];
const restores: (() => void)[] = [];

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Makes `value.dispose` record that it ran, once `value` is counted as taken from `what`. */
function track<T>(value: T, what: string): T {
  const d = value as { dispose?: () => unknown } | undefined;
  if (!d || typeof d !== 'object' || typeof d.dispose !== 'function') return value;
  const entry: Taken = { what, disposed: false };
  taken.push(entry);
  const dispose = d.dispose;
  d.dispose = function (this: unknown) {
    entry.disposed = true;
    return dispose.call(this);
  };
  return value;
}

// the module object itself (an `import *` namespace is read-only): the extension's bundle reads it through getters
const vscodeModule = require('vscode') as Record<string, unknown>;

before(() => {
  const api = vscodeModule as Record<string, Record<string, unknown>>;
  for (const ns of NAMESPACES) {
    const target = api[ns];
    for (const key of Object.keys(target)) {
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (!descriptor || typeof descriptor.value !== 'function') continue;
      const original = descriptor.value as (...args: unknown[]) => unknown;
      target[key] = function (this: unknown, ...args: unknown[]) {
        return track(original.apply(this, args), `${ns}.${key}`);
      };
      restores.push(() => { target[key] = original; });
    }
  }
  const Emitter = vscode.EventEmitter;
  vscodeModule.EventEmitter = class TrackedEmitter<T> extends Emitter<T> {
    constructor() {
      super();
      track(this, 'new EventEmitter');
    }
  };
  restores.push(() => { vscodeModule.EventEmitter = Emitter; });
});
after(() => {
  for (const restore of restores.splice(0).reverse()) restore();
});

test('deactivating disposes everything the extension registered or opened, and stops the engine process, after a trace, a revived panel and a graph file', async () => {
  fake.reset();
  useFixtureModel();
  const context = fakeContext(root);
  const api = activate(context as unknown as vscode.ExtensionContext);
  assert.ok(fake.state.commands.size > 0 && fake.state.serializers.size > 0 && fake.state.hoverProviders.length > 0);

  // a trace opens the trace panel and starts the engine worker
  fake.openEditor('so the cat sat', { fileName: '/ws/facts.txt' });
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  const tracePanel = fake.state.panels[0];
  tracePanel.receive({ type: 'ready' });
  await vscode.commands.executeCommand('selfTracing.checkEngine');
  const pid = Number(/engine process (\d+)/.exec(api.engine.status.message)?.[1]);
  assert.ok(pid > 0 && isRunning(pid), `the engine runs in its own process (${api.engine.status.message})`);
  // VS Code revives a second panel after a reload: it replaces the first
  const revived = vscode.window.createWebviewPanel('selfTracing.graph', 'Self-Tracing', vscode.ViewColumn.One, {}) as unknown as FakePanel;
  await fake.state.serializers.get('selfTracing.graph')!.deserializeWebviewPanel(revived as unknown as vscode.WebviewPanel, undefined);
  assert.ok(tracePanel.disposed, 'the revived panel replaces the open one');
  // a graph file in its editor
  const doc = fake.createEditableDocument(readFileSync('test/fixtures/graphs/circuit-tracer-saved.json', 'utf8'), '/ws/dallas.graph.json');
  const filePanel = await fake.openCustomEditor(GRAPH_FILE_VIEW_TYPE, doc);
  filePanel.receive({ type: 'ready' });
  assert.ok(taken.length > 20, `the API was counted (${taken.length} disposables)`);

  for (const d of context.subscriptions.splice(0)) d.dispose();
  deactivate();

  const left = taken.filter((t) => !t.disposed).map((t) => t.what);
  assert.deepEqual(left, [], 'every disposable taken from the API is disposed');
  assert.equal(fake.state.commands.size, 0, 'no command is left registered');
  assert.equal(fake.state.serializers.size, 0);
  assert.equal(fake.state.customEditors.size, 0);
  assert.equal(fake.state.hoverProviders.length + fake.state.codeLensProviders.length + fake.state.inlayHintsProviders.length, 0);
  assert.equal(fake.state.contentProviders.size, 0);
  assert.deepEqual(fake.state.panels.filter((p) => !p.disposed).map((p) => p.viewType), [], 'no panel is left open');
  await until(() => !isRunning(pid), 10_000, 'the engine process to end');
});
