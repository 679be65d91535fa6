// Activation: the extension is one object that owns everything it registers. It builds the engine handle, the
// trace panel, the trace view and the tracer, then registers the commands and the features that build on them
// (graph files, stated reasoning, inline views, Compare With…); deactivating disposes all of it. Returns a small
// API that the end-to-end tests observe.
import * as vscode from 'vscode';
import type { FromWebview } from '../protocol/messages';
import { chooseModel } from './chooseModel';
import { GraphComparer, type CompareApi } from './compare/compareWith';
import { registerStudyReport } from './compare/studyReport';
import { Disposable } from './dispose';
import { Engine } from './engine';
import { createEngineStatusBar } from './engineStatusBar';
import { GraphFileEditorProvider } from './graphFiles/graphEditor';
import type { GraphPanelEvents } from './graphPanel';
import { InlineTraces, type InlineApi } from './inline/inlineCommands';
import { InterventionRunner } from './interventions/interventionRunner';
import { registerReasoning } from './reasoning/reasoningCommands';
import { SelectionTracer } from './selectionTracer';
import { CHOOSE_MODEL_COMMAND, modelLocation } from './settings';
import { registerDemoDocument } from './trace/demoDocument';
import { FeatureLabels } from './trace/featureLabels';
import { LastTrace } from './trace/lastTrace';
import { LiveRetrace } from './trace/liveRetrace';
import { registerTraceCommands, type Retrace } from './trace/traceCommands';
import { createTraceStatusBar } from './trace/traceStatusBar';
import { TraceView, type Trace } from './trace/traceView';
import { TracePanel } from './tracePanel';

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
  const extension = new SelfTracing(context);
  context.subscriptions.push(extension);
  return extension.api;
}

export function deactivate(): void {
  // VS Code disposes context.subscriptions, and with them the SelfTracing object that owns everything else.
}

