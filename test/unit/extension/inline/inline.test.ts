// The inline layer through the activated extension against the fake `vscode`, with the real engine worker on the
// tiny fixture model: Trace Selection's trace becomes inline (CodeLens, after-text, paths thread, inlay hints on
// request), edits mark it stale, Trace All Prompts in File traces every line under one progress, the panel follows
// the cursor, "ablate this step" writes its effect under the path, and a new session restores the traces.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { activate, type SelfTracingApi } from '../../../../src/extension/extension';
import type { InterventionRecord } from '../../../../src/protocol/graph-json';
import { fake, fakeContext, type FakeContext, type FakeEditor } from '../../fakeVscode';
import { useFixtureModel } from '../fixtureModel';

const root = path.resolve('.');
let context: FakeContext;
let api: SelfTracingApi;

beforeEach(() => {
  fake.reset();
  context = fakeContext(root, { storageDir: fs.mkdtempSync(path.join(os.tmpdir(), 'self-tracing-inline-')) });
  api = activate(context as unknown as vscode.ExtensionContext);
  useFixtureModel();
});
afterEach(() => {
  for (const d of context.subscriptions.splice(0)) d.dispose();
});

const lenses = (doc: vscode.TextDocument) => fake.state.codeLensProviders.flatMap((p) => (p.provideCodeLenses(doc, {} as vscode.CancellationToken) as vscode.CodeLens[]) ?? []);
const lensTitles = (doc: vscode.TextDocument) => lenses(doc).map((l) => l.command?.title);
const afterTexts = (editor: FakeEditor) => [...editor.decorations.values()].flat().map((o) => (o as vscode.DecorationOptions).renderOptions?.after?.contentText).filter(Boolean);
const hints = (doc: vscode.TextDocument) => fake.state.inlayHintsProviders.flatMap((p) => (p.provideInlayHints(doc, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), {} as vscode.CancellationToken) as vscode.InlayHint[]) ?? []);
const threadBody = (i: number) => { const b = fake.state.commentThreads[i]?.comments[0]?.body; return typeof b === 'string' ? b : b?.value ?? ''; };
const errors = () => fake.state.messages.filter((m) => m.severity === 'error');

