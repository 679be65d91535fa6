import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { activate } from '../../../../src/extension/extension';
import { GRAPH_FILE_VIEW_TYPE, GRAPH_JSON_VIEW_TYPE } from '../../../../src/extension/graphFiles/graphEditor';
import { readSavedView } from '../../../../src/protocol/graphForms';
import { parseGraphText } from '../../../../src/protocol/graphText';
import { cantor } from '../../../../src/protocol/nodes';
import { fake, fakeContext, type FakeContext, sentOfType as sent } from '../../fakeVscode';

// The graph file editor against the fake `vscode`: the panel is the file's editor, its view changes are text edits
// of qParams in the file's own form, and the file's text (an undo, an edit elsewhere) redraws the panel.
const root = path.resolve('.');
const savedText = readFileSync('test/fixtures/graphs/circuit-tracer-saved.json', 'utf8');
let context: FakeContext;

beforeEach(() => {
  fake.reset();
  context = fakeContext(root);
  activate(context as unknown as vscode.ExtensionContext);
});
afterEach(() => {
  for (const d of context.subscriptions.splice(0)) d.dispose();
});

const settle = () => new Promise((r) => setTimeout(r, 20));

async function openFile(text = savedText, name = '/ws/dallas.graph.json') {
  const doc = fake.createEditableDocument(text, name);
  const panel = await fake.openCustomEditor(GRAPH_FILE_VIEW_TYPE, doc);
  panel.receive({ type: 'ready' });
  const shown = sent(panel, 'showGraph')[0];
  return { doc, panel, shown, traceId: shown.traceId as string };
}

test('both view types are registered: *.graph.json by default, any .json through Reopen With', () => {
  assert.ok(fake.state.customEditors.has(GRAPH_FILE_VIEW_TYPE));
  assert.ok(fake.state.customEditors.has(GRAPH_JSON_VIEW_TYPE));
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const editors = pkg.contributes.customEditors as { viewType: string; priority: string; selector: { filenamePattern: string }[] }[];
  assert.deepEqual(editors.map((e) => [e.viewType, e.selector[0].filenamePattern, e.priority]), [
    [GRAPH_FILE_VIEW_TYPE, '*.graph.json', 'default'],
    [GRAPH_JSON_VIEW_TYPE, '*.json', 'option'],
  ]);
});

test('the panel shows the file as a file, with the file\'s view', async () => {
  const { shown } = await openFile();
  assert.equal(shown.origin, 'file');
  assert.equal(shown.viewFromFile, true);
  assert.equal(shown.fileName, 'dallas.graph.json');
  assert.deepEqual(readSavedView(shown.graph).supernodes, [['Texas', '16_25_9', '20_15589_10']]);
});

test('a pin from the panel is one edit of qParams, in the file\'s own (circuit-tracer) form; nothing else changes', async () => {
  const { doc, panel, traceId } = await openFile();
  const before = doc.getText();
  const view = readSavedView(parseGraphText(before).ok ? (parseGraphText(before) as any).graph : undefined);
  // the page posts its state as qParams (its own writer, as graphView.ts does), here with one more pin and a label
  const qParams = {
    pinnedIds: [...view.pinnedIds, '0_1285_1'],
    supernodes: view.supernodes,
    linkType: 'both', clickedId: 'supernode-0', sg_pos: '', pruningThreshold: 0.6,
    clerps: [['0_' + cantor(0, 1285) + '_1', 'first token'], ...Object.entries(view.clerps)],
  };
  panel.receive({ type: 'graphState', traceId, qParams });
  await settle();
  assert.equal(fake.state.edits.length, 1, 'one edit');
  assert.equal((doc as unknown as { isDirty: boolean }).isDirty, true, 'the tab shows the file dirty');
  const after = doc.getText();
  const p = parseGraphText(after);
  assert.ok(p.ok);
  assert.equal(typeof p.graph.qParams.clerps, 'string', 'clerps stay a JSON string for circuit-tracer');
  assert.equal(typeof p.graph.qParams.pinnedIds, 'string', 'pins stay comma-joined as its server wrote them');
  assert.ok((p.graph.qParams.pinnedIds as string).split(',').includes('0_1285_1'));
  assert.deepEqual(JSON.parse(p.graph.qParams.clerps as string).find((c: string[]) => c[0] === String(cantor(0, 1285))), [String(cantor(0, 1285)), 'first token']);
  // every byte outside qParams is as it was
  const start = before.indexOf('"qParams"');
  assert.equal(after.slice(0, start), before.slice(0, start));
  assert.equal(after.slice(after.indexOf('"nodes"')), before.slice(before.indexOf('"nodes"')));
  // the same state posted again (a redraw) is not another edit
  panel.receive({ type: 'graphState', traceId, qParams });
  await settle();
  assert.equal(fake.state.edits.length, 1);
});

test('an undo (the file\'s text changes back) redraws the panel from the file; an unparsable text is waited out', async () => {
  const { doc, panel, traceId } = await openFile();
  const view = readSavedView((parseGraphText(savedText) as any).graph);
  panel.receive({ type: 'graphState', traceId, qParams: { pinnedIds: ['0_1285_1'], supernodes: [], clerps: [], linkType: 'both', clickedId: '' } });
  await settle();
  const shows = sent(panel, 'showGraph').length;
  (doc as unknown as { setText(t: string): void }).setText('{ "metadata": ');
  assert.equal(sent(panel, 'showGraph').length, shows, 'half-typed JSON keeps the last good graph');
  (doc as unknown as { setText(t: string): void }).setText(savedText);
  const last = sent(panel, 'showGraph').at(-1)!;
  assert.equal(sent(panel, 'showGraph').length, shows + 1);
  assert.equal(last.viewFromFile, true);
  assert.deepEqual(readSavedView(last.graph), view);
});

test('a file that is not a graph gets a page that says why, and runs nothing', async () => {
  const doc = fake.createEditableDocument('{"nodes": [], "<script>": 1}', '/ws/other.json');
  const panel = await fake.openCustomEditor(GRAPH_JSON_VIEW_TYPE, doc);
  assert.match(panel.webview.html, /other\.json is not an attribution graph/);
  assert.match(panel.webview.html, /default-src 'none'/);
  assert.doesNotMatch(panel.webview.html, /<script/);
  assert.equal(sent(panel, 'showGraph').length, 0);
});
