import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import manifest from '../../../package.json';
import type { SelfTracingApi } from '../../../src/extension/extension';
import { useFixtureModel } from './fixtureModel';
import { fake, type FakeContext, until, type FakePanel, sentOfType } from '../fakeVscode';
import { activateFresh, deactivate } from './activated';

// The extension's glue against the fake `vscode` module, with the real engine worker from dist/.
const root = path.resolve('.');
let context: FakeContext;
let api: SelfTracingApi;

beforeEach(() => {
  ({ context, api } = activateFresh());
});
afterEach(() => deactivate(context));


test('activate registers exactly the commands that package.json contributes', () => {
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual([...fake.state.commands.keys()].sort(), contributed);
  assert.ok(fake.state.serializers.has('selfTracing.graph'), 'panels are restored after a reload');
  assert.ok(manifest.activationEvents.includes('onWebviewPanel:selfTracing.graph'));
});

test('Trace Selection shows the selection in a CSP-protected panel once the page is ready, then its traced graph', async () => {
  useFixtureModel();
  fake.openEditor('so the cat sat', { fileName: '/ws/facts.txt', start: 3 });
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  assert.equal(fake.state.panels.length, 1);
  const panel = fake.state.panels[0];
  assert.equal(panel.viewType, 'selfTracing.graph');
  assert.match(panel.webview.html, /Content-Security-Policy/);
  assert.deepEqual(panel.webview.options.localResourceRoots?.map((u) => path.relative(root, u.fsPath)).sort(), ['dist', 'media']);
  assert.deepEqual(panel.webview.sent, [], 'nothing is posted before the page says it is ready');

  panel.receive({ type: 'ready' });
  const [shown] = sentOfType(panel, 'showSelection');
  assert.equal(shown.source.fileName, 'facts.txt');
  assert.deepEqual(shown.pieces.map((p: { text: string }) => p.text), ['the', ' cat', ' sat']);
  const [graph] = sentOfType(panel, 'showGraph');
  assert.equal(graph.fileName, 'facts.txt');
  assert.equal(graph.graph.selfTracing!.source!.text, 'the cat sat');
  const status = sentOfType(panel, 'engineStatus').at(-1);
  assert.equal(status!.status.state, 'ready');
  assert.match(status!.status.message, /gpt2-tiny: traced \d+ tokens into \d+ nodes/);
  assert.ok(fake.state.progress?.options.cancellable, 'the trace runs under cancellable progress');
});

test('a second trace reuses the open panel and replaces its content', async () => {
  fake.openEditor('one two');
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  fake.state.panels[0].receive({ type: 'ready' });
  fake.openEditor('three');
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  assert.equal(fake.state.panels.length, 1);
  assert.equal(sentOfType(fake.state.panels[0], 'showSelection').at(-1)!.source.text, 'three');
});

test('clicking a piece in the panel selects that piece in the editor', async () => {
  const editor = fake.openEditor('The capital of Texas is Austin');
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  const panel = fake.state.panels[0];
  panel.receive({ type: 'ready' });
  const { traceId } = sentOfType(panel, 'showSelection')[0];
  panel.receive({ type: 'revealPiece', traceId, index: 3 });
  const selected = () => editor.document.getText(editor.selection);
  await until(() => selected() !== editor.document.getText(), 2000, 'the piece to be selected');
  assert.equal(vscode.window.activeTextEditor, editor, 'in the document\'s editor');
  assert.equal(selected(), ' Texas');
  assert.ok(editor.revealed.at(-1)?.isEqual(editor.selection), 'and scrolled to');
});

test('malformed or stale messages from the page are logged and change nothing', async () => {
  fake.openEditor('hello world');
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  const panel = fake.state.panels[0];
  panel.receive({ type: 'revealPiece', traceId: 7, index: 'x' });
  panel.receive({ type: 'revealPiece', traceId: 'old-trace', index: 0 });
  assert.ok(fake.state.logs.some((l) => l.level === 'warn' && /malformed message \(revealPiece/.test(l.message)));
  assert.equal(vscode.window.activeTextEditor?.document.getText(), 'hello world', 'the editor did not change');
});

test('with nothing selected the cursor line is traced; with no editor a warning says what to do', async () => {
  fake.openEditor('first line\nsecond line', { start: 13, end: 13 });
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  fake.state.panels[0].receive({ type: 'ready' });
  assert.equal(sentOfType(fake.state.panels[0], 'showSelection')[0].source.text, 'second line');

  (vscode.window as { activeTextEditor?: unknown }).activeTextEditor = undefined;
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  assert.match(fake.state.messages.at(-1)?.message ?? '', /open a file and select/);
});

test('the status bar item follows the engine state and checks the engine on click', async () => {
  const item = fake.state.statusBarItems[0];
  assert.ok(item.shown);
  assert.equal(item.command, 'selfTracing.checkEngine');
  assert.match(item.text, /circle-outline/);
  await vscode.commands.executeCommand('selfTracing.checkEngine');
  assert.match(item.text, /\$\(pass\) Self-Tracing/);
  assert.equal(api.engine.status.state, 'ready');
});

test('a panel restored after a reload gets fresh options and page, and the panel reports what it rendered', async () => {
  const restored = vscode.window.createWebviewPanel('selfTracing.graph', 'Self-Tracing', vscode.ViewColumn.One, {}) as unknown as FakePanel;
  await fake.state.serializers.get('selfTracing.graph')!.deserializeWebviewPanel(restored as unknown as vscode.WebviewPanel, undefined);
  assert.equal(restored.webview.options.enableScripts, true);
  assert.match(restored.webview.html, /dist\/webview\.js/);
  const reports: unknown[] = [];
  api.onDidRenderPanel((r) => reports.push(r));
  const report = { type: 'rendered', traceId: 't', pieceCount: 3, engineState: 'ready', toolkit: true };
  restored.receive(report);
  assert.deepEqual(reports, [report]);
});
