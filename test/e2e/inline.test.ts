// The inline trace views in the real workbench (code-server), on the embedded model: Trace All Prompts in File on a
// prompts file (CodeLens, after-text and the paths widget under every prompt, the panel following the cursor),
// "ablate this step" writing its effect inline, the attribution inlay hints agreeing with the hover, a markdown
// trace going stale, and a notebook cell. Each view is screenshotted in the light and the dark theme.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import manifest from '../../package.json';
import type { SelfTracingApi } from '../../src/extension/extension';
import type { TraceAllResult } from '../../src/extension/inline/traceAll';
import type { InterventionRecord } from '../../src/protocol/graph-json';
import { holdForScreenshot } from './screenshot';

const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
const PROMPTS = [
  'Fact: the capital of the state containing Dallas is',
  'Fact: the capital of the state containing San Francisco is',
  'Le contraire de petit est',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const setTheme = (theme: string) => vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);

/** The same view in both themes: `<name>-light.png`, `<name>-dark.png`; the bottom panel closed unless asked. */
async function bothThemes(name: string, keepPanel = false): Promise<void> {
  if (!keepPanel) await vscode.commands.executeCommand('workbench.action.closePanel');
  await setTheme('Default Light Modern');
  await sleep(600);
  await holdForScreenshot(`${name}-light`);
  await setTheme('Default Dark Modern');
  await sleep(600);
  await holdForScreenshot(`${name}-dark`);
}

const hoverText = (hovers: vscode.Hover[]) => hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');

