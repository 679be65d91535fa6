// The graph file editor in a real extension host: a `*.graph.json` opens in the panel as its editor, a pin made in
// the panel is an edit of the file (dirty tab, undo restores the text and the panel, redo and Save write it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';
import manifest from '../../package.json';
import type { SelfTracingApi } from '../../src/extension/extension';
import { GRAPH_FILE_VIEW_TYPE } from '../../src/extension/graphFiles/graphEditor';
import { readSavedView } from '../../src/protocol/graphForms';
import { parseGraphText } from '../../src/protocol/graphText';
import type { FromWebview } from '../../src/protocol/messages';
import saved from '../fixtures/graphs/circuit-tracer-saved.json';
import { holdForScreenshot, showsDrawnGraph } from './screenshot';

const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const viewOf = (text: string) => {
  const p = parseGraphText(text);
  if (!p.ok) throw new Error(p.reason);
  return readSavedView(p.graph);
};

describe('Graph files in a real extension host', () => {
  let api: SelfTracingApi;
  let renders: FromWebview.Rendered[];

  // code-server (VS Code for the web) saves after a delay by default; dirty state is only visible without it
  let autoSave: unknown;
  before(async () => {
    const files = vscode.workspace.getConfiguration('files');
    autoSave = files.inspect('autoSave')?.globalValue;
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
  });
  after(() => vscode.workspace.getConfiguration('files').update('autoSave', autoSave, vscode.ConfigurationTarget.Global));

  before(async () => {
    api = (await vscode.extensions.getExtension<SelfTracingApi>(EXTENSION_ID)!.activate());
    renders = [];
    api.onDidRenderPanel((r) => renders.push(r));
  });

  it('opens a *.graph.json as the panel, records a pin as a file edit, undoes, redoes and saves it', async function () {
    this.timeout(120_000);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(fs.mkdtempSync('/tmp/st-e2e-'));
    const uri = vscode.Uri.joinPath(folder, 'dallas-saved.graph.json');
    const original = `${JSON.stringify(saved, null, 2)}\n`;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(original));
    await vscode.commands.executeCommand('vscode.open', uri);
    await until('the graph file editor', () => api.graphFiles.open.has(uri.toString()));
    const editor = api.graphFiles.open.get(uri.toString())!;
    await until('the file\'s graph drawn', () => renders.some((r) => r.traceId === editor.traceId && (r.graphNodes ?? 0) > 0), 60_000);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === GRAPH_FILE_VIEW_TYPE, 'the default editor of *.graph.json');
    const doc = editor.document;
    await new Promise((r) => setTimeout(r, 1500)); // the page's first state report comes after its first draw
    assert.equal(doc.isDirty, false, 'opening is not an edit');
    assert.equal(doc.getText(), original);
    const drawn = await holdForScreenshot('graph-file-open');
    if (drawn) assert.ok(showsDrawnGraph(drawn), `the shot shows the file's graph drawn: ${JSON.stringify(drawn)}`);

    // a pin through the panel's own path (selectNode with pin → its store → graphState → the file)
    editor.panel.selectNode(editor.traceId, '0_1285_1', true);
    await until('the pin written into the file', () => doc.isDirty && viewOf(doc.getText()).pinnedIds.includes('0_1285_1'));
    const edited = doc.getText();
    assert.equal(typeof (parseGraphText(edited) as { graph: { qParams: { pinnedIds: unknown } } }).graph.qParams.pinnedIds, 'string', "pins stay in circuit-tracer's comma-joined form");
    assert.equal(edited.slice(edited.indexOf('"nodes"')), original.slice(original.indexOf('"nodes"')), 'nothing but qParams changed');
    await holdForScreenshot('graph-file-dirty');

    await vscode.commands.executeCommand('undo');
    await until('undo restores the text', () => doc.getText() === original);
    const redrawn = renders.length;
    await vscode.commands.executeCommand('redo');
    await until('redo re-applies the pin', () => viewOf(doc.getText()).pinnedIds.includes('0_1285_1'));
    await until('the panel redrawn from the file', () => renders.length > redrawn);
    assert.ok(await doc.save(), 'saved');
    const onDisk = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    assert.ok(viewOf(onDisk).pinnedIds.includes('0_1285_1'), 'Save wrote the pin');
    assert.equal(doc.isDirty, false);
    await holdForScreenshot('graph-file-saved');
  });
});
