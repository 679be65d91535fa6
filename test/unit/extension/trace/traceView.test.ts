import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import type { SelfTracingApi } from '../../../../src/extension/extension';
import type { GraphJson } from '../../../../src/protocol/graph-json';
import { fake, rangeOf, type FakeContext, type FakeEditor, type FakePanel, sentOfType as sent } from '../../fakeVscode';
import { activateFresh, deactivate } from '../activated';

// The editor side of a trace against the fake `vscode`: heatmap, hover, staleness, linking, graph files.
const dallasText = readFileSync('test/fixtures/graphs/dallas-austin.graph.json', 'utf8');
const dallas = () => JSON.parse(dallasText) as GraphJson;
const prefix = '# Notes\n\n';
let context: FakeContext;
let api: SelfTracingApi;
let editor: FakeEditor;

beforeEach(() => {
  ({ context, api } = activateFresh());
  editor = fake.openEditor(`${prefix}${dallas().selfTracing!.source!.text}\n`, { fileName: '/ws/notes.md' });
});
afterEach(() => deactivate(context));

/** The panel page says it is ready, so the host replays what it holds. */
const ready = (panel: FakePanel) => panel.receive({ type: 'ready' });
/** The heatmap's decoration types (the inline layer's after-text is another). */
const heatTypes = () => fake.state.decorationTypes.filter((t) => t.options.backgroundColor);
const decorated = () => [...editor.decorations.entries()].filter(([key]) => heatTypes().some((t) => t.key === key)).flatMap(([key, ranges]) => ranges.map((r) => ({ key, text: editor.document.getText(rangeOf(r)) })));
const show = () => api.traces.show({ graph: dallas(), fileName: 'notes.md', document: editor.document, baseOffset: prefix.length });

test('a trace shows its graph in the panel and shades its tokens through contributed theme colours', () => {
  const traceId = show();
  const panel = fake.state.panels[0];
  ready(panel);
  assert.equal(sent(panel, 'showGraph')[0].traceId, traceId);
  assert.equal(heatTypes().length, 10);
  assert.ok(heatTypes().every((t) => (t.options.backgroundColor as vscode.ThemeColor).id.startsWith('selfTracing.heat')));
  const texts = decorated().map((d) => d.text);
  assert.ok(texts.includes(' Dallas') && texts.includes(' capital') && texts.includes('Fact'), texts.join('|'));
  const item = fake.state.statusBarItems.find((i) => i.id === 'selfTracing.trace')!;
  assert.equal(item.shown, true);
  assert.match(item.text, /" Austin" 62.0%/);
});

