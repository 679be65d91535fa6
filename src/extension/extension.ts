// Activation: builds the engine handle, the status bar, the graph panel, the trace view and the tracer, and the
// commands, and registers each with the context; restores the last trace into a panel VS Code revives after a
// reload. Returns a small API that the end-to-end tests observe.
import { registerCompare, type CompareApi } from './compare/compareWith';
import { registerStudyReport } from './compare/studyReport';
import * as vscode from 'vscode';
import type { FromWebview } from '../protocol/messages';
import { Engine } from './engine';
import { createEngineStatusBar } from './engineStatusBar';
import { GraphFileEditorProvider } from './graphFiles/graphEditor';
import { GRAPH_VIEW_TYPE, GraphPanel, type GraphPanelEvents } from './graphPanel';
import { registerInline, type InlineApi } from './inline/inlineCommands';
import { registerReasoning } from './reasoning/reasoningCommands';
import { InterventionRunner } from './interventions/interventionRunner';
import { SelectionTracer } from './selectionTracer';
import { chooseModel } from './chooseModel';
import { CHOOSE_MODEL_COMMAND, modelLocation } from './settings';
import { FeatureLabels } from './trace/featureLabels';
import { LastTrace } from './trace/lastTrace';
import { registerDemoDocument } from './trace/demoDocument';
import { registerTraceCommands, type Retrace } from './trace/traceCommands';
import { createTraceStatusBar } from './trace/traceStatusBar';
import { TraceView, type Trace } from './trace/traceView';
import { LiveRetrace } from './trace/liveRetrace';

export interface SelfTracingApi {
  /** Fires each time the graph panel reports what it rendered. */
  readonly onDidRenderPanel: vscode.Event<FromWebview.Rendered>;
  readonly engine: Engine;
  /** The current trace, its heatmap and hovers; `traces.show(...)` is where a traced graph enters the editor. */
  readonly traces: TraceView;
  /** Where the panel's intervention requests go (`fromPanel`), and "Ablate the top feature here". */
  readonly interventions: InterventionRunner;
  /** The graph file editors (`*.graph.json`): their documents and panels. */
  readonly graphFiles: GraphFileEditorProvider;
  /** The inline views of every traced text (src/extension/inline). */
  readonly inline: InlineApi;
  /** Compare With… (src/extension/compare). */
  readonly compare: CompareApi;
}

