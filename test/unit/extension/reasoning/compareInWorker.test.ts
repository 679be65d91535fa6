import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import manifest from '../../../../package.json';
import type { ReasoningResult } from '../../../../src/engine/reasoning/resources';
import { activate, type SelfTracingApi } from '../../../../src/extension/extension';
import { CLAIM_COLOR_IDS } from '../../../../src/extension/reasoning/reasoningEditor';
import { REASONING_COMMANDS } from '../../../../src/extension/reasoning/reasoningView';
import { fake, rangeOf } from '../../fakeVscode';

// Compare Stated Reasoning through the activated extension and the real engine worker from dist/, on the embedded
// model (the default: no model path set).
const root = path.resolve('.');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reasoning-ext-'));
const SMALL = '## Prompt\n\nFact: the capital of the state containing Dallas is\n\n## Reasoning\n\n- Dallas is a city in Ohio.\n\n## Answer\n\nAustin\n';
let context: { subscriptions: vscode.Disposable[]; extensionUri: vscode.Uri; extensionPath: string; workspaceState: vscode.Memento };
let api: SelfTracingApi;

after(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => {
  fake.reset();
  const state = new Map<string, unknown>();
  const workspaceState = { keys: () => [...state.keys()], get: (k: string, d?: unknown) => (state.has(k) ? state.get(k) : d), update: async (k: string, v: unknown) => { state.set(k, v); } };
  context = { subscriptions: [], extensionUri: vscode.Uri.file(root), extensionPath: root, workspaceState: workspaceState as vscode.Memento };
  api = activate(context as unknown as vscode.ExtensionContext);
});
afterEach(() => {
  for (const d of context.subscriptions.splice(0)) d.dispose();
});

test('the commands are contributed where they apply, and the claim colours are theme colours', () => {
  const menus = manifest.contributes.menus as Record<string, { command: string; when?: string }[]>;
  assert.deepEqual(menus['editor/title'].find((m) => m.command === REASONING_COMMANDS.compare), { command: REASONING_COMMANDS.compare, when: 'resourceLangId == markdown', group: 'navigation@90' });
  assert.ok(menus['editor/context'].some((m) => m.command === REASONING_COMMANDS.explain && m.when === 'editorHasSelection'));
  for (const id of Object.values(REASONING_COMMANDS)) {
    assert.ok(fake.state.commands.has(id), id);
    assert.ok(manifest.activationEvents.includes(`onCommand:${id}`), id);
  }
  assert.ok(manifest.activationEvents.includes('onLanguage:markdown'), 'the heading lens needs the extension active on markdown');
  const colors = new Set(manifest.contributes.colors.map((c) => c.id));
  for (const id of Object.values(CLAIM_COLOR_IDS)) assert.ok(colors.has(id), id);
});

test('a comparison in the worker marks the claim, opens its prompt-only graph in the panel, the hovers link to that trace, the contradicted claim is a Problem', { timeout: 300_000 }, async () => {
  const editor = fake.openEditor(SMALL, { fileName: '/ws/small.md' });
  const result = await vscode.commands.executeCommand<ReasoningResult>(REASONING_COMMANDS.compare);
  assert.ok(result, fake.state.messages.map((m) => m.message).join('\n'));
  assert.equal(result.summary.claims.length, 1);
  assert.ok(result.graph, 'the worker returned the graph file');

  const trace = api.traces.current!;
  assert.equal(trace.fileName, 'small.md (stated reasoning)');
  assert.equal(trace.graph.metadata.prompt, 'Fact: the capital of the state containing Dallas is');
  const panel = fake.state.panels[0];
  panel.receive({ type: 'ready' });
  assert.ok(panel.webview.sent.some((m) => (m as { type: string; traceId?: string }).type === 'showGraph' && (m as { traceId: string }).traceId === trace.traceId));

  const marked = [...editor.decorations.values()].flat();
  assert.equal(marked.length, 1);
  assert.equal(editor.document.getText(rangeOf(marked[0])), 'Dallas is a city in Ohio.');
  const reasoningHover = fake.state.hoverProviders.at(-1)!;
  const hover = reasoningHover.provideHover(editor.document, new vscode.Position(6, 3), {} as vscode.CancellationToken) as vscode.Hover;
  const text = (hover.contents[0] as vscode.MarkdownString).value;
  const kept = result.summary.claims[0].nodes.filter((id) => trace.graph.nodes.some((n) => n.node_id === id));
  assert.ok(kept.length > 0, 'the token the claim names stays in the pruned graph');
  assert.ok(text.includes(encodeURIComponent(JSON.stringify([{ traceId: trace.traceId, nodeId: kept[0] }]))), text);
  assert.equal(result.summary.claims[0].status, 'contradicted');
  const problems = fake.state.diagnostics.get(editor.document.uri.toString()) ?? [];
  assert.equal(problems.length, 1);
  assert.equal(problems[0].range.start.line, 6);
  assert.match(problems[0].message, /^Contradicted by the computation: this claim names “Ohio” where the computation holds “Texas”/);
  assert.equal(fake.state.statusBarItems.find((i) => i.id === 'selfTracing.reasoning')!.text, `$(error) contradicted ${result.summary.score.toFixed(2)}`);
});

test('a model folder that does not exist is reported with Open Settings', async () => {
  fake.state.settings['selfTracing.modelPath'] = { globalValue: path.join(tmp, 'no-such-model') };
  fake.openEditor(SMALL, { fileName: '/ws/small.md' });
  assert.equal(await vscode.commands.executeCommand(REASONING_COMMANDS.compare), undefined);
  const message = fake.state.messages.at(-1)!;
  assert.equal(message.severity, 'error');
  assert.deepEqual(message.actions, ['Choose Model…', 'Open Settings']);
});
