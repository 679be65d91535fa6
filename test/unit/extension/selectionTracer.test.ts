import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { afterEach, before, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { readSavedView } from '../../../src/protocol/graphForms';
import { activate, type SelfTracingApi } from '../../../src/extension/extension';
import { fake, fakeContext, fakeMemento, rangeOf, until, type FakeContext, type FakeEditor, type FakePanel, sentOfType as sent, traceSelection as traceText } from '../fakeVscode';
import { activateFresh, deactivate } from './activated';
import { FIXTURE_MODEL, modelWithFeatures, useFixtureModel } from './fixtureModel';

// Tracing from the editor against the fake `vscode`, with the real engine worker (dist/worker.js) on the tiny
// fixture model: the graph, heatmap, re-traces, bad input, Restricted Mode, feature details, labels and restore.
const root = path.resolve('.');
let context: FakeContext;
let api: SelfTracingApi;
let featureModel: string;

before(async () => {
  featureModel = await modelWithFeatures();
});
beforeEach(() => {
  ({ context, api } = activateFresh({ storage: true }));
});
afterEach(() => deactivate(context));

const lastError = () => fake.state.messages.filter((m) => m.severity === 'error').at(-1);

test('a traced selection shades its tokens where they are in the document', async () => {
  useFixtureModel();
  await traceText('the cat sat');
  const t = api.traces.current!;
  assert.equal(t.baseOffset, 3);
  assert.equal(t.model?.modelDir, FIXTURE_MODEL);
  const editor = vscode.window.activeTextEditor as FakeEditor;
  const heat = new Set(fake.state.decorationTypes.filter((d) => d.options.backgroundColor).map((d) => d.key));
  const shaded = [...editor.decorations].filter(([key]) => heat.has(key)).flatMap(([, ranges]) => ranges).map((r) => editor.document.getText(rangeOf(r)));
  assert.ok(shaded.length > 0, 'some tokens are shaded');
  assert.ok(shaded.every((s) => 'the cat sat'.includes(s)), shaded.join('|'));
  const x = t.graph.selfTracing!;
  assert.deepEqual(x.tokenOffsets!.slice(1).map(([a, b]) => 'the cat sat'.slice(a, b)).join(''), 'the cat sat');
  assert.equal(fake.state.progress?.reports.at(-1)?.message !== undefined, true, 'progress was reported');
});

test('a page that loads again after the trace (the panel hidden behind a tab, then shown) is told the trace is over', async () => {
  useFixtureModel();
  const panel = await traceText('the cat sat');
  assert.ok(api.traces.current);
  const before = sent(panel, 'traceProgress').length;
  // the page loads its HTML again: it opened for this trace, so its first frame shows the pending bar
  assert.match(panel.webview.html, /<div id="busy" class="busy" role="status">/);
  panel.receive({ type: 'ready' });
  assert.deepEqual(sent(panel, 'traceProgress').slice(before).map((m) => m.done), [true], 'the bar is hidden again, not left over the graph');
});

test('Cancel on the progress notification aborts the trace in the engine and leaves nothing of it behind', async () => {
  useFixtureModel();
  // the user clicks Cancel as soon as the engine reports its first step: the trace is running in the worker then
  fake.events.progressReport.event(({ progress }) => progress.cancel());
  fake.openEditor('>> the cat sat\n', { fileName: '/ws/prompt.md', start: 3, end: 14 });
  const traceId = await vscode.commands.executeCommand('selfTracing.traceSelection');
  const progress = fake.state.progress!;
  assert.equal(progress.options.cancellable, true);
  assert.equal(progress.token.isCancellationRequested, true);
  assert.ok(progress.done);
  assert.equal(progress.reports.length, 1, 'no progress after the cancel');
  assert.equal(traceId, undefined);
  // the engine call was aborted: the worker's request rejected as cancelled, not finished and thrown away
  assert.ok(fake.state.logs.some((l) => l.level === 'error' && l.message.startsWith('trace failed [cancelled]')), JSON.stringify(fake.state.logs));
  assert.deepEqual(api.engine.status, { state: 'ready', message: 'Trace cancelled.' });
  // nothing half-done: no trace, no graph sent, no heatmap, no message, the panel's progress is over, nothing saved
  const panel = fake.state.panels[0];
  panel.receive({ type: 'ready' });
  const current = () => api.traces.current?.traceId;
  assert.equal(current(), undefined);
  assert.deepEqual(sent(panel, 'showGraph'), []);
  assert.deepEqual(sent(panel, 'traceProgress').map((m) => m.done), [true], 'a page opened now shows no trace in progress (its HTML opened with the bar)');
  const editor = vscode.window.activeTextEditor as FakeEditor;
  assert.ok([...editor.decorations.values()].every((d) => d.length === 0), 'no heatmap');
  assert.deepEqual(fake.state.messages, []);
  assert.ok(!fake.state.builtins.some((b) => b.id === 'setContext' && b.args[0] === 'selfTracing.traced'), 'the walkthrough step is not marked done');
  assert.deepEqual(context.workspaceState.keys(), []);

  // the worker is not left busy: the same selection traces at once afterwards
  fake.events.progressReport.dispose();
  const second = await vscode.commands.executeCommand('selfTracing.traceSelection');
  assert.ok(second);
  assert.equal(current(), second);
});

test('Choose Target and Trace from Here re-trace the same text, towards the pick or up to the position', async () => {
  useFixtureModel();
  const panel = await traceText('the cat sat');
  const first = api.traces.current!;
  const pick = first.graph.selfTracing!.topOutputs![1];
  fake.state.answers.push({ label: JSON.stringify(pick.token), token: pick.token, tokenId: pick.tokenId });
  await vscode.commands.executeCommand('selfTracing.chooseTarget');
  const retraced = api.traces.current!;
  assert.notEqual(retraced.traceId, first.traceId, JSON.stringify(fake.state.messages));
  assert.equal(retraced.graph.selfTracing!.target!.token, pick.token);
  assert.equal(retraced.baseOffset, 3, 'the heatmap stays on the traced text');

  await vscode.commands.executeCommand('selfTracing.traceFromHere', { traceId: retraced.traceId, ctx: 2 });
  const prefix = api.traces.current!;
  const end = retraced.graph.selfTracing!.tokenOffsets![2][1];
  assert.equal(prefix.graph.selfTracing!.source!.text, 'the cat sat'.slice(0, end));
  assert.equal(sent(panel, 'showGraph').length, 3);
});

test('a selection longer than the model\'s context is offered its last part, which then traces in place', async () => {
  useFixtureModel();
  const text = 'The capital of the state containing Dallas is Austin';
  await traceText(text);
  assert.match(lastError()!.message, /the selection is \d+ tokens; this model reads at most 16\. Trace its last \d+ characters/);
  assert.deepEqual(lastError()!.actions, ['Trace the Last Part', 'Show Log']);
  assert.equal(api.traces.current, undefined);
  assert.equal(api.engine.status.state, 'ready', 'a prompt the model cannot take leaves the engine ready');
  fake.state.messageAnswers.push('Trace the Last Part');
  await traceText(text);
  await until(() => api.traces.current !== undefined);
  const t = api.traces.current!;
  const part = t.graph.selfTracing!.source!.text!;
  assert.ok(text.endsWith(part) && part.length < text.length && /^\S/.test(part), `the last part, from a word: ${JSON.stringify(part)}`);
  assert.equal(t.baseOffset, 3 + text.length - part.length, 'the heatmap sits on that part of the document');
  await traceText('the cat');
  assert.ok(api.traces.current, 'the extension stays usable');
});

test('text mostly outside the vocabulary asks before tracing; Trace Anyway traces it', async () => {
  useFixtureModel();
  fake.openEditor('>> 中文字符\n', { fileName: '/ws/prompt.md', start: 3, end: 7 });
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  const warning = fake.state.messages.filter((m) => m.severity === 'warning').at(-1)!;
  assert.match(warning.message, /4 of the 4 characters here \("中" "文" "字" "符"…\) are not in this model's vocabulary: each becomes 2–4 byte tokens \(about 13 tokens in all\)/);
  assert.deepEqual(warning.actions, ['Trace Anyway', 'Open Demo Prompts']);
  assert.equal(fake.state.panels.length, 0, 'nothing traced');
  fake.state.messageAnswers.push('Trace Anyway');
  await traceText('中文字符');
  assert.equal(api.traces.current?.graph.metadata.prompt_tokens.length, 13, 'traced: BOS and 12 byte tokens');
  await traceText('the cat 中');
  assert.equal(fake.state.messages.filter((m) => m.severity === 'warning').length, 2, 'a mostly-ASCII text is not asked about');
});

test('a missing model folder and a model that fails to load each get a message with Open Settings', async () => {
  useFixtureModel('/no/such/model');
  await traceText('the cat');
  assert.match(lastError()!.message, /No model at \/no\/such\/model/);
  assert.deepEqual(lastError()!.actions, ['Choose Model…', 'Open Settings', 'Show Log']);

  const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'broken-model-'));
  fs.writeFileSync(path.join(broken, 'config.json'), JSON.stringify({ architectures: ['MysteryForCausalLM'] }));
  fs.mkdirSync(path.join(broken, 'transcoders'));
  useFixtureModel(broken, undefined);
  await traceText('the cat');
  assert.match(lastError()!.message, /architecture "MysteryForCausalLM" is not supported/);
  assert.deepEqual(lastError()!.actions, ['Choose Model…', 'Open Settings']);
  assert.equal(api.engine.status.state, 'error');

  useFixtureModel();
  await traceText('the cat');
  assert.ok(api.traces.current, 'the extension stays usable');
});