describe('Inline trace views in a real extension host', () => {
  let api: SelfTracingApi;
  let folder: vscode.Uri;

  before(async function () {
    if (process.env.SELF_TRACING_E2E_MODEL) this.skip(); // the fixture model's graphs say nothing worth showing
    api = await vscode.extensions.getExtension<SelfTracingApi>(EXTENSION_ID)!.activate();
    folder = vscode.workspace.workspaceFolders![0].uri;
    await vscode.commands.executeCommand('workbench.action.closeSidebar'); // the editor at its width beside the panel
    // a graph panel an earlier suite left in the first group: closed, so it opens beside the prompts (the panel does
    // not follow the cursor when it would cover the editor)
    const panels = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('selfTracing.graph'));
    await vscode.window.tabGroups.close(panels);
  });

  // leave the window as the other suites expect it: default theme, sidebar, no editors and no panel (whose
  // re-render after the theme change would otherwise answer the next suite's wait for a render)
  after(async () => {
    await vscode.workspace.getConfiguration('selfTracing.inline').update('attributionHints', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await sleep(1500);
    await vscode.workspace.saveAll(false);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.explorer');
    await sleep(500);
  });

  it('Trace All Prompts in File: each prompt gets its summary lens, after-text and strongest paths; the panel follows the cursor', async function () {
    this.timeout(240_000);
    const uri = vscode.Uri.joinPath(folder, 'prompts.txt');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`${PROMPTS.join('\n')}\n`));
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const result = await vscode.commands.executeCommand<TraceAllResult>('selfTracing.traceAllPrompts');
    assert.ok(result, 'the command ran');
    assert.deepEqual(result.failed, []);
    assert.equal(result.traced.length, 3);
    const [dallas, sf, petit] = result.traced;
    for (const e of result.traced) console.log(`inline: ${e.text} → ${JSON.stringify(e.graph.selfTracing?.target?.token)} ${(100 * (e.graph.selfTracing?.target?.prob ?? 0)).toFixed(1)}%`);
    assert.equal(dallas.graph.selfTracing?.target?.token, ' Austin');
    assert.equal(sf.graph.selfTracing?.target?.token, ' Sacramento');
    assert.equal(petit.graph.selfTracing?.target?.token, ' grand');

    // the workbench's own CodeLens command: one summary and three actions above each prompt
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const ours = lenses.filter((l) => l.command?.command.startsWith('selfTracing.inline.'));
    assert.deepEqual([...new Set(ours.map((l) => l.range.start.line))], [0, 1, 2]);
    const summary = ours.find((l) => l.range.start.line === 0)!.command!.title;
    assert.match(summary, /" Austin" \d+\.\d% · \d+ nodes · replacement 0\.\d\d$/);
    console.log(`inline: lens "${summary}"`);
    const body = api.inline.view.threadBody(dallas.traceId)!;
    assert.match(body, /^1\. \[Dallas\]/m, 'the strongest path of the Dallas prompt starts at Dallas');
    console.log(`inline: paths\n${body.split('\n').filter((l) => /^\d\./.test(l)).map((l) => l.replace(/\(command:[^)]*\)/g, '')).join('\n')}`);

    // the panel shows the prompt under the cursor
    assert.equal(api.traces.current?.traceId, dallas.traceId);
    editor.selection = new vscode.Selection(1, 10, 1, 10);
    for (let i = 0; i < 150 && api.traces.current?.traceId !== sf.traceId; i++) await sleep(100);
    assert.equal(api.traces.current?.traceId, sf.traceId, `the panel followed the cursor to the second prompt (active editor: ${vscode.window.activeTextEditor?.document.uri.toString()})`);
    editor.selection = new vscode.Selection(0, 5, 0, 5);
    for (let i = 0; i < 150 && api.traces.current?.traceId !== dallas.traceId; i++) await sleep(100);
    await bothThemes('inline-prompts', true); // with the Comments view, which lists every prompt's strongest path
  });

  it('"ablate this step" runs the intervention and writes its effect under the path', async function () {
    this.timeout(120_000);
    const entry = api.inline.entries.all().find((e) => e.text === PROMPTS[0])!;
    const link = /\]\(command:selfTracing\.inline\.ablateStep\?([^ )]+)/.exec(api.inline.view.threadBody(entry.traceId)!);
    assert.ok(link, 'the first path has a feature step to ablate');
    const [arg] = JSON.parse(decodeURIComponent(link[1]));
    const record = await vscode.commands.executeCommand<InterventionRecord>('selfTracing.inline.ablateStep', arg);
    assert.ok(record, 'the intervention ran');
    assert.deepEqual(record.nodeIds, [arg.nodeId]);
    const effect = /\n {4}- ablate (.*)/.exec(api.inline.view.threadBody(entry.traceId)!);
    assert.ok(effect, 'the effect is written under the path');
    console.log(`inline: ablate ${effect[1]}`);
    await bothThemes('inline-ablate');
  });

  it('the attribution inlay hints (off by default) give the hover\'s numbers', async function () {
    this.timeout(60_000);
    const entry = api.inline.entries.all().find((e) => e.text === PROMPTS[0])!;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(entry.uri));
    const range = new vscode.Range(0, 0, document.lineCount, 0);
    const off = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, range);
    assert.equal(off.length, 0);
    await vscode.workspace.getConfiguration('selfTracing.inline').update('attributionHints', true, vscode.ConfigurationTarget.Global);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, range);
    const onLine = hints.filter((h) => h.position.line === 0);
    assert.equal(onLine.length, 10, 'one per token of the Dallas prompt');
    // the hover at the token before each hint shows the same total
    for (const h of onLine.slice(-3)) {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, h.position.translate(0, -1));
      const total = /\| ([-+]?\d+\.\d{3})(?: \([^)|]*\))? \|/.exec(hoverText(hovers))?.[1]?.replace(/^\+/, '');
      assert.equal(String(typeof h.label === 'string' ? h.label : h.label[0].value).replace(/^\+/, ''), total);
    }
    await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    await bothThemes('inline-hints');
    await vscode.workspace.getConfiguration('selfTracing.inline').update('attributionHints', undefined, vscode.ConfigurationTarget.Global);
  });

  it('Trace Selection in a markdown file gets the inline views; editing the text marks them stale', async function () {
    this.timeout(120_000);
    const uri = vscode.Uri.joinPath(folder, 'notes.md');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`# Two-hop facts\n\n${PROMPTS[0]}\n\nMore notes.\n`));
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(2, 0, 2, PROMPTS[0].length);
    const traceId = await vscode.commands.executeCommand<string>('selfTracing.traceSelection');
    assert.ok(traceId && api.inline.entries.get(traceId), 'the trace is inline');
    assert.equal(api.inline.view.threadRange(traceId)?.start.line, 2);
    // a line added above moves the trace and its widget along, still fresh
    const above = new vscode.WorkspaceEdit();
    above.insert(uri, new vscode.Position(1, 0), 'Traced with the embedded model.\n');
    assert.ok(await vscode.workspace.applyEdit(above));
    assert.equal(api.inline.entries.get(traceId)?.stale, false);
    assert.equal(api.inline.view.threadRange(traceId)?.start.line, 3, 'the widget moved with its line');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(3, 42, 3, 48), 'Houston');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.equal(api.inline.entries.get(traceId)?.stale, true);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.ok(lenses.some((l) => l.command?.title.startsWith('$(warning) stale:')));
    editor.selection = new vscode.Selection(5, 0, 5, 0);
    await bothThemes('inline-markdown-stale');
    // Re-trace takes the text as it is now
    const fresh = await vscode.commands.executeCommand<{ traceId: string; text: string }>('selfTracing.inline.retrace', { traceId });
    assert.ok(fresh);
    assert.match(fresh.text, /Houston is$/);
    assert.equal(api.inline.entries.get(traceId), undefined, 'the stale trace is replaced');
  });

  it('a notebook cell: the traced cell gets its lens and an after-text naming its strongest path', async function () {
    this.timeout(120_000);
    const data = new vscode.NotebookData([
      new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, '## A prompt in a notebook', 'markdown'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, PROMPTS[2], 'plaintext'),
    ]);
    const notebook = await vscode.workspace.openNotebookDocument('jupyter-notebook', data);
    const notebookEditor = await vscode.window.showNotebookDocument(notebook, { viewColumn: vscode.ViewColumn.One });
    const cell = notebook.cellAt(1).document;
    // the cell's own editor inside the notebook, as a click into the cell gives it
    notebookEditor.selections = [new vscode.NotebookRange(1, 2)];
    await vscode.commands.executeCommand('notebook.cell.edit');
    for (let i = 0; i < 50 && vscode.window.activeTextEditor?.document.uri.toString() !== cell.uri.toString(); i++) await sleep(100);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.toString(), cell.uri.toString(), 'the notebook cell editor is active');
    assert.ok(vscode.window.activeNotebookEditor, 'inside the notebook');
    editor.selection = new vscode.Selection(0, 0, 0, PROMPTS[2].length);
    const traceId = await vscode.commands.executeCommand<string>('selfTracing.traceSelection');
    assert.ok(traceId && api.inline.entries.get(traceId), 'the cell\'s trace is inline');
    assert.equal(api.inline.entries.get(traceId)?.uri, cell.uri.toString());
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', cell.uri);
    assert.ok(lenses.some((l) => /" grand" \d+\.\d%/.test(l.command?.title ?? '')));
    // comment threads do not render in notebook cells: the after-text names the strongest path instead
    await bothThemes('inline-notebook');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
