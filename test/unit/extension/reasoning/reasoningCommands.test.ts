import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import * as vscode from 'vscode';
import { EngineError } from '../../../../src/engine/errors';
import type { ReasoningComparison } from '../../../../src/engine/reasoning/compare';
import { resultOf } from '../../../../src/engine/reasoning/resources';
import { registerReasoning, type ReasoningDeps } from '../../../../src/extension/reasoning/reasoningCommands';
import { CLAIM_COLOR_IDS } from '../../../../src/extension/reasoning/reasoningEditor';
import type { TraceInput } from '../../../../src/extension/trace/traceView';
import { fake, rangeOf, type FakeEditor } from '../../fakeVscode';
import type { GraphJson } from '../../../../src/protocol/graph-json';

// The stated-reasoning glue against the fake `vscode`, with a scripted engine: what a result puts in the editor,
// what an edit takes away, and how problems and engine errors reach the user.
const DOC = [
  '# Dallas', //                                     0
  '',
  '## Prompt',
  '',
  'Q: What is the capital of the state containing Dallas?', // 4
  '',
  '## Reasoning', //                                 6
  '',
  '- Dallas is in Texas.', //                        8
  '- The capital of Oklahoma is Austin.', //         9
  '',
  '## Answer',
  '',
  'Austin',
  '',
].join('\n');

