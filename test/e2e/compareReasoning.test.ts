// Compare Stated Reasoning with Trace in a real extension host, on the tiny fixture model set through the user
// settings (the embedded model may be absent) with random transcoders: lenses, hovers and diagnostics as VS Code's
// own providers report them, and none of the claim's once the text changes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import manifest from '../../package.json';
import type { ReasoningResult } from '../../src/engine/reasoning/resources';
import { writeRandomTranscoders } from '../unit/engine/attribution/randomTranscoders';

const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
const SMALL = '---\ntemplate: "{prompt} {reasoning} {answer}"\n---\n## Prompt\n\nthe cat\n\n## Reasoning\n\n- a dog.\n\n## Answer\n\nx\n';
const titles = (lenses: vscode.CodeLens[]) => lenses.map((l) => l.command?.title ?? '');
const hoverText = (hovers: vscode.Hover[]) => hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');

describe('Compare Stated Reasoning with Trace in a real extension host', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reasoning-e2e-'));
  const config = () => vscode.workspace.getConfiguration('selfTracing');

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await extension.activate();
    writeRandomTranscoders(path.join(tmp, 'transcoders'), { nLayers: 2, dModel: 24, nFeatures: 24, sparsity: -0.3 });
    await config().update('modelPath', path.join(extension.extensionPath, 'test/fixtures/gpt2-tiny'), vscode.ConfigurationTarget.Global);
    await config().update('transcoderPath', path.join(tmp, 'transcoders'), vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await config().update('modelPath', undefined, vscode.ConfigurationTarget.Global);
    await config().update('transcoderPath', undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('marks the claim with a lens, a hover and (when unsupported) a diagnostic, and drops them on edit', async () => {
    const document = await vscode.workspace.openTextDocument({ content: SMALL, language: 'markdown' });
    await vscode.window.showTextDocument(document);
    const before = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    assert.ok(titles(before).includes('Compare Stated Reasoning with Trace'), titles(before).join(' | '));

    const result = await vscode.commands.executeCommand<ReasoningResult>('selfTracing.compareReasoning', document.uri);
    assert.ok(result, 'the comparison returned a result');
    const claim = result.summary.claims[0];
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    assert.ok(titles(lenses).some((t) => t.includes(claim.summary)), titles(lenses).join(' | '));
    assert.ok(titles(lenses).some((t) => /^\$\(graph\) score \d\.\d\d/.test(t)), titles(lenses).join(' | '));
    const at = new vscode.Position(claim.range.startLine, claim.range.startCol + 1);
    assert.match(hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, at)), /of the answer's influence flows through/);
    const unsupported = result.summary.claims.filter((c) => c.status === 'unsupported').length;
    assert.equal(vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Self-Tracing').length, unsupported);

    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(claim.range.startLine, claim.range.endCol), ' Indeed.');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.doesNotMatch(hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, at)), /influence flows through/);
    const after = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    assert.deepEqual(titles(after), ['Compare Stated Reasoning with Trace']);
    assert.equal(vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Self-Tracing').length, 0);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
