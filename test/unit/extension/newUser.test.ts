import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import type { SelfTracingApi } from '../../../src/extension/extension';
import { checkVocabulary, lastPartStart, mostlyOutside, targetToken, tooLong, vocabularyCharacters, vocabularyTokens } from '../../../src/extension/tracePrechecks';
import { traceStatusText } from '../../../src/extension/trace/traceStatusBar';
import type { Trace } from '../../../src/extension/trace/traceView';
import { fake, until, type FakeContext, sentOfType as sent, traceSelection as traceText } from '../fakeVscode';
import { activateFresh, deactivate } from './activated';
import { useFixtureModel } from './fixtureModel';

// What a new user trips on, against the fake `vscode` with the real engine worker on the tiny fixture model:
// the editor selection filter, live re-trace, Clear Trace, Check Engine, the walkthrough's Trace Selection, the
// target box, the status bar of an A-versus-B trace, and the checks before a trace.
let context: FakeContext;
let api: SelfTracingApi;

beforeEach(() => {
  ({ context, api } = activateFresh());
  useFixtureModel();
});
afterEach(() => deactivate(context));


test('a clicked node selects its token in the editor without filtering the graph; the user\'s own selection filters', async () => {
  const panel = await traceText('the cat sat');
  const t = api.traces.current!;
  const at = t.heat.find((h) => h.ctx === 2)!;
  panel.receive({ type: 'revealPosition', traceId: t.traceId, ctx: 2, focus: false });
  const selected = () => {
    const e = vscode.window.activeTextEditor!;
    return [e.document.offsetAt(e.selection.start), e.document.offsetAt(e.selection.end)].join();
  };
  await until(() => selected() === `${at.start},${at.end}`, 5000, 'the token selected');
  const editor = vscode.window.activeTextEditor!;
  // VS Code reports the selection the extension made like any other
  fake.events.selection.fire({ textEditor: editor, selections: [editor.selection] } as never);
  assert.deepEqual(sent(panel, 'editorFocus').at(-1), { type: 'editorFocus', traceId: t.traceId, cursor: 2, range: null }, 'the panel keeps every position');
  const doc = editor.document;
  fake.events.selection.fire({ textEditor: editor, selections: [new vscode.Selection(doc.positionAt(3), doc.positionAt(10))] } as never);
  assert.deepEqual(sent(panel, 'editorFocus').at(-1)?.range, [1, t.heat.filter((h) => h.start < 10).at(-1)!.ctx], 'a selection the user makes filters (the panel says so)');
});

test('with live re-trace on, an edit re-traces after the pause; the old graph stays until then; a newer edit cancels the older', async () => {
  fake.state.settings['selfTracing.liveRetrace'] = { globalValue: true };
  fake.state.settings['selfTracing.liveRetraceDelay'] = { globalValue: 200 };
  const panel = await traceText('the cat sat');
  const first = api.traces.current!;
  const shown = sent(panel, 'showGraph').length;
  // two quick edits: "the cat sat" → "the dog sat" → "the dog ran"
  const step1 = fake.openEditor('>> the dog sat\n', { fileName: '/ws/prompt.md' });
  fake.events.changeText.fire({ document: step1.document, contentChanges: [{ rangeOffset: 7, rangeLength: 3, text: 'dog' }] } as never);
  const step2 = fake.openEditor('>> the dog ran\n', { fileName: '/ws/prompt.md' });
  fake.events.changeText.fire({ document: step2.document, contentChanges: [{ rangeOffset: 11, rangeLength: 3, text: 'ran' }] } as never);
  assert.equal(api.traces.current, first, 'the previous graph stays while the user types');
  assert.equal(first.stale, true);
  assert.equal(sent(panel, 'clearGraph').length, 0);
  await until(() => api.traces.current !== first, 20_000, 'the re-trace');
  const now = api.traces.current!;
  assert.equal(now.graph.selfTracing!.source!.text, 'the dog ran');
  assert.equal(now.baseOffset, 3);
  assert.equal(now.stale, false);
  assert.equal(sent(panel, 'showGraph').length, shown + 1, 'one re-trace for the two edits (the first was dropped in the pause)');
  assert.equal(fake.state.logs.filter((l) => /live re-trace/.test(l.message)).length, 1);
  assert.equal(fake.state.messages.filter((m) => m.severity === 'error').length, 0);
  assert.ok(sent(panel, 'traceProgress').some((m) => /^Re-tracing "the dog ran"/.test(m.message)), 'the panel shows the re-trace in progress');
  assert.equal(sent(panel, 'traceProgress').at(-1)!.done, true);
});

test('without the setting, an edit only marks the trace stale', async () => {
  await traceText('the cat sat');
  const first = api.traces.current!;
  const step = fake.openEditor('>> the dog sat\n', { fileName: '/ws/prompt.md' });
  fake.events.changeText.fire({ document: step.document, contentChanges: [{ rangeOffset: 7, rangeLength: 3, text: 'dog' }] } as never);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(api.traces.current, first);
  assert.equal(first.stale, true);
});