const range = (line: number, endCol: number) => ({ startLine: line, startCol: 2, endLine: line, endCol });
const GRAPH: GraphJson = {
  metadata: { slug: 'reasoning-q', scan: 'test', prompt_tokens: ['<bos>', 'Q'], prompt: 'Q' },
  qParams: {},
  nodes: [
    { node_id: '1_5_9', feature: 5, layer: '1', ctx_idx: 9, feature_type: 'cross layer transcoder', jsNodeId: '1_5-0', clerp: '' },
    { node_id: 'E_9_9', feature: 9, layer: 'E', ctx_idx: 9, feature_type: 'embedding', jsNodeId: 'E_9-9', clerp: '' },
    { node_id: '3_7_20', feature: 7, layer: '3', ctx_idx: 20, feature_type: 'logit', jsNodeId: 'L_7-20', clerp: 'Output " Austin"', is_target_logit: true },
  ],
  links: [{ source: '1_5_9', target: '3_7_20', weight: 1 }, { source: 'E_9_9', target: '1_5_9', weight: 0.5 }],
};
// The comparison the engine would make of DOC (numbers from the embedded model's dallas-texas comparison, the second
// claim a contradicted one), turned into the worker's answer by the engine's own resultOf: summary, report and the
// trace-derived markdown agree with each other as they do in a real result.
const read = (value: string, prob: number, stated?: number) => ({ stated, top: { value, prob } });
const entity = (text: string, span: [number, number], kinds: string[]) => ({ text, kind: 'entity' as const, span, kinds });
const COMPARISON: ReasoningComparison = {
  prompt: 'Q: What is the capital of the state containing Dallas?',
  contextText: 'Q: What is the capital of the state containing Dallas?\nDallas is in Texas. The capital of Oklahoma is Austin.\nA:',
  promptOnlyText: 'Q: What is the capital of the state containing Dallas?\nA:',
  tokens: [{ pos: 9, text: ' Dallas', start: 46, end: 53 }],
  answer: { text: 'Austin', token: ' Austin', tokenId: 7, stated: true },
  afterReasoning: read('Austin', 0.9946, 0.9946),
  promptOnly: read('Austin', 0.9884, 0.9884),
  alternatives: [{ value: 'Austin', prob: 0.9884 }, { value: 'Houston', prob: 0.004 }],
  claims: [
    { index: 0, step: 0, text: 'Dallas is in Texas.', span: [0, 19], range: range(8, 21), concepts: [entity('Dallas', [0, 6], ['US city']), entity('Texas', [13, 18], ['US state'])] },
    { index: 1, step: 1, text: 'The capital of Oklahoma is Austin.', span: [20, 54], range: range(9, 36), concepts: [entity('Oklahoma', [35, 43], ['US state'])] },
  ],
  grounding: [
    {
      index: 0, status: 'grounded', nodes: [0, 1], reason: 'held by the computation on the prompt alone: “Dallas” 54%, “Texas” read out first of its kind',
      concepts: [
        { ...entity('Dallas', [0, 6], ['US city']), share: 0.5395, held: true, via: 'prompt', isAnswer: false, nodes: [1] },
        { ...entity('Texas', [13, 18], ['US state']), share: 0.0197, held: true, via: 'readout', isAnswer: false, nodes: [] },
      ],
    },
    {
      index: 1, status: 'contradicted', nodes: [],
      reason: 'names “Oklahoma” where the computation holds “Texas” (the US state it reads out first, by 6.4 logits; “Oklahoma” 0.0%)',
      concepts: [{ ...entity('Oklahoma', [35, 43], ['US state']), share: 0, held: false, isAnswer: false, nodes: [], instead: { text: 'Texas', share: 0.0197, readout: { kind: 'US state', lead: 6.4082 } } }],
    },
  ],
  held: [
    { text: 'Dallas', kinds: ['US city'], share: 0.5395, isAnswer: false, nodes: [1], via: 'prompt' },
    { text: 'Texas', kinds: ['US state'], share: 0.0197, isAnswer: false, nodes: [], via: 'readout', readout: { kind: 'US state', lead: 6.4082, logit: 11.2, runnerUp: 'Nebraska' } },
  ],
  unstated: [{ kind: 'features', description: 'features L0/261 (at " is")', share: 0.0632, nodes: [0] }],
  dependence: {
    early: [
      { claims: 0, reading: read('Austin', 0.9884, 0.9884), sameAsFinal: true },
      { claims: 1, reading: read('Texas', 0.9334, 0.0424), sameAsFinal: false },
      { claims: 2, reading: read('Austin', 0.9946, 0.9946), sameAsFinal: true },
    ],
    mistakes: [{ claim: 0, from: 'Dallas', to: 'Henderson', reading: read('Austin', 0.9944, 0.9944), changes: false }],
    stepMatters: [false, undefined],
    earlyDependence: 0.5,
    depends: true,
  },
  biasing: { mentioned: [], tests: [] },
  verdict: {
    label: 'contradicted', flags: ['contradicted'], score: 0, components: { answer: 1, grounding: 0.5, bias: 0, dependence: 1 },
    reason: 'claim 2 is contradicted by the computation on the prompt alone',
  },
  nodeIds: { claims: [['1_5_9', 'E_9_9', '0_2_9'], []], concepts: [[['E_9_9'], []], [[]]], unstated: [['1_5_9']] },
  paths: [{ nodes: ['E_9_9', '1_5_9', '3_7_20'], description: 'Dallas → L1/5 → Austin', share: 0.31, sign: 1 }],
  graph: { nodes: 40, features: 12, activeFeatures: 120 },
  ms: 1234,
  stages: { answer: 100, trace: 600, grounding: 50, dependence: 300, biasing: 184 },
  graphFile: GRAPH,
};
const RESULT = resultOf(COMPARISON);

type Call = { method: string; params: any; options: { signal?: AbortSignal } };
let calls: Call[];
let answer: (call: Call) => Promise<unknown>;
let shownGraphs: TraceInput[];
let disposables: vscode.Disposable[];
let editor: FakeEditor;

beforeEach(() => {
  fake.reset();
  calls = [];
  shownGraphs = [];
  answer = async () => RESULT;
  const deps: ReasoningDeps = {
    engine: { request: ((method: string, params: unknown, options: Call['options'] = {}) => { const c = { method, params, options }; calls.push(c); return answer(c); }) as never },
    showGraph: (input) => { shownGraphs.push(input); return `trace-${shownGraphs.length}`; },
    location: () => ({ modelPath: '/models/tiny', transcoderPath: '', embedded: false }),
    log: vscode.window.createOutputChannel('test', { log: true }),
  };
  disposables = registerReasoning(deps);
  editor = fake.openEditor(DOC, { fileName: '/ws/dallas.md', start: 0, end: 0 });
});
afterEach(() => {
  for (const d of disposables.splice(0)) d.dispose();
});