test('a traced selection gets its summary lens, after-text and paths thread; inlay hints only on request; an edit marks it stale', async () => {
  const editor = fake.openEditor('# notes\nthe cat sat on\n', { fileName: '/ws/notes.md', start: 8, end: 22 });
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  const t = api.traces.current!;
  const doc = editor.document;
  const titles = lensTitles(doc);
  assert.equal(titles.length, 4);
  assert.match(titles[0]!, /^\$\(type-hierarchy\) ".*" \d+\.\d% · \d+ nodes · replacement \d\.\d\d$/);
  assert.deepEqual(titles.slice(1), ['Open Graph', 'Choose Target', 'Re-trace']);
  assert.equal(lenses(doc)[0].range.start.line, 1, 'above the traced line');
  assert.deepEqual(lenses(doc).map((l) => l.command?.arguments?.[0]), Array(4).fill({ traceId: t.traceId }));
  assert.match(afterTexts(editor)[0] as string, /^→ ".*" \d+\.\d%$/);
  assert.equal(fake.state.commentThreads.length, 1);
  const thread = fake.state.commentThreads[0];
  assert.equal(thread.range?.start.line, 1, 'under the traced line');
  assert.equal(thread.canReply, false);
  assert.match(thread.label!, /^strongest paths to "/);
  assert.match(threadBody(0), /command:selfTracing\.inline\.showStep/);

  assert.deepEqual(hints(doc), [], 'off by default');
  fake.state.settings['selfTracing.inline.attributionHints'] = { globalValue: true };
  const shown = hints(doc);
  const offsets = t.graph.selfTracing!.tokenOffsets!.filter(([s, e]) => e > s);
  assert.equal(shown.length, offsets.length);
  assert.deepEqual(shown.map((h) => doc.offsetAt(h.position)), offsets.map(([, e]) => 8 + e), 'after each token');
  assert.ok(shown.every((h) => /^[+-]\d+\.\d{3}$/.test(h.label as string)));

  // with the paths widget off (as in notebook cells, where comment threads do not show) the after-text names the
  // strongest path and hovering the traced text gives the widget's markdown
  fake.state.settings['selfTracing.inline.paths'] = { globalValue: 'off' };
  api.inline.view.redraw();
  assert.equal(fake.state.commentThreads.length, 0);
  assert.match(afterTexts(editor)[0] as string, /^→ ".*" \d+\.\d% · \S+ → .* → \S+ −?\d/);
  const hoverOnly = fake.state.decorationTypes.find((d) => Object.keys(d.options).length === 0)!;
  const withHover = editor.decorations.get(hoverOnly.key) as vscode.DecorationOptions[];
  assert.equal(withHover.length, 1);
  assert.equal(doc.getText(withHover[0].range), 'the cat sat on');
  assert.match((withHover[0].hoverMessage as vscode.MarkdownString).value, /command:selfTracing\.inline\.showStep/);
  fake.state.settings['selfTracing.inline.paths'] = { globalValue: 'expanded' };
  api.inline.view.redraw();
  assert.equal(fake.state.commentThreads.length, 1);

  fake.events.changeText.fire({ document: doc, contentChanges: [{ rangeOffset: 10, rangeLength: 1, text: 'o', range: undefined as never, rangeOffset_: 0 } as never], reason: undefined });
  assert.match(lensTitles(doc)[0]!, /^\$\(warning\) stale: /);
  assert.match(afterTexts(editor)[0] as string, / · stale$/);
  assert.match(fake.state.commentThreads[0].label!, /^Stale: /);
  assert.deepEqual(hints(doc), [], 'no numbers on changed text');
  assert.deepEqual(errors(), []);
});

test('Clear Trace clears the traced selection\'s inline views too', async () => {
  const editor = fake.openEditor('# notes\nthe cat sat on\n', { fileName: '/ws/notes.md', start: 8, end: 22 });
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  assert.equal(lensTitles(editor.document).length, 4);
  await vscode.commands.executeCommand('selfTracing.clearTrace');
  assert.deepEqual(lensTitles(editor.document), []);
  assert.deepEqual(afterTexts(editor), []);
  assert.equal(api.inline.entries.all().length, 0);
  assert.deepEqual(errors(), []);
});

test('Trace All Prompts in File: every line traced under one progress, each with its own lens and paths; the panel follows the cursor; ablate this step writes its effect', async () => {
  const text = 'the cat sat on\n\nthe dog ran to\na cat and a\n';
  const editor = fake.openEditor(text, { fileName: '/ws/prompts.txt', start: 0, end: 0 });
  const result = await api.inline.traceAll();
  assert.ok(result);
  assert.equal(result.traced.length, 3);
  assert.deepEqual(result.failed, []);
  assert.equal(fake.state.progress?.options.cancellable, true);
  assert.match(String(fake.state.progress?.options.title), /3 prompts of prompts\.txt/);
  const doc = editor.document;
  assert.deepEqual(lenses(doc).filter((_, i) => i % 4 === 0).map((l) => l.range.start.line), [0, 2, 3]);
  assert.equal(fake.state.commentThreads.length, 3);
  assert.deepEqual(api.inline.entries.in(doc.uri.toString()).map((e) => doc.getText(new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)))), ['the cat sat on', 'the dog ran to', 'a cat and a']);
  assert.equal(api.traces.current?.traceId, result.traced[0].traceId, 'the panel shows the prompt under the cursor');

  // the cursor moves to the third prompt: the panel follows
  const third = result.traced[2];
  editor.selection = new vscode.Selection(doc.positionAt(third.start + 2), doc.positionAt(third.start + 2));
  fake.events.selection.fire({ textEditor: editor as unknown as vscode.TextEditor, selections: [editor.selection], kind: undefined });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(api.traces.current?.traceId, third.traceId);

  // ablate the first feature step of the second prompt's strongest path, through the widget's link
  const body = threadBody(1);
  const link = /\]\(command:selfTracing\.inline\.ablateStep\?([^ )]+)/.exec(body);
  assert.ok(link, body);
  const [arg] = JSON.parse(decodeURIComponent(link[1]));
  assert.equal(arg.traceId, result.traced[1].traceId);
  const record = await vscode.commands.executeCommand<InterventionRecord>('selfTracing.inline.ablateStep', arg);
  assert.ok(record);
  assert.deepEqual(record.nodeIds, [arg.nodeId]);
  assert.equal(api.traces.current?.traceId, result.traced[1].traceId, 'the ablated prompt is in the panel');
  assert.match(threadBody(1), /\n {4}- ablate L\d\/\d+: P\\\(".*"\\\) \d+\\\.\d% → \d+\\\.\d% \\\(/);
  assert.equal(api.inline.entries.get(result.traced[1].traceId)?.graph.selfTracing?.interventions?.length, 1, 'the graph keeps the result');
  assert.deepEqual(errors(), []);

  // a new session restores all three where their text is, with the effect
  for (const d of context.subscriptions.splice(0)) d.dispose();
  assert.equal(fake.state.commentThreads.length, 0);
  context = fakeContext(root, { workspaceState: context.workspaceState, storageDir: context.storageUri!.fsPath });
  api = activate(context as unknown as vscode.ExtensionContext);
  assert.equal(api.inline.entries.in(doc.uri.toString()).length, 3, 'restored from workspace storage');
  assert.equal(fake.state.commentThreads.length, 3);
  assert.match(threadBody(1), /- ablate L\d/);
  assert.ok(!fake.state.files.has(doc.uri.toString()), 'nothing is written into the user\'s file');
});

