// Compare With… and Open Study Report against the fake `vscode`: the quick pick lists the earlier traces and a
// file entry, the panel receives a showComparison the webview's own check accepts, bad files get a clear message;
// the study report opens in a webview without scripts under the report CSP.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { activate, type SelfTracingApi } from '../../../src/extension/extension';
import { GRAPH_FILE_VIEW_TYPE } from '../../../src/extension/graphFiles/graphEditor';
import type { GraphJson } from '../../../src/protocol/graph-json';
import { parseToWebview } from '../../../src/protocol/messages';
import { fake, fakeContext, type FakeContext, sentOfType as sent } from '../fakeVscode';

const graph = (l: string) => JSON.parse(fs.readFileSync(`test/fixtures/graphs/multilingual/${l}.graph.json`, 'utf8')) as GraphJson;
let context: FakeContext;
let api: SelfTracingApi;

beforeEach(() => {
  fake.reset();
  context = fakeContext(path.resolve('.'));
  api = activate(context as unknown as vscode.ExtensionContext);
});
afterEach(() => {
  for (const d of context.subscriptions.splice(0)) d.dispose();
});

const run = (command: string, ...args: unknown[]) => fake.state.commands.get(command)!(...args) as Promise<unknown>;

test('Compare With… an earlier trace: the quick pick offers it, the panel gets a valid comparison', async () => {
  api.traces.show({ graph: graph('en'), fileName: 'english.md' });
  const traceId = api.traces.show({ graph: graph('fr'), fileName: 'french.md' });
  const panel = fake.state.panels.find((p) => p.viewType === 'selfTracing.graph')!;
  panel.receive({ type: 'ready' });
  fake.state.answers.push({ label: 'english.md', graph: graph('en') });
  await run('selfTracing.compareWith');
  const items = fake.state.quickPicks[0].items.map((i) => i.label);
  assert.deepEqual(items, ['english.md', '$(folder-opened) Graph file…'], 'the earlier trace (not the shown one) and a file');
  const [message] = sent(panel, 'showComparison');
  assert.equal(message.traceId, traceId);
  const parsed = parseToWebview(JSON.parse(JSON.stringify(message)));
  assert.ok(parsed.ok, !parsed.ok ? parsed.reason : '');
  assert.equal(message.comparison!.mode, 'id');
  assert.ok(message.comparison!.headline.sharedInfluenceA > 0.5);
  // a reload of the page gets it again
  panel.receive({ type: 'ready' });
  assert.equal(sent(panel, 'showComparison').length, 2);
});

test('Compare With… a graph file; a bad file or no trace is a clear message', async () => {
  await run('selfTracing.compareWith');
  assert.match(fake.state.messages.at(-1)!.message, /nothing to compare yet/);
  api.traces.show({ graph: graph('fr'), fileName: 'french.md' });
  const panel = fake.state.panels.find((p) => p.viewType === 'selfTracing.graph')!;
  panel.receive({ type: 'ready' });
  fake.state.answers.push({ label: 'file', browse: true }, [vscode.Uri.file(path.resolve('test/fixtures/graphs/multilingual/es.graph.json'))]);
  await run('selfTracing.compareWith');
  const [message] = sent(panel, 'showComparison');
  assert.equal(message.otherName, 'es.graph.json');
  const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cmp-')), 'bad.json');
  fs.writeFileSync(bad, '{"metadata": {}}');
  fake.state.answers.push({ label: 'file', browse: true }, [vscode.Uri.file(bad)]);
  await run('selfTracing.compareWith');
  assert.match(fake.state.messages.at(-1)!.message, /cannot compare with bad\.json: The graph file is not an attribution graph: metadata\.slug must be a string/);
});

test('Open Study Report shows report.html without scripts under the report CSP; a folder without one is a message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'study-'));
  await run('selfTracing.openStudyReport', vscode.Uri.file(dir));
  assert.match(fake.state.messages.at(-1)!.message, /report\.html does not exist; run `self-trace study/);
  fs.writeFileSync(path.join(dir, 'report.html'), '<!DOCTYPE html><html><head><title>x</title></head><body><svg></svg></body></html>');
  await run('selfTracing.openStudyReport', vscode.Uri.file(dir));
  const panel = fake.state.panels.find((p) => p.viewType === 'selfTracing.studyReport')!;
  assert.equal(panel.options.enableScripts, false);
  assert.match(panel.webview.html, /<head>\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
});

test('Compare With… in a graph file editor: that file is A, the other open graph files and traces are offered as B', async () => {
  const open = async (lang: string) => {
    const doc = fake.createEditableDocument(fs.readFileSync(`test/fixtures/graphs/multilingual/${lang}.graph.json`, 'utf8'), `/ws/${lang}.graph.json`);
    const panel = await fake.openCustomEditor(GRAPH_FILE_VIEW_TYPE, doc);
    panel.receive({ type: 'ready' });
    return { doc, panel };
  };
  const fr = await open('fr');
  await open('en');
  api.traces.show({ graph: graph('es'), fileName: 'spanish.md' });
  (vscode.window.tabGroups.activeTabGroup as { activeTab: unknown }).activeTab = { input: new vscode.TabInputCustom(fr.doc.uri, GRAPH_FILE_VIEW_TYPE) };
  fake.state.answers.push({ label: 'en.graph.json', graph: graph('en') });
  await run('selfTracing.compareWith');
  assert.deepEqual(fake.state.quickPicks[0].items.map((i) => i.label), ['spanish.md', 'en.graph.json', '$(folder-opened) Graph file…']);
  const [message] = sent(fr.panel, 'showComparison');
  assert.ok(message, 'the file editor showing fr gets the comparison');
  assert.equal(message.comparison!.a.prompt, graph('fr').metadata.prompt);
  assert.equal(message.traceId, sent(fr.panel, 'showGraph')[0].traceId);
});