test('Clear Trace clears the panel\'s graph too; Check Engine says what it found in a notification', async () => {
  const panel = await traceText('the cat sat');
  await vscode.commands.executeCommand('selfTracing.clearTrace');
  assert.equal(api.traces.current, undefined);
  assert.equal(sent(panel, 'clearGraph').length, 1);
  await vscode.commands.executeCommand('selfTracing.checkEngine');
  const info = fake.state.messages.filter((m) => m.severity === 'info').at(-1)!;
  assert.match(info.message, /^Self-Tracing: the engine works: onnxruntime \S+ ready \(self-check \d+ ms/);
});

test('Trace Selection from the walkthrough (no active text editor) traces the selection of the last text editor, and only then the step is done', async () => {
  fake.openEditor('>> the cat sat\n', { fileName: '/ws/prompt.md', start: 3, end: 14 });
  const editor = vscode.window.activeTextEditor!;
  fake.events.activeEditor.fire(editor);
  (vscode.window as { activeTextEditor: unknown }).activeTextEditor = undefined; // the walkthrough is the active editor now
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  assert.equal(api.traces.current?.graph.selfTracing?.source?.text, 'the cat sat');
  assert.ok(fake.state.builtins.some((b) => b.id === 'setContext' && b.args[0] === 'selfTracing.traced' && b.args[1] === true));
});

test('the status bar of an A-versus-B trace names both tokens, not A\'s probability; a single target\'s probability has one decimal', () => {
  const trace = { fileName: 'notes.md', stale: false, graph: { nodes: [], selfTracing: { target: { token: ' Austin', prob: 0.99, contrast: { token: ' Dallas' } } } } } as unknown as Trace;
  assert.deepEqual(traceStatusText(trace)?.text, '$(diff) " Austin" vs " Dallas"');
  assert.match(traceStatusText(trace)!.tooltip, /logit\(" Austin"\) − logit\(" Dallas"\)/);
  const single = { ...trace, graph: { nodes: [], selfTracing: { target: { token: ' Austin', prob: 0.99 } } } } as unknown as Trace;
  assert.equal(traceStatusText(single)?.text, '$(type-hierarchy) " Austin" 99.0%');
  const unlikely = { ...trace, graph: { nodes: [], selfTracing: { target: { token: ' Texas', prob: 0.007 } } } } as unknown as Trace;
  assert.equal(traceStatusText(unlikely)?.text, '$(type-hierarchy) " Texas" 0.7%', 'not rounded up to 1%');
  const tiny = { ...trace, graph: { nodes: [], selfTracing: { target: { token: ' 4', prob: 2.2e-6 } } } } as unknown as Trace;
  assert.equal(traceStatusText(tiny)?.text, '$(type-hierarchy) " 4" <0.1%', 'not "0.0%": the stated answer a reasoning check traces can be that unlikely');
});

test('"Another token…": Austin becomes " Austin" (one token with its space), a word that is no token is refused with a reason', () => {
  const tokens = vocabularyTokens(path.resolve('models/organism'));
  assert.ok(tokens && tokens.has(' Austin') && !tokens.has('Austin'));
  assert.deepEqual(targetToken('Austin', tokens).token, ' Austin');
  assert.match(targetToken('Austin', tokens).note!, /"Austin" is not one token for this model; " Austin" \(with its leading space\) is/);
  assert.deepEqual(targetToken(' Austin', tokens), { token: ' Austin' });
  assert.match(targetToken('Supercalifragilistic', tokens).reason!, /not one token for this model, nor is " Supercalifragilistic"/);
  assert.deepEqual(targetToken('anything', null), { token: 'anything' }, 'an unreadable vocabulary is left to the engine');
});

test('the checks before a trace: vocabulary coverage on the embedded model, the context error read back, the last part', () => {
  const known = vocabularyCharacters(path.resolve('models/organism'))!;
  assert.ok(known.has('é') || known.has('ñ') || known.size >= 0);
  const chinese = checkVocabulary('中文字符 🙂🙂', known);
  assert.equal(chinese.characters, 6);
  assert.equal(chinese.outside, 6);
  assert.equal(mostlyOutside(chinese), true);
  assert.equal(chinese.estimatedTokens, 4 * 3 + 2 * 4 + 1);
  assert.equal(mostlyOutside(checkVocabulary('Fact: the capital of the state containing Dallas is', known)), false);
  assert.equal(mostlyOutside(checkVocabulary('El niño pequeño', known)), false, 'a few accents are fine');
  assert.deepEqual(tooLong("The prompt is 41 tokens long; this model's context is 16 tokens."), { tokens: 41, context: 16 });
  const text = 'one two three four five six seven eight nine ten';
  const start = lastPartStart(text, 60, 16);
  assert.ok(start > 0 && text[start - 1] === ' ' && /\S/.test(text[start]), `a word boundary: ${JSON.stringify(text.slice(start))}`);
});
