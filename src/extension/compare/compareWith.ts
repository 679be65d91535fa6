// "Self-Tracing: Compare With…": the graph in the trace panel (A) against a second graph (B) — one of the last
// traces of this session or a graph file (ours, circuit-tracer's, Neuronpedia's). The comparison runs in the engine's
// pure module (src/engine/compare) and goes to the panel as a validated protocol message (showComparison).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareGraphs } from '../../engine/compare/compare';
import { readGraphJson } from '../../engine/formats/graphJson';
import { EngineError } from '../../engine/errors';
import type { GraphJson } from '../../protocol/graph-json';
import type { GraphComparison } from '../../protocol/graphCompare';
import type { GraphPanel } from '../graphPanel';
import { Disposable } from '../dispose';
import type { PanelAccess } from '../tracePanel';
import type { Trace, TraceView } from '../trace/traceView';

export const COMPARE_COMMAND = 'selfTracing.compareWith';
const RECENT = 8;

/** An open graph file editor (src/extension/graphFiles): its document, panel and the panel's trace id. */
export interface OpenGraphFile {
  readonly document: vscode.TextDocument;
  readonly panel: GraphPanel;
  readonly traceId: string;
}

interface Shown {
  readonly traceId: string;
  readonly graph: GraphJson;
  readonly fileName: string;
  readonly panel: GraphPanel | undefined;
}

export interface CompareDeps {
  readonly traces: TraceView;
  readonly panel: Pick<PanelAccess, 'current'>;
  /** The open graph file editors by document URI: the active one is A, the others are offered as B. */
  readonly graphFiles?: () => ReadonlyMap<string, OpenGraphFile>;
  readonly log: { info(m: string): void; warn(m: string): void };
}

export interface CompareApi {
  /** Compares the shown trace with a file (tests and scripts); the command asks with a quick pick instead. */
  compareWithFile(file: string): GraphComparison | undefined;
}

/** Compare With…: remembers the session's recent traces, offers them and the open graph files as B, shows the result. */
export class GraphComparer extends Disposable implements CompareApi {
  private readonly recent: { traceId: string; fileName: string; graph: GraphJson }[] = [];

  constructor(private readonly deps: CompareDeps) {
    super();
    this.remember(deps.traces.current);
    this.register(deps.traces.onDidChange((t) => this.remember(t)));
    this.register(vscode.commands.registerCommand(COMPARE_COMMAND, () => this.pickAndCompare()));
  }

  compareWithFile(file: string): GraphComparison | undefined {
    const a = this.shownGraph();
    const b = a && readFile(file);
    return a && b ? this.show(a, b, path.basename(file)) : undefined;
  }

  private remember(t: Trace | undefined): void {
    if (!t) return;
    const { recent } = this;
    const i = recent.findIndex((r) => r.traceId === t.traceId);
    if (i >= 0) recent.splice(i, 1);
    recent.unshift({ traceId: t.traceId, fileName: t.fileName, graph: t.graph });
    recent.length = Math.min(recent.length, RECENT);
  }

  /** A: the active graph file editor, else the trace panel's graph. */
  private shownGraph(): Shown | undefined {
    const input = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input;
    const file = input instanceof vscode.TabInputCustom ? this.deps.graphFiles?.().get(input.uri.toString()) : undefined;
    const graph = file && parseOpen(file);
    if (file && graph) return { traceId: file.traceId, graph, fileName: path.basename(file.document.uri.fsPath), panel: file.panel };
    const t = this.deps.traces.current;
    return t && { traceId: t.traceId, graph: t.graph, fileName: t.fileName, panel: this.deps.panel.current };
  }

  /** The command: B picked from the recent traces, the open graph files, or a file chosen in a dialog. */
  private async pickAndCompare(): Promise<void> {
    const a = this.shownGraph();
    if (!a) {
      void vscode.window.showErrorMessage('Self-Tracing: nothing to compare yet — trace a prompt (or open a graph) first, then Compare With….');
      return;
    }
    const pick = await vscode.window.showQuickPick(this.candidates(a.traceId), { title: `Compare ${a.fileName} with…`, placeHolder: 'an earlier trace or a graph file' });
    if (!pick) return;
    if (pick.graph) {
      this.show(a, pick.graph, pick.label);
      return;
    }
    const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Graph JSON': ['json'] }, title: 'Graph to compare with' });
    if (!uris?.[0]) return;
    const b = readFile(uris[0].fsPath);
    if (b) this.show(a, b, path.basename(uris[0].fsPath));
  }

  /** What B can be, besides A itself: the earlier traces, the open graph files that parse, and "Graph file…". */
  private candidates(traceIdOfA: string): (vscode.QuickPickItem & { graph?: GraphJson; browse?: true })[] {
    const files = [...(this.deps.graphFiles?.().values() ?? [])].filter((f) => f.traceId !== traceIdOfA).flatMap((f) => {
      const graph = parseOpen(f);
      return graph ? [{ label: path.basename(f.document.uri.fsPath), description: JSON.stringify(graph.metadata.prompt.slice(0, 60)), detail: 'an open graph file', graph }] : [];
    });
    return [
      ...this.recent.filter((r) => r.traceId !== traceIdOfA).map((r) => ({ label: r.fileName, description: JSON.stringify(r.graph.metadata.prompt.slice(0, 60)), detail: 'an earlier trace of this session', graph: r.graph })),
      ...files,
      { label: '$(folder-opened) Graph file…', description: 'ours, circuit-tracer\'s or Neuronpedia\'s graph JSON', browse: true },
    ];
  }

  private show(a: Shown, b: GraphJson, otherName: string): GraphComparison | undefined {
    const panel = a.panel;
    if (!panel) {
      void vscode.window.showErrorMessage('Self-Tracing: Compare With… needs the graph panel: trace a prompt first.');
      return undefined;
    }
    const t0 = performance.now();
    const c = compareGraphs(a.graph, b);
    this.deps.log.info(`compare ${a.fileName} with ${otherName}: ${c.headline.shared} shared, ${(100 * c.headline.sharedInfluenceA).toFixed(1)}% of A's feature influence (${c.mode}, ${(performance.now() - t0).toFixed(0)} ms)`);
    panel.showComparison({ traceId: a.traceId, comparison: c, otherName });
    panel.reveal();
    return c;
  }
}

/** An open graph file's graph; undefined while it is being edited into shape (it is not offered). */
function parseOpen(f: OpenGraphFile): GraphJson | undefined {
  try {
    return readGraphJson(f.document.getText());
  } catch {
    return undefined;
  }
}

function readFile(file: string): GraphJson | undefined {
  try {
    return readGraphJson(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : EngineError.from(err).message;
    void vscode.window.showErrorMessage(`Self-Tracing: cannot compare with ${path.basename(file)}: ${why}`);
    return undefined;
  }
}
