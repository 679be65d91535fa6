// Runs inside the real extension host (code-server or desktop VS Code): activation, the Trace Selection command
// on a real document, the panel's webview rendering, and the engine worker with onnxruntime-node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';
import manifest from '../../package.json';
import { EngineError } from '../../src/engine/errors';
import type { SelfTracingApi } from '../../src/extension/extension';
import type { FromWebview } from '../../src/protocol/messages';

const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;

function nextRender(api: SelfTracingApi, accept: (r: FromWebview.Rendered) => boolean, ms: number): Promise<FromWebview.Rendered> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`the panel did not report such a render within ${ms} ms`)); }, ms);
    const sub = api.onDidRenderPanel((r) => {
      if (!accept(r)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(r);
    });
  });
}

/** Lets the runner screenshot the workbench while the panel is open (only when run by scripts/run-e2e.mjs). */
async function holdForScreenshot(): Promise<void> {
  const marker = process.env.SELF_TRACING_E2E_MARKER;
  if (!marker) return;
  fs.writeFileSync(marker, 'panel rendered');
  for (let i = 0; i < 100 && fs.existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
}

describe('Self-Tracing in a real extension host', () => {
  let api: SelfTracingApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<SelfTracingApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded`);
    api = await extension.activate();
    console.log(`ext host: node ${process.version}, vscode ${vscode.version}, appHost ${vscode.env.appHost}`);
  });

  it('activates and registers every contributed command', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of manifest.contributes.commands) assert.ok(registered.has(command), command);
  });

  it('Trace Selection opens the graph panel, whose webview draws the selection and shows the engine ready', async () => {
    const text = 'The capital of Texas is Austin';
    const document = await vscode.workspace.openTextDocument({ content: `${text}\n`, language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(0, 0, 0, text.length);
    const rendered = nextRender(api, (r) => r.pieceCount === 6 && r.engineState === 'ready', 60_000);
    await vscode.commands.executeCommand('selfTracing.traceSelection');
    const report = await rendered;
    assert.equal(report.toolkit, true, 'the webview-ui-toolkit controls are defined');
    assert.match(report.traceId ?? '', /^trace-/);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    assert.ok(tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('selfTracing.graph')), 'a panel tab is open');
    await holdForScreenshot();
  });

  it('the engine worker runs the onnxruntime self-check inside the extension host', async () => {
    const result = await api.engine.check();
    assert.equal(result.selfCheck?.ok, true);
    assert.deepEqual(result.selfCheck?.output, [1, 2, 8, 10]);
    assert.equal(api.engine.status.state, 'ready');
  });

  it('an engine call whose signal is aborted is cancelled', async () => {
    await assert.rejects(api.engine.check({ signal: AbortSignal.abort() }), (e: unknown) => EngineError.is(e, 'cancelled'));
  });
});
