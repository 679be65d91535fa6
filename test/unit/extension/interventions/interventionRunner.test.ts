import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import Ajv from 'ajv';
import * as vscode from 'vscode';
import { activate, type SelfTracingApi } from '../../../../src/extension/extension';
import { featuresAt } from '../../../../src/extension/trace/hoverContent';
import type { InterventionRecord } from '../../../../src/protocol/graph-json';
import { fake, fakeContext, until, type FakeContext, type FakePanel, traceSelection as traceText } from '../../fakeVscode';
import { useFixtureModel } from '../fixtureModel';

// Interventions through the activated extension against the fake `vscode`, with the real engine worker on the tiny
// fixture model and its random transcoders: the panel's form, the hover's "Ablate the top feature here", errors,
// cancellation, and results kept in the graph for export and reload.
const root = path.resolve('.');
let context: FakeContext;
let api: SelfTracingApi;

beforeEach(() => {
  fake.reset();
  context = fakeContext(root, { storageDir: fs.mkdtempSync(path.join(os.tmpdir(), 'self-tracing-storage-')) });
  api = activate(context as unknown as vscode.ExtensionContext);
  useFixtureModel();
});
afterEach(() => {
  for (const d of context.subscriptions.splice(0)) d.dispose();
});

const sent = (panel: FakePanel, type: string) => panel.webview.sent.filter((m) => (m as { type: string }).type === type) as any[];
const errors = () => fake.state.messages.filter((m) => m.severity === 'error');

const features = () => api.traces.current!.graph.nodes.filter((n) => n.feature_type === 'cross layer transcoder');
const intervene = (panel: FakePanel, requestId: string, nodeIds: string[], extra: Record<string, unknown> = {}) =>
  panel.receive({ type: 'intervene', traceId: api.traces.current!.traceId, requestId, nodeIds, op: { kind: 'scale', factor: 0 }, where: 'node', mode: 'free', generate: 0, title: 'Ablate it', ...extra });
const answerTo = async (panel: FakePanel, requestId: string) => {
  const find = () => [...sent(panel, 'interventionResult'), ...sent(panel, 'interventionFailed')].find((m) => m.requestId === requestId);
  await until(() => find() !== undefined, 30_000, `the answer to ${requestId}`);
  return find();
};

test("the panel's intervention runs on the traced prompt: the result goes to the panel, into the graph, its export and the reload", async () => {
  const panel = await traceText('the cat sat');
  const t = api.traces.current!;
  const node = features().at(-1)!;
  intervene(panel, 'r1', [node.node_id], { mode: 'constrained', generate: 3, title: 'Ablate the last feature' });
  assert.equal(fake.state.progress?.options.cancellable, true, 'cancellable progress');
  const answer = await answerTo(panel, 'r1');
  assert.equal(answer.type, 'interventionResult', JSON.stringify(answer));
  const record = answer.record as InterventionRecord;
  assert.equal(record.title, 'Ablate the last feature');
  assert.equal(record.mode, 'constrained');
  assert.deepEqual(record.nodeIds, [node.node_id]);
  const logits = t.graph.nodes.filter((n) => n.feature_type === 'logit').map((n) => n.feature);
  assert.deepEqual(record.targets.map((x) => x.id), logits, "the graph's logits are the targets");
  assert.equal(record.clean.top.length, 10);
  assert.equal(typeof record.clean.continuation, 'string');
  assert.equal(typeof record.intervened.continuation, 'string');
  assert.ok(record.changes.every((c) => /^\d+_\d+_\d+$/.test(c.nodeId)), 'changes name graph node ids');
  assert.ok(record.changes.every((c) => !record.nodeIds.includes(c.nodeId)), 'the changed node itself is not a downstream change');

  assert.deepEqual(api.traces.current!.graph.selfTracing!.interventions!.map((r) => r.id), [record.id]);
  const exported = api.traces.exportable()!;
  assert.deepEqual(exported.selfTracing!.interventions!.map((r) => r.id), [record.id], 'an export carries it');
  const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(fs.readFileSync('test/fixtures/graph-schema.json', 'utf8')));
  assert.ok(validate(JSON.parse(JSON.stringify(exported))), JSON.stringify(validate.errors));
  panel.receive({ type: 'ready' }); // the page reloads: the replayed graph lists the result
  assert.deepEqual(sent(panel, 'showGraph').at(-1).graph.selfTracing.interventions.map((r: InterventionRecord) => r.id), [record.id]);

  for (const d of context.subscriptions.splice(0)) d.dispose();
  context = fakeContext(root, { workspaceState: context.workspaceState, storageDir: context.storageUri!.fsPath });
  activate(context as unknown as vscode.ExtensionContext);
  const revived = vscode.window.createWebviewPanel('selfTracing.graph', 'Self-Tracing', vscode.ViewColumn.One, {}) as unknown as FakePanel;
  await fake.state.serializers.get('selfTracing.graph')!.deserializeWebviewPanel(revived as unknown as vscode.WebviewPanel, undefined);
  revived.receive({ type: 'ready' });
  assert.deepEqual(sent(revived, 'showGraph')[0].graph.selfTracing.interventions.map((r: InterventionRecord) => r.id), [record.id], 'a window reload keeps it');
  assert.deepEqual(errors(), []);
});

