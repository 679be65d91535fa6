// What a new user trips on, in a real extension host: Trace Selection from the walkthrough (the walkthrough is the
// active editor), the hover's units and its named Ablate action, the model path in User settings, and the panel at
// its default width beside the editor. Screenshots in .test-output/e2e/newuser-*.png.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import manifest from '../../package.json';
import type { SelfTracingApi } from '../../src/extension/extension';
import type { FromWebview } from '../../src/protocol/messages';
import { holdForScreenshot } from './screenshot';

const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
const FIXTURE_MODEL = process.env.SELF_TRACING_E2E_MODEL;
const PROMPT = FIXTURE_MODEL ? 'the cat sat on' : 'Fact: the capital of the state containing Dallas is';

function nextRender(api: SelfTracingApi, accept: (r: FromWebview.Rendered) => boolean, ms: number): Promise<FromWebview.Rendered> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`no such render within ${ms} ms`)); }, ms);
    const sub = api.onDidRenderPanel((r) => {
      if (!accept(r)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(r);
    });
  });
}

describe('New user: walkthrough, hovers, settings and the panel in a real VS Code', () => {
  let api: SelfTracingApi;

  before(async () => {
    api = await vscode.extensions.getExtension<SelfTracingApi>(EXTENSION_ID)!.activate();
    if (FIXTURE_MODEL) await vscode.workspace.getConfiguration('selfTracing').update('modelPath', FIXTURE_MODEL, vscode.ConfigurationTarget.Global);
  });

  it('the walkthrough\'s Trace Selection traces the last text editor\'s selection while the walkthrough is the active editor', async function () {
    this.timeout(180_000);
    const prefix = '# Notes\n\n';
    const document = await vscode.workspace.openTextDocument({ content: `${prefix}${PROMPT}\n`, language: 'markdown' });
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(document.positionAt(prefix.length), document.positionAt(prefix.length + PROMPT.length));
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#selfTracing.gettingStarted`, false);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(vscode.window.activeTextEditor, undefined, 'the walkthrough is the active editor');
    const rendered = nextRender(api, (r) => (r.graphNodes ?? 0) > 0, 170_000);
    rendered.catch(() => undefined);
    await vscode.commands.executeCommand('selfTracing.traceSelection');
    // the claim is the trace of the editor's selection; the panel sits behind the walkthrough, and a hidden webview may
    // draw only when shown (a fresh-clone CI run once waited 170 s for it): wait for the trace, then for a render a while
    const start = Date.now();
    while (api.traces.current?.graph.selfTracing?.source?.text !== PROMPT && Date.now() - start < 170_000) await new Promise((r) => setTimeout(r, 250));
    assert.equal(api.traces.current?.graph.selfTracing?.source?.text, PROMPT);
    const drawn = await Promise.race([rendered.then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
    if (!drawn) console.log('newuser: the panel behind the walkthrough did not draw within 20 s of the trace (the screenshot shows it undrawn)');
    await holdForScreenshot('newuser-walkthrough');
  });

  it('the hover gives its numbers with their unit and names the feature its Ablate action removes', async () => {
    const t = api.traces.current!;
    const doc = await vscode.workspace.openTextDocument(t.uri!);
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    // the strongest token that has a transcoder feature in the graph (the Ablate action needs one)
    const withFeature = new Set(t.graph.nodes.filter((n) => n.feature_type === 'cross layer transcoder' && typeof n.activation === 'number').map((n) => n.ctx_idx));
    const strongest = [...t.heat].filter((h) => withFeature.has(h.ctx)).sort((a, b) => Math.abs(b.score) - Math.abs(a.score))[0];
    const at = doc.positionAt(strongest.start);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
    const md = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(md, /in logits \(\+ pushes towards it, − away\)/);
    assert.match(md, /through every path \| directly/);
    assert.match(md, /\[\$\(circle-slash\) Ablate \\"[^\]]+\\"\]\(command:selfTracing\.ablateTopFeature/);
    const editor = vscode.window.activeTextEditor!;
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('editor.action.showHover');
    await holdForScreenshot('newuser-hover');
  });

  it('Model Path is in User settings (window scope), and the settings editor shows it', async () => {
    const entry = manifest.contributes.configuration.properties['selfTracing.modelPath'] as { scope?: string };
    assert.equal(entry.scope, 'window');
    await vscode.commands.executeCommand('workbench.action.openSettings', 'selfTracing.modelPath');
    await holdForScreenshot('newuser-settings');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('a demo prompt traced while another group has the focus is selected in the demo document\'s own group, not opened again beside the graph', async function () {
    this.timeout(240_000);
    await vscode.commands.executeCommand('selfTracing.openDemoPrompts');
    const demo = vscode.window.activeTextEditor!.document;
    const prompts = ['Fact: the capital of the state containing Dallas is', 'Fact: the capital of the state containing San Francisco is'];
    const demoTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs
      .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === demo.uri.toString()).map(() => g.viewColumn));
    const [column] = demoTabs();
    for (const prompt of prompts) {
      const start = demo.getText().indexOf(prompt);
      assert.ok(start >= 0, prompt);
      const rendered = nextRender(api, (r) => (r.graphNodes ?? 0) > 0, 170_000);
      await vscode.commands.executeCommand('selfTracing.traceDemoPrompt', demo.uri.toString(), start, start + prompt.length);
      await rendered;
      // the focus is in the panel's group, not in the demo document's (the panel takes it when it opens; after that,
      // as after a click on the graph)
      if (vscode.window.tabGroups.activeTabGroup.viewColumn === column) await vscode.commands.executeCommand('workbench.action.focusNextGroup');
      for (let i = 0; i < 40 && vscode.window.tabGroups.activeTabGroup.viewColumn === column; i++) await new Promise((r) => setTimeout(r, 50));
      assert.notEqual(vscode.window.tabGroups.activeTabGroup.viewColumn, column, `another group has the focus (${vscode.window.tabGroups.all.length} groups)`);
    }
    assert.deepEqual(demoTabs(), [column], 'one tab of the demo document, in its own group');
    assert.equal(api.traces.current?.graph.selfTracing?.source?.text, prompts[1]);
  });
});
