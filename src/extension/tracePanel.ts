// The trace panel: the one graph panel that shows the current trace. It is opened when a trace needs it, revived
// when VS Code restores it after a reload (it is the view type's WebviewPanelSerializer), follows the engine's
// status, and is closed with the extension.
import * as vscode from 'vscode';
import type { EngineStatus } from '../protocol/messages';
import { Disposable } from './dispose';
import { GRAPH_VIEW_TYPE, GraphPanel, type GraphPanelEvents } from './graphPanel';

/** What the rest of the extension sees of the trace panel: the panel open now, and opening it. */
export interface PanelAccess {
  /** The open panel; undefined while it is closed. */
  readonly current: GraphPanel | undefined;
  /** The open panel, or a new one; `pending` is what a new panel shows (with a moving bar) from its first frame. */
  open(pending?: string): GraphPanel;
}

export interface TracePanelOptions {
  readonly extensionUri: vscode.Uri;
  readonly events: GraphPanelEvents;
  readonly engine: { readonly status: EngineStatus; readonly onDidChangeStatus: vscode.Event<EngineStatus> };
  /** After a reload: fills the revived panel (the last trace again). */
  readonly restore: () => Promise<void>;
}

export class TracePanel extends Disposable implements PanelAccess, vscode.WebviewPanelSerializer {
  #current: GraphPanel | undefined;

  constructor(private readonly options: TracePanelOptions) {
    super();
    this.register(vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, this));
    this.register(options.engine.onDidChangeStatus((status) => this.#current?.showEngineStatus(status)));
  }

  get current(): GraphPanel | undefined {
    return this.#current;
  }

  open(pending?: string): GraphPanel {
    return this.#current ?? this.adopt(GraphPanel.create(this.options.extensionUri, this.options.events, pending));
  }

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel): Promise<void> {
    this.#current?.dispose();
    this.adopt(GraphPanel.revive(webviewPanel, this.options.extensionUri, this.options.events));
    await this.options.restore();
  }

  override dispose(): void {
    super.dispose();
    this.#current?.dispose();
  }

  private adopt(panel: GraphPanel): GraphPanel {
    if (this.isDisposed) {
      panel.dispose();
      return panel;
    }
    this.#current = panel;
    panel.showEngineStatus(this.options.engine.status);
    panel.onDidDispose(() => {
      if (this.#current === panel) this.#current = undefined;
    });
    return panel;
  }
}
