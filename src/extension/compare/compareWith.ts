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

export function registerCompare(deps: CompareDeps): { disposables: vscode.Disposable[]; api: CompareApi } {
  const recent: { traceId: string; fileName: string; graph: GraphJson }[] = [];
  const remember = (t: Trace | undefined) => {
    if (!t) return;
    const i = recent.findIndex((r) => r.traceId === t.traceId);
    if (i >= 0) recent.splice(i, 1);
    recent.unshift({ traceId: t.traceId, fileName: t.fileName, graph: t.graph });
    recent.length = Math.min(recent.length, RECENT);
  };
  remember(deps.traces.current);

  const parseOpen = (f: OpenGraphFile): GraphJson | undefined => {
    try {
      return readGraphJson(f.document.getText());
    } catch {
      return undefined; // a file being edited into shape: not offered
    }
  };
  /** A: the active graph file editor, else the trace panel's graph. */
  const shownGraph = (): Shown | undefined => {
    const input = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input;
    const file = input instanceof vscode.TabInputCustom ? deps.graphFiles?.().get(input.uri.toString()) : undefined;
    const graph = file && parseOpen(file);
    if (file && graph) return { traceId: file.traceId, graph, fileName: path.basename(file.document.uri.fsPath), panel: file.panel };
    const t = deps.traces.current;
    return t && { traceId: t.traceId, graph: t.graph, fileName: t.fileName, panel: deps.panel.current };
  };

  const show = (a: Shown, b: GraphJson, otherName: string): GraphComparison | undefined => {
    const panel = a.panel;
    if (!panel) {
      void vscode.window.showErrorMessage('Self-Tracing: Compare With… needs the graph panel: trace a prompt first.');
      return undefined;
    }
    const t0 = performance.now();
    const c = compareGraphs(a.graph, b);
    deps.log.info(`compare ${a.fileName} with ${otherName}: ${c.headline.shared} shared, ${(100 * c.headline.sharedInfluenceA).toFixed(1)}% of A's feature influence (${c.mode}, ${(performance.now() - t0).toFixed(0)} ms)`);
    panel.showComparison({ traceId: a.traceId, comparison: c, otherName });
    panel.reveal();
    return c;
  };
  const readFile = (file: string): GraphJson | undefined => {
    try {
      return readGraphJson(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : EngineError.from(err).message;
      void vscode.window.showErrorMessage(`Self-Tracing: cannot compare with ${path.basename(file)}: ${why}`);
      return undefined;
    }
  };

  const command = async () => {
    const a = shownGraph();
    if (!a) {
      void vscode.window.showErrorMessage('Self-Tracing: nothing to compare yet — trace a prompt (or open a graph) first, then Compare With….');
      return;
    }
    type Item = vscode.QuickPickItem & { graph?: GraphJson; browse?: true };
    const files = [...(deps.graphFiles?.().values() ?? [])].filter((f) => f.traceId !== a.traceId).flatMap((f) => {
      const graph = parseOpen(f);
      return graph ? [{ label: path.basename(f.document.uri.fsPath), description: JSON.stringify(graph.metadata.prompt.slice(0, 60)), detail: 'an open graph file', graph }] : [];
    });
    const items: Item[] = [
      ...recent.filter((r) => r.traceId !== a.traceId).map((r) => ({ label: r.fileName, description: JSON.stringify(r.graph.metadata.prompt.slice(0, 60)), detail: 'an earlier trace of this session', graph: r.graph })),
      ...files,
      { label: '$(folder-opened) Graph file…', description: 'ours, circuit-tracer\'s or Neuronpedia\'s graph JSON', browse: true },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Compare ${a.fileName} with…`, placeHolder: 'an earlier trace or a graph file' });
    if (!pick) return;
    if (pick.graph) {
      show(a, pick.graph, pick.label);
      return;
    }
    const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Graph JSON': ['json'] }, title: 'Graph to compare with' });
    if (!uris?.[0]) return;
    const b = readFile(uris[0].fsPath);
    if (b) show(a, b, path.basename(uris[0].fsPath));
  };

  return {
    disposables: [deps.traces.onDidChange(remember), vscode.commands.registerCommand(COMPARE_COMMAND, command)],
    api: {
      compareWithFile(file) {
        const a = shownGraph();
        const b = a && readFile(file);
        return a && b ? show(a, b, path.basename(file)) : undefined;
      },
    },
  };
}