test('in Restricted Mode a model path from the workspace settings is not loaded', async () => {
  (vscode.workspace as { isTrusted: boolean }).isTrusted = false;
  fake.state.settings['selfTracing.modelPath'] = { workspaceValue: FIXTURE_MODEL };
  await traceText('the cat');
  assert.ok(fake.state.logs.some((l) => /Restricted Mode: ignoring selfTracing\.modelPath/.test(l.message)));
  if (fs.existsSync(path.join(root, 'models/organism/config.json'))) {
    // the embedded model traced instead of the workspace's: its graph has the organism's 4 layers, the fixture has 2
    const layers = new Set(api.traces.current!.graph.nodes.filter((n) => n.feature_type === 'cross layer transcoder').map((n) => Number(n.layer)));
    assert.ok(Math.max(...layers) >= 2, `layers ${[...layers]}`);
  } else {
    assert.equal(api.traces.current, undefined);
    assert.match(lastError()!.message, /embedded model is not part of this build/);
  }
});

test('with a feature index, nodes carry labels and an opened feature loads its full record', async () => {
  useFixtureModel(featureModel, undefined);
  const panel = await traceText('the cat sat');
  const t = api.traces.current!;
  const features = t.graph.selfTracing!.features!;
  const [key, summary] = Object.entries(features)[0] ?? [];
  assert.ok(key, 'the graph has feature details');
  panel.receive({ type: 'requestFeature', traceId: t.traceId, featureKey: key });
  await new Promise((r) => setTimeout(r, 0));
  for (let i = 0; i < 200 && sent(panel, 'featureDetail').length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const [answer] = sent(panel, 'featureDetail');
  assert.equal(answer.featureKey, key);
  assert.equal(answer.detail!.label, summary.label);
  assert.ok(answer.detail!.examples!.length >= summary.examples!.length);
  assert.ok(answer.detail!.examples!.every((e) => typeof e.quantile === 'string'), 'full examples name their quantile');
});

test('a label edited in the panel is kept in the workspace and names the feature in the next trace', async () => {
  useFixtureModel(featureModel, undefined);
  await traceText('the cat sat');
  const t = api.traces.current!;
  const node = t.graph.nodes.find((n) => n.feature_type === 'cross layer transcoder')!;
  const featureId = `${node.layer}_${node.feature}_${node.ctx_idx}`;
  fake.state.panels[0].receive({ type: 'graphState', traceId: t.traceId, qParams: { ...t.qParams, clerps: [[featureId, 'my label']] } });
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  const next = api.traces.current!;
  assert.notEqual(next.traceId, t.traceId);
  // a trace's file is in circuit-tracer's form: clerps a JSON string keyed by the feature number
  assert.equal(next.graph.qParams.clerps, JSON.stringify([[String(node.feature), 'my label']]));
  const shown = sent(fake.state.panels[0], 'showGraph').at(-1)!;
  assert.equal(readSavedView(shown.graph).clerps[featureId], 'my label', 'the panel starts with the label');
});

test('after a window reload the revived panel shows the last trace again, with its view state and heatmap', async () => {
  useFixtureModel();
  await traceText('the cat sat');
  const t = api.traces.current!;
  fake.state.panels[0].receive({ type: 'graphState', traceId: t.traceId, qParams: { ...t.qParams, pinnedIds: [t.graph.nodes[0].node_id] } });
  for (const d of context.subscriptions.splice(0)) d.dispose();

  const reloaded = fakeContext(root, { workspaceState: context.workspaceState, storageDir: context.storageUri!.fsPath });
  context = reloaded;
  const again = activate(reloaded as unknown as vscode.ExtensionContext);
  const revived = vscode.window.createWebviewPanel('selfTracing.graph', 'Self-Tracing', vscode.ViewColumn.One, {}) as unknown as FakePanel;
  await fake.state.serializers.get('selfTracing.graph')!.deserializeWebviewPanel(revived as unknown as vscode.WebviewPanel, undefined);
  revived.receive({ type: 'ready' });
  const [shown] = sent(revived, 'showGraph');
  assert.equal(shown.traceId, t.traceId, 'the same trace id, so the page restores its own view state');
  assert.deepEqual(shown.graph.qParams.pinnedIds, [t.graph.nodes[0].node_id]);
  assert.equal(again.traces.current?.baseOffset, 3, 'the text is still there: the heatmap comes back');
  assert.ok(fakeMemento, 'workspace state is shared across the reload');
});