test('a non-feature node gets a clear answer in the panel, and a malformed request is refused before it runs', async () => {
  const panel = await traceText('the cat sat');
  const logit = api.traces.current!.graph.nodes.find((n) => n.feature_type === 'logit')!;
  intervene(panel, 'r2', [features()[0].node_id, logit.node_id]);
  const answer = await answerTo(panel, 'r2');
  assert.equal(answer.type, 'interventionFailed');
  assert.match(answer.message, /Only transcoder features can be changed; ".*" is an output logit/);
  assert.equal(answer.cancelled, false);
  assert.deepEqual(errors(), [], 'the panel says it; no notification on top');

  intervene(panel, 'r3', [features()[0].node_id], { op: { kind: 'set', value: 'lots' } });
  assert.ok(fake.state.logs.some((l) => /malformed message \(intervene: op must be set, scale or steer with a finite number\)/.test(l.message)));
  assert.equal(sent(panel, 'interventionFailed').filter((m) => m.requestId === 'r3').length, 0, 'nothing runs');
});

test('a long continuation is cancelled from the progress notification or from the panel', async () => {
  const panel = await traceText('the cat');
  const node = features()[0].node_id;
  intervene(panel, 'r4', [node], { generate: 12 });
  fake.state.progress!.cancel();
  const byNotification = await answerTo(panel, 'r4');
  assert.deepEqual([byNotification.type, byNotification.cancelled], ['interventionFailed', true]);

  intervene(panel, 'r5', [node], { generate: 12 });
  panel.receive({ type: 'cancelIntervention', traceId: api.traces.current!.traceId, requestId: 'r5' });
  const byPanel = await answerTo(panel, 'r5');
  assert.deepEqual([byPanel.type, byPanel.cancelled], ['interventionFailed', true]);
  assert.deepEqual(errors(), [], 'a cancel is not an error');
  assert.equal(api.traces.current!.graph.selfTracing!.interventions, undefined, 'nothing was recorded');

  intervene(panel, 'r6', [node], { generate: 2 });
  assert.equal((await answerTo(panel, 'r6')).type, 'interventionResult', 'the next one runs');
});

