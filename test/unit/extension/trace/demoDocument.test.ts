import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import type { SelfTracingApi } from '../../../../src/extension/extension';
import { fake, type FakeContext } from '../../fakeVscode';
import { activateFresh, deactivate } from '../activated';

// Open Demo Prompts through the real command: a read-only virtual document, one "Trace this prompt" CodeLens per
// prompt, and a click traces exactly that prompt (two-line prompts too) with the real engine on the embedded model;
// the inline layer's summary lens then sits beside the demo lens.
let context: FakeContext;
let api: SelfTracingApi;
const shipped = JSON.parse(fs.readFileSync('models/organism/demo-prompts.json', 'utf8')) as { theme: string; prompt: string }[];

beforeEach(() => {
  ({ context, api } = activateFresh({ storage: true }));
});
afterEach(() => deactivate(context));

const lensesOf = async (doc: vscode.TextDocument) =>
  (await Promise.all(fake.state.codeLensProviders.map((p) => p.provideCodeLenses(doc, {} as vscode.CancellationToken)))).flatMap((l) => l ?? []);

test('Open Demo Prompts opens one read-only virtual document (the same one again), every shipped prompt verbatim with a lens', async () => {
  await vscode.commands.executeCommand('selfTracing.openDemoPrompts');
  const doc = vscode.window.activeTextEditor!.document;
  assert.equal(doc.uri.scheme, 'self-tracing-demo');
  assert.ok(doc.uri.path.endsWith('.md'), 'markdown by its name');
  assert.equal(doc.isDirty, false);
  const text = doc.getText();
  assert.ok(shipped.length >= 12);
  for (const heading of ['Two-hop', 'Spanish and French', 'addition', 'Rhyming', 'unknown entities', 'Stated reasoning']) assert.ok(text.includes(heading), heading);
  // the listed outputs were measured without BOS (tools/organism/evaluate.py): the document says so, since a trace's
  // numbers differ (Dallas: " Texas" 1.1% listed, 0.7% traced); each paragraph is one line, wrapped by the editor
  assert.match(text, /^# Self-Tracing demo prompts\n\nClick \*\*Trace this prompt\*\*[^\n]+ones away from it\.\n\nThe outputs listed are [^\n]+without the BOS token a trace puts first[^\n]+Trace Selection\*\*\.\n\n## /);
  assert.match(text, /## Two-hop facts[^\n]*\n\nLook at: [^\n]+\n\n```text\nFact: the capital of the state containing Dallas is\n```\n\nModel: `" Austin"` \d+\.\d%/);
  const lenses = (await lensesOf(doc)).filter((l) => l.command?.command === 'selfTracing.traceDemoPrompt');
  assert.equal(lenses.length, shipped.length);
  const traced = lenses.map((l) => { const [, a, b] = l.command!.arguments as [string, number, number]; return text.slice(a, b); });
  assert.deepEqual([...traced].sort(), shipped.map((p) => p.prompt).sort(), 'each lens traces its prompt exactly');
  assert.ok(lenses.every((l) => l.command!.title.includes('Trace this prompt')));
  await vscode.commands.executeCommand('selfTracing.openDemoPrompts');
  assert.equal(vscode.window.activeTextEditor!.document, doc, 'opening again shows the same document, not a new untitled one');
  assert.equal(vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'self-tracing-demo').length, 1);
});

test('a demo lens traces its two-line prompt exactly, through the Trace Selection path; the inline summary lens joins it', async () => {
  await vscode.commands.executeCommand('selfTracing.openDemoPrompts');
  const doc = vscode.window.activeTextEditor!.document;
  // the embedded model (the default), on the shortest two-line prompt
  const prompt = (l: vscode.CodeLens) => { const [, a, b] = l.command!.arguments as [string, number, number]; return doc.getText().slice(a, b); };
  const lens = (await lensesOf(doc)).filter((l) => l.command?.command === 'selfTracing.traceDemoPrompt' && prompt(l).includes('\n'))
    .sort((a, b) => prompt(a).length - prompt(b).length)[0];
  assert.ok(lens, 'a two-line prompt has a lens');
  const [, start, end] = lens.command!.arguments as [string, number, number];
  const traceId = await vscode.commands.executeCommand(lens.command!.command, ...lens.command!.arguments!);
  assert.equal(typeof traceId, 'string', JSON.stringify(fake.state.messages));
  const t = api.traces.current!;
  assert.equal(t.graph.selfTracing!.source!.text, doc.getText().slice(start, end));
  assert.match(t.graph.selfTracing!.source!.text, /\n/);
  assert.equal(t.baseOffset, start);
  assert.equal(t.uri?.toString(), doc.uri.toString());
  const editor = vscode.window.activeTextEditor!;
  assert.equal(doc.offsetAt(editor.selection.start), start);
  assert.equal(doc.offsetAt(editor.selection.end), end);
  const onLine = (await lensesOf(doc)).filter((l) => l.range.start.line === doc.positionAt(start).line);
  assert.ok(onLine.some((l) => l.command?.command === 'selfTracing.traceDemoPrompt'), 'the demo lens stays');
  assert.ok(onLine.some((l) => l.command?.command === 'selfTracing.inline.open'), `the inline summary lens joins it: ${onLine.map((l) => l.command?.title).join(' | ')}`);
});