test('Trace All: a cancel stops after the prompt in flight and keeps what is done; an empty file says what to write', async () => {
  fake.openEditor('the cat sat on\nthe dog ran to\na cat and a\n', { fileName: '/ws/p.txt', start: 0, end: 0 });
  const running = api.inline.traceAll();
  await new Promise((r) => setTimeout(r, 0));
  fake.state.progress!.cancel();
  const result = await running;
  assert.ok(result);
  assert.equal(result.cancelled, true);
  assert.ok(result.traced.length < 3, `${result.traced.length} traced`);
  assert.deepEqual(errors(), []);

  fake.openEditor('\n  \n', { fileName: '/ws/empty.txt' });
  assert.equal(await api.inline.traceAll(), undefined);
  assert.match(fake.state.messages.at(-1)!.message, /has no prompts to trace: write one per line/);
});

test('a restored trace whose text is gone is dropped, one whose text moved follows it, and Clear Inline Traces removes a file\'s traces', async () => {
  const editor = fake.openEditor('the cat sat on\nthe dog ran to\n', { fileName: '/ws/q.txt', start: 0, end: 0 });
  const result = await api.inline.traceAll();
  assert.equal(result?.traced.length, 2);
  for (const d of context.subscriptions.splice(0)) d.dispose();
  // the file changed between sessions: a line inserted before, the second prompt edited away
  fake.openEditor('new first line\nthe cat sat on\nthe dog sat\n', { fileName: '/ws/q.txt' });
  context = fakeContext(root, { workspaceState: context.workspaceState, storageDir: context.storageUri!.fsPath });
  api = activate(context as unknown as vscode.ExtensionContext);
  const back = api.inline.entries.in(editor.document.uri.toString());
  assert.deepEqual(back.map((e) => [e.start, e.text]), [[15, 'the cat sat on']]);
  assert.equal(fs.readdirSync(path.join(context.storageUri!.fsPath, 'inline')).length, 1, 'the dropped graph file is removed');
  assert.equal(await vscode.commands.executeCommand('selfTracing.clearInlineTraces'), 1);
  assert.equal(fake.state.commentThreads.length, 0);
  assert.equal(fs.readdirSync(path.join(context.storageUri!.fsPath, 'inline')).length, 0);
});

