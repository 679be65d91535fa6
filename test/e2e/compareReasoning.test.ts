// Compare Stated Reasoning with Trace in a real extension host, on the embedded model: the second case
// (Dallas → Ohio → Columbus, answer Austin). The verdict in the status bar and the heading lens, a lens and a
// hover per claim, the contradicted claims as Problems on their lines, a screenshot with the Problems panel open,
// and none of the claims' marks once the text changes.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import manifest from '../../package.json';
import type { ReasoningResult } from '../../src/engine/reasoning/resources';
import { holdForScreenshot } from './screenshot';

const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
const OHIO = '## Prompt\n\nFact: the capital of the state containing Dallas is\n\n## Reasoning\n\n- Dallas is a city in Ohio.\n- The capital of Ohio is Columbus.\n\n## Answer\n\nAustin\n';
const titles = (lenses: vscode.CodeLens[]) => lenses.map((l) => l.command?.title ?? '');
const hoverText = (hovers: vscode.Hover[]) => hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');

describe('Compare Stated Reasoning with Trace in a real extension host', () => {
  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });

  it('gives the verdict with its claims marked, contradicted claims as Problems, and drops them on edit', async function () {
    if (process.env.SELF_TRACING_E2E_MODEL) this.skip(); // the verdicts are the embedded model's
    this.timeout(240_000);
    const document = await vscode.workspace.openTextDocument({ content: OHIO, language: 'markdown' });
    await vscode.window.showTextDocument(document);
    const before = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    assert.ok(titles(before).includes('Compare Stated Reasoning with Trace'), titles(before).join(' | '));

    const result = await vscode.commands.executeCommand<ReasoningResult>('selfTracing.compareReasoning', document.uri);
    assert.ok(result, 'the comparison returned a result');
    assert.equal(result.summary.verdict, 'contradicted');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    assert.ok(titles(lenses).some((t) => /^\$\(graph\) contradicted · answer not the model's · score 0\.00/.test(t)), titles(lenses).join(' | '));
    assert.ok(titles(lenses).some((t) => t.includes('contradicted · Ohio ≠ Texas')), titles(lenses).join(' | '));
    const claim = result.summary.claims[0];
    const at = new vscode.Position(claim.range.startLine, claim.range.startCol + 1);
    assert.match(hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, at)), /\*\*contradicted\*\*: names “Ohio”/);
    const problems = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Self-Tracing');
    assert.deepEqual(problems.map((d) => d.range.start.line), [6, 7]);
    assert.ok(problems.every((d) => d.severity === vscode.DiagnosticSeverity.Warning));

    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One });
    await holdForScreenshot('compare-reasoning');

    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(claim.range.startLine, claim.range.endCol), ' Indeed.');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.doesNotMatch(hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, at)), /contradicted/);
    const after = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
    assert.deepEqual(titles(after), ['Compare Stated Reasoning with Trace']);
    assert.equal(vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Self-Tracing').length, 0);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