test('hovering a shaded token gives its attribution and command links; elsewhere nothing', async () => {
  show();
  const doc = editor.document;
  const at = doc.positionAt(prefix.length + doc.getText().slice(prefix.length).indexOf('Dallas') + 1);
  const hover = fake.state.hoverProviders[0].provideHover(doc, at, {} as vscode.CancellationToken) as vscode.Hover;
  const md = hover.contents[0] as vscode.MarkdownString;
  assert.match(md.value, /` Dallas`/);
  assert.deepEqual(md.isTrusted, { enabledCommands: ['selfTracing.showInGraph', 'selfTracing.traceFromHere', 'selfTracing.ablateTopFeature'] });
  assert.match(md.value, /\[\$\(circle-slash\) Ablate \\"Texas\\"\]\(command:selfTracing\.ablateTopFeature\?/, 'the link names the feature listed first');
  // the feature index's evidence: label, promoted and suppressed tokens, frequency, one example shaded by activation
  assert.match(md.value, /\[Dallas\]\(command:selfTracing\.showInGraph/);
  assert.match(md.value, /promotes ` Cowboys` ` Mavericks` ` Fort` · suppresses ` Paris` ` the` · fires on 0\.21% of tokens/);
  assert.equal(md.supportHtml, true);
  // the first feature's example: " Houston, Texas is" with " Texas" (its max) shaded most
  assert.match(md.value, /<span style="background-color:#3c9955ee;">&nbsp;&#84;&#101;&#120;&#97;&#115;<\/span>/, 'the top token of the example is shaded most');
  assert.equal(md.value.match(/<span style=/g)?.length, 2, 'one example, only its active tokens shaded');
  assert.equal(fake.state.hoverProviders[0].provideHover(doc, doc.positionAt(2), {} as vscode.CancellationToken), undefined);
});

test('an edit inside the traced text makes the trace stale: heatmap and hovers go, the panel and status bar say so', () => {
  show();
  const panel = fake.state.panels[0];
  ready(panel);
  fake.events.changeText.fire({ document: editor.document, contentChanges: [{ rangeOffset: prefix.length + 3, rangeLength: 1, text: 'x' }] } as never);
  assert.deepEqual(decorated(), []);
  assert.deepEqual(sent(panel, 'traceStale').at(-1), { type: 'traceStale', traceId: api.traces.current!.traceId, stale: true });
  assert.match(fake.state.statusBarItems.find((i) => i.id === 'selfTracing.trace')!.text, /stale/);
});

test('an edit before the traced text moves the heatmap with it', () => {
  show();
  fake.events.changeText.fire({ document: editor.document, contentChanges: [{ rangeOffset: 0, rangeLength: 0, text: 'abc' }] } as never);
  assert.equal(api.traces.current!.stale, false);
  assert.equal(api.traces.current!.baseOffset, prefix.length + 3);
});

test('moving the cursor over a traced token tells the graph which position; a selection filters positions', () => {
  show();
  const panel = fake.state.panels[0];
  ready(panel);
  const doc = editor.document;
  const start = doc.positionAt(prefix.length + 6);
  const end = doc.positionAt(prefix.length + 20);
  fake.events.selection.fire({ textEditor: editor, selections: [new vscode.Selection(start, end)] } as never);
  assert.deepEqual(sent(panel, 'editorFocus').at(-1), { type: 'editorFocus', traceId: api.traces.current!.traceId, cursor: 6, range: [3, 5] }, 'the cursor sits at the start of " the"; the selection covers " the capital of"');
});

test('clicking a node selects its token in the editor', async () => {
  show();
  const panel = fake.state.panels[0];
  ready(panel);
  panel.receive({ type: 'revealPosition', traceId: api.traces.current!.traceId, ctx: 9, focus: false });
  await new Promise((r) => setTimeout(r, 10));
  const active = vscode.window.activeTextEditor!;
  assert.equal(active.document.getText(active.selection), ' Dallas');
});

test('Open Graph File validates the file and opens it in the graph file editor; a bad file gets a message with an action', async () => {
  const good = vscode.Uri.file('/ws/dallas.graph.json');
  const bad = vscode.Uri.file('/ws/broken.graph.json');
  fake.state.files.set(good.toString(), new TextEncoder().encode(dallasText));
  fake.state.files.set(bad.toString(), new TextEncoder().encode('{"nodes": 3}'));
  await vscode.commands.executeCommand('selfTracing.openGraphFile', bad);
  assert.match(fake.state.messages.at(-1)!.message, /broken\.graph\.json is not an attribution graph: missing "metadata"/);
  assert.deepEqual(fake.state.messages.at(-1)!.actions, ['Open Another…']);
  await vscode.commands.executeCommand('selfTracing.openGraphFile', good);
  const opened = fake.state.builtins.at(-1)!;
  assert.equal(opened.id, 'vscode.openWith');
  assert.equal(String(opened.args[0]), good.toString());
  assert.equal(opened.args[1], 'selfTracing.graphFile');
  assert.deepEqual(decorated(), [], 'a graph from a file has no editor to shade');
});

test('Export Graph writes the graph with the panel\'s pins, supernodes and labels in qParams', async () => {
  show();
  const panel = fake.state.panels[0];
  ready(panel);
  const qParams = { pinnedIds: ['3_77_10'], supernodes: [['Texas', '1_230_9']], clerps: [['3_3317_10', 'say Austin!']], linkType: 'either', clickedId: '', sg_pos: '' };
  panel.receive({ type: 'graphState', traceId: api.traces.current!.traceId, qParams });
  const out = vscode.Uri.file('/ws/out.graph.json');
  fake.state.answers.push({ label: 'Graph JSON', id: 'json' }, { label: 'Neuronpedia upload', form: 'neuronpedia' }, out);
  await vscode.commands.executeCommand('selfTracing.exportGraph');
  const forms = fake.state.quickPicks.at(-1)!.items as unknown as { form: string; description: string }[];
  assert.deepEqual(forms.map((i) => i.form), ['neuronpedia', 'circuit-tracer'], 'the form the graph came in is offered first');
  const written = JSON.parse(new TextDecoder().decode(fake.state.files.get(out.toString())!));
  assert.deepEqual(written.qParams, qParams, 'Neuronpedia form: arrays, labels keyed by featureId');
  assert.equal(written.nodes.find((n: { node_id: string }) => n.node_id === '3_77_10').clerp, 'say Austin!');
  assert.equal([...fake.state.files.keys()].filter((k) => k.endsWith('.tmp')).length, 0, 'written through a temporary file');
  // the same view for circuit-tracer's viewer: clerps a JSON string keyed by the feature number
  const ct = vscode.Uri.file('/ws/ct.graph.json');
  fake.state.answers.push({ label: 'Graph JSON', id: 'json' }, { label: 'circuit-tracer viewer', form: 'circuit-tracer' }, ct);
  await vscode.commands.executeCommand('selfTracing.exportGraph');
  const ctFile = JSON.parse(new TextDecoder().decode(fake.state.files.get(ct.toString())!));
  const feature = ctFile.nodes.find((n: { node_id: string }) => n.node_id === '3_77_10').feature;
  assert.equal(ctFile.qParams.clerps, JSON.stringify([[String(feature), 'say Austin!']]));
});

test('Choose Target lists the top outputs and re-traces toward the choice (here without a model: a message says so)', async () => {
  show();
  fake.state.settings['selfTracing.modelPath'] = { globalValue: '/no/such/model' };
  fake.state.answers.push({ label: '" Texas"', token: ' Texas' });
  await vscode.commands.executeCommand('selfTracing.chooseTarget');
  assert.deepEqual(fake.state.quickPicks[0].items.slice(0, 3).map((i) => i.label), ['" Austin"', '" Texas"', '" the"']);
  assert.match(fake.state.messages.at(-1)!.message, /No model at \/no\/such\/model/);
  assert.deepEqual(fake.state.messages.at(-1)!.actions, ['Choose Model…', 'Open Settings', 'Show Log']);
});

test('Clear Trace removes the heatmap and hides the status item', async () => {
  show();
  await vscode.commands.executeCommand('selfTracing.clearTrace');
  assert.deepEqual(decorated(), []);
  assert.equal(fake.state.statusBarItems.find((i) => i.id === 'selfTracing.trace')!.shown, false);
});