test('the lens\'s Choose Target re-traces the same text towards the pick, and the new trace replaces the old one inline', async () => {
  const editor = fake.openEditor('>> the cat sat on\n', { fileName: '/ws/c.md', start: 3, end: 17 });
  const first = await vscode.commands.executeCommand<string>('selfTracing.traceSelection');
  const before = api.inline.entries.get(first!)!;
  const second = before.graph.selfTracing!.topOutputs![1];
  fake.state.answers.push({ label: JSON.stringify(second.token), token: second.token, tokenId: second.tokenId }); // the quick pick's answer
  await vscode.commands.executeCommand('selfTracing.inline.chooseTarget', { traceId: first });
  const entries = api.inline.entries.in(editor.document.uri.toString());
  assert.equal(entries.length, 1, 'the re-trace replaced the first trace');
  assert.notEqual(entries[0].traceId, first);
  assert.equal(entries[0].graph.selfTracing?.target?.token, second.token);
  assert.deepEqual([entries[0].start, entries[0].end], [3, 17]);
  assert.match(lensTitles(editor.document)[0]!, new RegExp(`^\\$\\(type-hierarchy\\) ${JSON.stringify(second.token).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.deepEqual(errors(), []);
});

test('JSONL: a verbatim prompt maps its tokens onto the record, an escaped one marks the record without per-token numbers; a step link opens its node in the panel; More paths shows eight', async () => {
  const text = '{"prompt": "the cat sat on"}\n{"prompt": "the \\"dog\\" ran"}\n';
  const editor = fake.openEditor(text, { fileName: '/ws/p.jsonl', start: 0, end: 0 });
  const result = await api.inline.traceAll();
  assert.equal(result?.traced.length, 2);
  const [verbatim, escaped] = result!.traced;
  assert.deepEqual([verbatim.exact, text.slice(verbatim.start, verbatim.end)], [true, 'the cat sat on']);
  assert.deepEqual([escaped.exact, text.slice(escaped.start, escaped.end)], [false, '{"prompt": "the \\"dog\\" ran"}']);
  assert.equal(escaped.graph.selfTracing?.source?.text, 'the "dog" ran', 'the decoded prompt is what was traced');
  fake.state.settings['selfTracing.inline.attributionHints'] = { globalValue: true };
  const doc = editor.document;
  const shown = hints(doc);
  assert.ok(shown.length > 0 && shown.every((h) => h.position.line === 0), 'numbers only on the verbatim prompt');
  assert.equal(doc.offsetAt(shown.at(-1)!.position), verbatim.end, 'the last number right after the prompt, inside its quotes');

  const link = /\]\(command:selfTracing\.inline\.showStep\?([^ )]+)/.exec(threadBody(1));
  const [arg] = JSON.parse(decodeURIComponent(link![1]));
  assert.equal(arg.traceId, escaped.traceId);
  const panel = fake.state.panels[0];
  panel.receive({ type: 'ready' });
  const showing = vscode.commands.executeCommand('selfTracing.inline.showStep', arg);
  // the panel draws the step's trace, then selects the node
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(api.traces.current?.traceId, escaped.traceId, 'the step\'s trace is in the panel');
  assert.equal(panel.webview.sent.filter((m) => (m as { type: string }).type === 'selectNode').length, 0, 'not before the panel drew it');
  panel.receive({ type: 'rendered', traceId: escaped.traceId, pieceCount: 0, engineState: null, toolkit: true, graphNodes: 3 });
  await showing;
  assert.deepEqual(panel.webview.sent.filter((m) => (m as { type: string }).type === 'selectNode').at(-1), { type: 'selectNode', traceId: escaped.traceId, nodeId: arg.nodeId, pin: false });

  // the raising paths (the lowering ones, after "Lower it", come on top of them)
  const items = () => threadBody(0).split('\n**Lower it**')[0].split('\n').filter((l) => /^\d+\. /.test(l)).length;
  const few = items();
  await vscode.commands.executeCommand('selfTracing.inline.morePaths', { traceId: verbatim.traceId, more: true });
  assert.ok(items() > few && items() <= 8, `${few} → ${items()} paths`);
  assert.match(threadBody(0), /\[Fewer paths\]/);
});
