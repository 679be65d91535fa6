// Activation: builds the engine handle, the status bar, the graph panel and the commands, and registers each
// with the context. Returns a small API that the end-to-end tests observe.
import * as vscode from 'vscode';
import type { FromWebview } from '../protocol/messages';
import { Engine } from './engine';
import { createEngineStatusBar } from './engineStatusBar';
import { GRAPH_VIEW_TYPE, GraphPanel, type GraphPanelEvents } from './graphPanel';
import { SelectionTracer } from './selectionTracer';
import { modelLocation } from './settings';

export interface SelfTracingApi {
  /** Fires each time the graph panel reports what it rendered. */
  readonly onDidRenderPanel: vscode.Event<FromWebview.Rendered>;
  readonly engine: Engine;
}

export function activate(context: vscode.ExtensionContext): SelfTracingApi {
  const log = vscode.window.createOutputChannel('Self-Tracing', { log: true });
  const engine = new Engine(context.extensionPath, log);
  const rendered = new vscode.EventEmitter<FromWebview.Rendered>();
  context.subscriptions.push(log, engine, rendered, createEngineStatusBar(engine.onDidChangeStatus, engine.status));

  let panel: GraphPanel | undefined;
  const events: GraphPanelEvents = {
    log,
    onRendered: (report) => rendered.fire(report),
    onCheckEngine: () => void tracer.checkEngine(),
    onRevealPiece: (traceId, index) => void tracer.revealPiece(traceId, index),
  };
  const adopt = (created: GraphPanel): GraphPanel => {
    panel = created;
    created.showEngineStatus(engine.status);
    created.onDidDispose(() => { if (panel === created) panel = undefined; });
    return created;
  };
  const openPanel = () => panel ?? adopt(GraphPanel.create(context.extensionUri, events));
  const tracer = new SelectionTracer(engine, openPanel, log);

  const location = modelLocation(context.extensionPath);
  log.info(`model: ${location.embedded ? 'embedded' : 'from settings'} ${location.modelPath}`);

  context.subscriptions.push(
    engine.onDidChangeStatus((status) => panel?.showEngineStatus(status)),
    vscode.commands.registerCommand('selfTracing.traceSelection', () => tracer.traceActiveEditor()),
    vscode.commands.registerCommand('selfTracing.checkEngine', () => tracer.checkEngine()),
    vscode.commands.registerCommand('selfTracing.showLog', () => log.show()),
    vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel) => {
        panel?.dispose();
        adopt(GraphPanel.revive(webviewPanel, context.extensionUri, events));
      },
    }),
    { dispose: () => panel?.dispose() },
  );
  return { onDidRenderPanel: rendered.event, engine };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