export function activate(context: vscode.ExtensionContext): SelfTracingApi {
  const log = vscode.window.createOutputChannel('Self-Tracing', { log: true });
  const engine = new Engine(context.extensionPath, log);
  const rendered = new vscode.EventEmitter<FromWebview.Rendered>();
  context.subscriptions.push(log, engine, rendered, createEngineStatusBar(engine.onDidChangeStatus, engine.status));

  let panel: GraphPanel | undefined;
  const lastTrace = new LastTrace((context.storageUri ?? context.globalStorageUri)?.fsPath, context.workspaceState, log);
  const events: GraphPanelEvents = {
    log,
    onRendered: (report) => rendered.fire(report),
    onCheckEngine: () => void tracer.checkEngine(),
    onRevealPiece: (traceId, index) => void tracer.revealPiece(traceId, index),
    onGraphState: (traceId, qParams) => {
      traces.updateViewState(traceId, qParams);
      lastTrace.saveViewState(traceId, qParams);
    },
    onRevealPosition: (traceId, ctx, focus) => void traces.revealPosition(traceId, ctx, focus),
    onRequestFeature: (traceId, featureKey) => void sendFeatureDetail(traceId, featureKey),
    onIntervene: (message) => void interventions.fromPanel(message),
    onCancelIntervention: (_traceId, requestId) => interventions.cancel(requestId),
  };
  const adopt = (created: GraphPanel): GraphPanel => {
    panel = created;
    created.showEngineStatus(engine.status);
    created.onDidDispose(() => { if (panel === created) panel = undefined; });
    return created;
  };
  /** The panel, created when needed; `pending` is what the new panel shows (with a moving bar) from its first frame. */
  const openPanel = (pending?: string) => panel ?? adopt(GraphPanel.create(context.extensionUri, events, pending));
  const traces = new TraceView(openPanel, () => panel, new FeatureLabels(context.workspaceState));
  const tracer = new SelectionTracer(engine, traces, openPanel, log, context.extensionPath);
  const retrace: Retrace = async (request) => { await tracer.retrace(request); };
  const live = new LiveRetrace({ traces, retrace: (doc, start, end, target) => tracer.retraceEdited(doc, start, end, target), cancel: () => tracer.cancel(), log });
  const interventions = new InterventionRunner({ engine, traces, panel: () => panel, log, extensionPath: context.extensionPath });

  /** The full record of a feature the user opened, from the index next to the traced model. */
  const sendFeatureDetail = async (traceId: string, featureKey: string) => {
    const t = traces.current;
    if (t?.traceId !== traceId) return;
    const [layer, feature] = featureKey.split('_').map(Number);
    let detail = null;
    try {
      if (t.model) detail = await engine.featureDetail({ modelDir: t.model.modelDir, layer, feature });
    } catch (err) {
      log.warn(`feature ${featureKey}: ${(err as Error).message}`);
    }
    panel?.featureDetail(traceId, featureKey, detail);
  };

  /** After a reload: the last trace again, with its heatmap when its text is still where it was. */
  const restoreLastTrace = async () => {
    const last = lastTrace.load();
    if (!last) return;
    const { saved, graph } = last;
    let document: vscode.TextDocument | undefined;
    const text = graph.selfTracing?.source?.text;
    if (saved.uri && saved.baseOffset !== undefined && text !== undefined) {
      try {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(saved.uri));
        const at = new vscode.Range(doc.positionAt(saved.baseOffset), doc.positionAt(saved.baseOffset + text.length));
        if (doc.getText(at) === text) document = doc;
      } catch (err) {
        log.info(`the last trace's document is gone (${(err as Error).message}); showing the graph alone`);
      }
    }
    traces.show({ graph, fileName: saved.fileName, document, baseOffset: document ? saved.baseOffset : undefined, model: saved.model, traceId: saved.traceId });
  };

  const saveTrace = (t: Trace) =>
    lastTrace.save({ traceId: t.traceId, fileName: t.fileName, uri: t.uri?.toString(), baseOffset: t.uri ? t.baseOffset : undefined, model: t.model, qParams: t.qParams }, t.graph);
  let savedId: string | undefined;
  context.subscriptions.push(
    traces,
    traces.onDidChange((t) => {
      if (!t) lastTrace.clear();
      else if (t.traceId !== savedId) saveTrace(t);
      savedId = t?.traceId;
    }),
    // an intervention result changes the graph: save it again so a reload shows the result too
    traces.onDidRecordIntervention(saveTrace),
    createTraceStatusBar(traces.onDidChange),
    ...registerTraceCommands({ traces, panel: () => panel, retrace, log, extensionPath: context.extensionPath }),
    engine.onDidChangeStatus((status) => panel?.showEngineStatus(status)),
    ...registerDemoDocument({ extensionPath: context.extensionPath, log, traceRange: (document, range) => tracer.traceRange(document, range) }),
    vscode.commands.registerCommand('selfTracing.traceSelection', () => tracer.traceActiveEditor()),
    tracer.trackEditors(),
    live,
    vscode.commands.registerCommand('selfTracing.checkEngine', () => tracer.checkEngine()),
    vscode.commands.registerCommand('selfTracing.showLog', () => log.show()),
    vscode.commands.registerCommand(CHOOSE_MODEL_COMMAND, () => chooseModel(log)),
    vscode.commands.registerCommand('selfTracing.ablateTopFeature', (arg?: { traceId?: string; ctx?: number }) => interventions.ablateTopFeature(arg)),
    vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel) => {
        panel?.dispose();
        adopt(GraphPanel.revive(webviewPanel, context.extensionUri, events));
        await restoreLastTrace();
      },
    }),
    { dispose: () => panel?.dispose() },
  );
  // Graph files: the panel is the file's editor (src/extension/graphFiles).
  const graphFiles = new GraphFileEditorProvider(context.extensionUri, log, (report) => rendered.fire(report), interventions);
  context.subscriptions.push(...GraphFileEditorProvider.register(graphFiles));
  // Stated reasoning versus the trace (src/extension/reasoning): its graph opens through the trace view.
  context.subscriptions.push(...registerReasoning({
    engine, log, showGraph: (input) => traces.show(input), location: () => modelLocation(context.extensionPath),
    onDidClearTrace: (listener) => traces.onDidChange((t) => { if (!t) listener(); }),
  }));
  // The trace in the text itself (src/extension/inline): CodeLens, paths, inlay hints, Trace All Prompts in File.
  const inline = registerInline({
    engine, traces, interventions, panel: () => panel, log, extensionPath: context.extensionPath,
    storageDir: (context.storageUri ?? context.globalStorageUri)?.fsPath, workspaceState: context.workspaceState, onDidRenderPanel: rendered.event,
  });
  context.subscriptions.push(...inline.disposables);
  // Compare With… (src/extension/compare): the shown graph against an earlier trace or a graph file.
  const compare = registerCompare({ traces, panel: () => panel, log, graphFiles: () => graphFiles.open });
  context.subscriptions.push(...compare.disposables, ...registerStudyReport());
  return { onDidRenderPanel: rendered.event, engine, traces, interventions, inline: inline.api, graphFiles, compare: compare.api };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