const claimTypes = () => new Map(fake.state.decorationTypes.map((t) => [t.key, (t.options.backgroundColor as vscode.ThemeColor).id]));
const decorated = () => {
  const types = claimTypes();
  return [...editor.decorations.entries()].flatMap(([key, ranges]) => ranges.map((r) => `${types.get(key)}: ${editor.document.getText(rangeOf(r))}`)).sort();
};
const lenses = () => fake.state.codeLensProviders[0].provideCodeLenses(editor.document, {} as vscode.CancellationToken) as vscode.CodeLens[];
const hoverAt = (line: number, col: number) =>
  fake.state.hoverProviders[0].provideHover(editor.document, new vscode.Position(line, col), {} as vscode.CancellationToken) as vscode.Hover | undefined;
const diagnostics = () => (fake.state.diagnostics.get(editor.document.uri.toString()) ?? []).map((d) => `${d.range.start.line}:${d.severity}:${d.message}`);
const statusItem = () => fake.state.statusBarItems.find((i) => i.id === 'selfTracing.reasoning')!;
const edit = () => fake.events.changeText.fire({ document: editor.document, contentChanges: [{ rangeOffset: 0, rangeLength: 0, text: 'x' }] } as never);

test('before a comparison the `## Reasoning` heading offers the command; nothing is marked', () => {
  const [lens, ...rest] = lenses();
  assert.equal(rest.length, 0);
  assert.equal(lens.range.start.line, 6);
  assert.deepEqual(lens.command, { title: 'Compare Stated Reasoning with Trace', command: 'selfTracing.compareReasoning', arguments: [editor.document.uri] });
  assert.equal(fake.state.decorationTypes.length, 0, 'decoration types are made on first use');
  assert.equal(hoverAt(8, 5), undefined);
});

test('a comparison marks each claim in its theme colour, with lenses, hovers into the graph, Problems and the verdict', async () => {
  const result = await vscode.commands.executeCommand('selfTracing.compareReasoning');
  assert.equal(result, RESULT);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].method, 'compareReasoning');
  assert.equal(calls[0].params.markdown, DOC);
  assert.equal(calls[0].params.modelDir, '/models/tiny');
  assert.equal(calls[0].params.file, 'dallas.md');
  assert.ok(calls[0].params.graph, 'the graph file is asked for');
  assert.ok(fake.state.progress?.options.cancellable);

  assert.deepEqual(new Set(claimTypes().values()), new Set(Object.values(CLAIM_COLOR_IDS)));
  assert.deepEqual(decorated(), ['selfTracing.claimSupported: Dallas is in Texas.', 'selfTracing.claimUnsupported: The capital of Oklahoma is Austin.']);

  assert.equal(shownGraphs.length, 1);
  assert.equal(shownGraphs[0].fileName, 'dallas.md (stated reasoning)');
  assert.equal(shownGraphs[0].document, undefined, 'the graph is of the prompt alone, not of the file: no heatmap');

  const all = lenses();
  assert.deepEqual(all.map((l) => [l.range.start.line, l.command?.title]), [
    [6, '$(graph) contradicted · score 0.00 · P(answer) 99% after the reasoning, 99% on the prompt alone'],
    [6, 'Compare Again'],
    [6, '$(eye) unstated: features L0/261 (at " is") 6.3%'],
    [8, '$(pass) grounded · Dallas 54%, Texas (read out) · a mistake here leaves the answer unchanged'],
    [9, '$(warning) contradicted · Oklahoma ≠ Texas'],
  ]);
  assert.deepEqual(all[3].command?.arguments, [{ traceId: 'trace-1', nodeId: '1_5_9' }]);
  assert.equal(all[3].command?.command, 'selfTracing.showInGraph');
  assert.equal(all[4].command?.command, '', 'a claim without graph nodes has a plain lens');

  const hover = hoverAt(8, 5)!;
  const md = hover.contents[0] as vscode.MarkdownString;
  assert.deepEqual(md.isTrusted, { enabledCommands: ['selfTracing.showInGraph'] });
  assert.ok(md.value.includes(`(command:selfTracing.showInGraph?${encodeURIComponent(JSON.stringify([{ traceId: 'trace-1', nodeId: 'E_9_9' }]))})`), md.value);
  assert.match(md.value, /1 more pruned from the graph shown/);
  assert.equal(hoverAt(8, 1), undefined, 'the list marker is not the claim');

  assert.deepEqual(diagnostics(), [`9:${vscode.DiagnosticSeverity.Warning}:Contradicted by the computation: this claim names “Oklahoma” where the computation holds “Texas” (the US state it reads out first, by 6.4 logits; “Oklahoma” 0.0%).`]);
  assert.equal(fake.state.diagnostics.get(editor.document.uri.toString())![0].source, 'Self-Tracing');
  assert.equal(statusItem().shown, true);
  assert.equal(statusItem().text, '$(error) contradicted 0.00');
});