test('"Ablate the top feature here": the hover links the feature it lists first, by name; the command ablates that one and reports the change in numbers and words', async () => {
  const panel = await traceText('the cat sat');
  const t = api.traces.current!;
  const ctx = features().reduce((a, b) => ((b.activation ?? 0) > (a.activation ?? 0) ? b : a)).ctx_idx;
  const listed = featuresAt(t.graph, ctx);
  const top = listed.find((f) => typeof f.node.activation === 'number')!.node;
  const doc = vscode.window.activeTextEditor!.document;
  const [start] = t.graph.selfTracing!.tokenOffsets![ctx];
  const hover = fake.state.hoverProviders[0].provideHover(doc, doc.positionAt(3 + start), {} as vscode.CancellationToken) as vscode.Hover;
  const md = (hover.contents[0] as vscode.MarkdownString).value;
  const link = /\[\$\(circle-slash\) Ablate \\"([^\]]*)\\"\]\(command:selfTracing\.ablateTopFeature\?([^)]+)\)/.exec(md);
  assert.ok(link, md);
  assert.equal(link[1].replace(/\\(.)/g, '$1'), listed[0].label, 'the link names the first feature of the list above it');
  const [arg] = JSON.parse(decodeURIComponent(link[2]));
  assert.deepEqual(arg, { traceId: t.traceId, ctx });

  const record = await vscode.commands.executeCommand<InterventionRecord>('selfTracing.ablateTopFeature', arg);
  assert.ok(record);
  assert.deepEqual(record.nodeIds, [top.node_id], 'the feature the hover lists first');
  assert.deepEqual(record.op, { kind: 'scale', factor: 0 });
  const shown = sent(panel, 'interventionResult').at(-1);
  assert.equal(shown.record.id, record.id);
  assert.equal(shown.requestId, undefined, 'started in the editor');
  assert.equal(sent(panel, 'selectNode').at(-1).nodeId, top.node_id);
  const info = fake.state.messages.filter((m) => m.severity === 'info').at(-1)!;
  const target = t.graph.selfTracing!.target!.token;
  assert.match(info.message, new RegExp(`^Self-Tracing: Ablate .* at ".*": P\\(${JSON.stringify(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) \\d+\\.\\d% → \\d+\\.\\d% \\([+−]\\d+\\.\\d points\\)\\. (Almost no|A small|A clear|A large) effect`));
  assert.ok(info.message.includes(`"${top.clerp || `feature ${top.node_id}`}"`), `the notification names the feature: ${info.message}`);

  await vscode.commands.executeCommand('selfTracing.ablateTopFeature', { traceId: t.traceId, ctx: 0 });
  assert.match(fake.state.messages.at(-1)!.message, /the graph has no feature at "<\|endoftext\|>" \(position 0\) to ablate/);
});

test('in a graph file editor an intervention result is kept as an edit of the file: undo removes it', async () => {
  await traceText('the cat sat');
  const graph = api.traces.exportable()!;
  const { writeGraphText, parseGraphText } = await import('../../../../src/protocol/graphText');
  const text = writeGraphText(graph);
  const doc = fake.createEditableDocument(text, '/ws/cat.graph.json');
  const panel = await fake.openCustomEditor('selfTracing.graphFile', doc);
  panel.receive({ type: 'ready' });
  const traceId = sent(panel, 'showGraph')[0].traceId as string;
  const node = graph.nodes.filter((n) => n.feature_type === 'cross layer transcoder').at(-1)!;
  panel.receive({ type: 'intervene', traceId, requestId: 'f1', nodeIds: [node.node_id], op: { kind: 'scale', factor: 0 }, where: 'node', mode: 'free', generate: 0, title: 'Ablate in the file' });
  const answer = await answerTo(panel, 'f1');
  assert.equal(answer.type, 'interventionResult', JSON.stringify(answer));
  await until(() => doc.getText() !== text, 10_000, 'the file edit');
  const after = parseGraphText(doc.getText());
  assert.ok(after.ok);
  assert.deepEqual(after.graph.selfTracing!.interventions!.map((r) => r.title), ['Ablate in the file']);
  const cut = (t: string) => t.slice(0, t.indexOf('"selfTracing"'));
  assert.equal(cut(doc.getText()), cut(text), 'nothing before selfTracing changed');
  const shows = sent(panel, 'showGraph').length;
  assert.equal(shows, 1, 'our own edit does not redraw the panel');
  doc.setText(text); // undo
  assert.equal(sent(panel, 'showGraph').length, 2, 'an undo redraws the panel from the file');
  assert.equal(sent(panel, 'showGraph')[1].graph.selfTracing.interventions?.length ?? 0, 0);
});