class SelfTracing extends Disposable {
  readonly api: SelfTracingApi;
  private readonly log: vscode.LogOutputChannel;
  private readonly engine: Engine;
  private readonly rendered: vscode.EventEmitter<FromWebview.Rendered>;
  private readonly lastTrace: LastTrace;
  private readonly panel: TracePanel;
  private readonly traces: TraceView;
  private readonly tracer: SelectionTracer;
  private readonly interventions: InterventionRunner;

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    this.log = this.register(vscode.window.createOutputChannel('Self-Tracing', { log: true }));
    this.engine = this.register(new Engine(context.extensionPath, this.log));
    this.rendered = this.register(new vscode.EventEmitter<FromWebview.Rendered>());
    this.register(createEngineStatusBar(this.engine.onDidChangeStatus, this.engine.status));
    this.lastTrace = new LastTrace(this.storageDir, context.workspaceState, this.log);
    this.panel = this.register(new TracePanel({
      extensionUri: context.extensionUri, events: this.panelEvents(), engine: this.engine, restore: () => this.restoreLastTrace(),
    }));
    this.traces = this.register(new TraceView(this.panel, new FeatureLabels(context.workspaceState)));
    this.tracer = new SelectionTracer(this.engine, this.traces, this.panel, this.log, context.extensionPath);
    this.interventions = new InterventionRunner({ engine: this.engine, traces: this.traces, panel: this.panel, log: this.log, extensionPath: context.extensionPath });
    this.keepLastTrace();
    this.register(createTraceStatusBar(this.traces.onDidChange));
    this.registerTraceCommands();
    this.api = this.registerFeatures();
  }

  private get storageDir(): string | undefined {
    return (this.context.storageUri ?? this.context.globalStorageUri)?.fsPath;
  }

  /** What the trace panel's page asks for, routed to the part that answers it. */
  private panelEvents(): GraphPanelEvents {
    return {
      log: this.log,
      onRendered: (report) => this.rendered.fire(report),
      onCheckEngine: () => void this.tracer.checkEngine(),
      onRevealPiece: (traceId, index) => void this.tracer.revealPiece(traceId, index),
      onGraphState: (traceId, qParams) => {
        this.traces.updateViewState(traceId, qParams);
        this.lastTrace.saveViewState(traceId, qParams);
      },
      onRevealPosition: (traceId, ctx, focus) => void this.traces.revealPosition(traceId, ctx, focus),
      onRequestFeature: (traceId, featureKey) => void this.sendFeatureDetail(traceId, featureKey),
      onIntervene: (message) => void this.interventions.fromPanel(message),
      onCancelIntervention: (_traceId, requestId) => this.interventions.cancel(requestId),
    };
  }

  /** The full record of a feature the user opened, from the index next to the traced model. */
  private async sendFeatureDetail(traceId: string, featureKey: string): Promise<void> {
    const t = this.traces.current;
    if (t?.traceId !== traceId) return;
    const [layer, feature] = featureKey.split('_').map(Number);
    let detail = null;
    try {
      if (t.model) detail = await this.engine.featureDetail({ modelDir: t.model.modelDir, layer, feature });
    } catch (err) {
      this.log.warn(`feature ${featureKey}: ${(err as Error).message}`);
    }
    this.panel.current?.featureDetail(traceId, featureKey, detail);
  }

  /** Saves each newly shown trace (and each intervention result added to it) so a reload shows it again. */
  private keepLastTrace(): void {
    const save = (t: Trace) => this.lastTrace.save({
      traceId: t.traceId, fileName: t.fileName, uri: t.uri?.toString(), baseOffset: t.uri ? t.baseOffset : undefined, model: t.model, qParams: t.qParams,
    }, t.graph);
    let savedId: string | undefined;
    this.register(this.traces.onDidChange((t) => {
      if (!t) this.lastTrace.clear();
      else if (t.traceId !== savedId) save(t);
      savedId = t?.traceId;
    }));
    this.register(this.traces.onDidRecordIntervention(save));
  }

  /** After a reload: the last trace again, with its heatmap when its text is still where it was. */
  private async restoreLastTrace(): Promise<void> {
    const input = await this.lastTrace.reopen();
    if (input) this.traces.show(input);
  }

  /** Tracing a selection, re-tracing (another target, a prefix, live edits), and the graph's own commands. */
  private registerTraceCommands(): void {
    const { extensionPath } = this.context;
    const { traces, tracer, log } = this;
    const retrace: Retrace = async (request) => { await tracer.retrace(request); };
    this.registerAll(registerTraceCommands({ traces, panel: this.panel, retrace, log, extensionPath }));
    this.registerAll(registerDemoDocument({ extensionPath, log, traceRange: (document, range) => tracer.traceRange(document, range) }));
    this.register(vscode.commands.registerCommand('selfTracing.traceSelection', () => tracer.traceActiveEditor()));
    this.register(tracer.trackEditors());
    this.register(new LiveRetrace({ traces, retrace: (doc, start, end, target) => tracer.retraceEdited(doc, start, end, target), cancel: () => tracer.cancel(), log }));
    this.register(vscode.commands.registerCommand('selfTracing.checkEngine', () => tracer.checkEngine()));
    this.register(vscode.commands.registerCommand('selfTracing.showLog', () => log.show()));
    this.register(vscode.commands.registerCommand(CHOOSE_MODEL_COMMAND, () => chooseModel(log)));
    this.register(vscode.commands.registerCommand('selfTracing.ablateTopFeature', (arg?: { traceId?: string; ctx?: number }) => this.interventions.ablateTopFeature(arg)));
  }

  /** The features built on the trace: graph files, stated reasoning, inline views, Compare With…; returns the API. */
  private registerFeatures(): SelfTracingApi {
    const { context, engine, log, traces, interventions, panel } = this;
    const onDidRenderPanel = this.rendered.event;
    // Graph files: the panel is the file's editor (src/extension/graphFiles).
    const graphFiles = this.register(new GraphFileEditorProvider(context.extensionUri, log, (report) => this.rendered.fire(report), interventions));
    // Stated reasoning versus the trace (src/extension/reasoning): its graph opens through the trace view.
    this.registerAll(registerReasoning({
      engine, log, showGraph: (input) => traces.show(input), location: () => modelLocation(context.extensionPath),
      onDidClearTrace: (listener) => traces.onDidChange((t) => { if (!t) listener(); }),
    }));
    // The trace in the text itself (src/extension/inline): CodeLens, paths, inlay hints, Trace All Prompts in File.
    const inline = this.register(new InlineTraces({
      engine, traces, interventions, panel, log, extensionPath: context.extensionPath,
      storageDir: this.storageDir, workspaceState: context.workspaceState, onDidRenderPanel,
    }));
    // Compare With… (src/extension/compare): the shown graph against an earlier trace or a graph file.
    const compare = this.register(new GraphComparer({ traces, panel, log, graphFiles: () => graphFiles.open }));
    this.registerAll(registerStudyReport());
    return { onDidRenderPanel, engine, traces, interventions, inline, graphFiles, compare };
  }
}