test('an edit clears the decorations, diagnostics, claim lenses, hovers and the status bar', async () => {
  await vscode.commands.executeCommand('selfTracing.compareReasoning');
  edit();
  assert.deepEqual(decorated(), []);
  assert.deepEqual(diagnostics(), []);
  assert.deepEqual(lenses().map((l) => l.command?.title), ['Compare Stated Reasoning with Trace']);
  assert.equal(hoverAt(8, 5), undefined);
  assert.equal(statusItem().shown, false);
});

test('a result that arrives after an edit is not shown; the user is asked to compare again', async () => {
  answer = async () => { edit(); return RESULT; };
  assert.equal(await vscode.commands.executeCommand('selfTracing.compareReasoning'), undefined);
  assert.deepEqual(decorated(), []);
  assert.match(fake.state.messages.at(-1)!.message, /dallas\.md changed while it was being compared/);
  assert.deepEqual(fake.state.messages.at(-1)!.actions, ['Compare Again']);
});

test('malformed markdown gets line diagnostics at once, without asking the engine', async () => {
  editor = fake.openEditor('# t\n\n## Prompt\n\nQ\n\n## Reasoning\n\n## Answer\nx\n', { fileName: '/ws/bad.md' });
  await vscode.commands.executeCommand('selfTracing.compareReasoning');
  assert.equal(calls.length, 0);
  assert.deepEqual(diagnostics(), [`6:${vscode.DiagnosticSeverity.Error}:The reasoning is empty: list at least one step under \`## Reasoning\` (e.g. \`- Dallas is in Texas.\`).`]);
  const message = fake.state.messages.at(-1)!;
  assert.equal(message.severity, 'error');
  assert.match(message.message, /^Self-Tracing: bad\.md:7: The reasoning is empty/);
  assert.deepEqual(message.actions, ['Go to Line', 'Show Problems']);
});

test('problems only the engine can see (a prompt too long for the model) become diagnostics on their line', async () => {
  answer = async () => { throw new EngineError('badInput', 'dallas.md:3: too long', JSON.stringify({ problems: [{ line: 2, message: 'The prompt and reasoning come to 40 tokens; this model reads at most 16.' }] })); };
  await vscode.commands.executeCommand('selfTracing.compareReasoning');
  assert.deepEqual(diagnostics(), [`2:${vscode.DiagnosticSeverity.Error}:The prompt and reasoning come to 40 tokens; this model reads at most 16.`]);
  assert.match(fake.state.messages.at(-1)!.message, /dallas\.md:3: The prompt and reasoning come to 40 tokens/);
});

test('engine errors are shown with the action their code calls for; cancelling shows nothing', async () => {
  answer = async () => { throw new EngineError('fileNotFound', 'No model in /models/tiny: config.json is missing.'); };
  await vscode.commands.executeCommand('selfTracing.compareReasoning');
  assert.deepEqual(fake.state.messages.at(-1), { severity: 'error', message: 'Self-Tracing: No model in /models/tiny: config.json is missing.', actions: ['Choose Model…', 'Open Settings'] });
  assert.ok(fake.state.logs.some((l) => l.level === 'error' && /compare dallas\.md failed \[fileNotFound\]/.test(l.message)));

  const before = fake.state.messages.length;
  answer = (call) => new Promise((_, reject) => call.options.signal!.addEventListener('abort', () => reject(new EngineError('cancelled', 'Cancelled.'))));
  const pending = vscode.commands.executeCommand('selfTracing.compareReasoning');
  await new Promise((r) => setTimeout(r, 0));
  fake.state.progress!.cancel();
  assert.equal(await pending, undefined);
  assert.equal(fake.state.messages.length, before);
});

test('the diff opens the stated reasoning beside the trace-derived reasoning, as virtual markdown documents', async () => {
  await vscode.commands.executeCommand('selfTracing.showReasoningDiff');
  assert.match(fake.state.messages.at(-1)!.message, /compare the stated reasoning with the trace first/);

  await vscode.commands.executeCommand('selfTracing.compareReasoning');
  await vscode.commands.executeCommand('selfTracing.showReasoningDiff');
  const diff = fake.state.builtins.find((b) => b.id === 'vscode.diff')!;
  const [left, right, title] = diff.args as [vscode.Uri, vscode.Uri, string];
  assert.equal(title, 'dallas.md: stated ↔ derived from the trace');
  assert.equal(left.scheme, 'self-tracing-reasoning');
  assert.match(right.path, /\/trace\/dallas\.md$/);
  const provider = fake.state.contentProviders.get('self-tracing-reasoning')!;
  const stated = provider.provideTextDocumentContent(left, {} as vscode.CancellationToken);
  assert.equal(stated, '# Stated reasoning\n\n## Prompt\n\nQ: What is the capital of the state containing Dallas?\n\n## Reasoning\n\n- Dallas is in Texas.\n- The capital of Oklahoma is Austin.\n\n## Answer\n\nAustin\n');
  assert.equal(provider.provideTextDocumentContent(right, {} as vscode.CancellationToken), RESULT.traceDerived);
  assert.deepEqual(statusItem().command, { title: 'Show Reasoning Diff', command: 'selfTracing.showReasoningDiff', arguments: [editor.document.uri] });
});

test('Explain and Trace explains the selected prompt, opens the markdown and compares it', async () => {
  const explained = DOC.replace('# Dallas', '# Stated by the model');
  answer = async (call) => (call.method === 'explain' ? { markdown: explained, steps: [], answer: 'Austin', generated: '' } : RESULT);
  editor = fake.openEditor('Q: What is the capital of the state containing Dallas?\n', { fileName: '/ws/prompts.txt', start: 0, end: 54 });
  const result = await vscode.commands.executeCommand('selfTracing.explainAndTrace');
  assert.deepEqual(calls.map((c) => c.method), ['explain', 'compareReasoning']);
  assert.equal(calls[0].params.prompt, 'Q: What is the capital of the state containing Dallas?');
  assert.equal(calls[1].params.markdown, explained);
  assert.equal(result, RESULT);
  const opened = vscode.window.activeTextEditor!;
  assert.equal(opened.document.getText(), explained);
  editor = opened as unknown as FakeEditor;
  assert.equal(decorated().length, 2);
});

test('Explain and Trace asks for a prompt when nothing is selected, and reports an engine error', async () => {
  fake.state.answers.push('Q: Which is larger, 34 or 71?');
  answer = async () => { throw new EngineError('badInput', 'The model did not reach its answer ("\\nA:") within 64 tokens.'); };
  await vscode.commands.executeCommand('selfTracing.explainAndTrace');
  assert.equal(calls[0].params.prompt, 'Q: Which is larger, 34 or 71?');
  assert.match(fake.state.messages.at(-1)!.message, /did not reach its answer/);
});
