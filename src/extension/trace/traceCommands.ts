// The trace commands: Open Graph File, Export Graph, Clear Trace, Choose Target, and the
// graph links used by hovers and the panel's context menu (Show in Graph, Trace from Here, Pin Node).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EMBEDDED_MODEL_DIR } from '../settings';
import type { GraphJson } from '../../protocol/graph-json';
import { MAX_GRAPH_BYTES, parseGraphText } from '../../protocol/graphText';
import { GRAPH_FILE_VIEW_TYPE, GRAPH_JSON_VIEW_TYPE } from '../graphFiles/graphEditor';
import { exportGraphFolder, exportGraphJson, pickForm, saveTraceAsGraphFile } from '../graphFiles/graphExport';
import type { GraphPanel } from '../graphPanel';
import { targetToken, vocabularyTokens } from '../tracePrechecks';
import type { TraceView } from './traceView';

/** A re-trace the graph cannot answer by itself: another target, or a prefix of the traced text. */
export interface RetraceRequest {
  readonly text: string;
  readonly uri?: vscode.Uri;
  /** Trace towards this output token (by id when known); `contrast` makes it "target versus contrast". */
  readonly target?: { readonly token: string; readonly tokenId?: number; readonly contrast?: string };
}

/** Where the engine plugs in: given a request, trace and call TraceView.show with the result. */
export type Retrace = (request: RetraceRequest) => Promise<void>;

/** A graph file read with the one reader (src/protocol/graphText.ts), or why it cannot be shown. */
export async function readGraphFile(uri: vscode.Uri): Promise<{ graph: GraphJson; warnings: string[] } | { error: string }> {
  const name = uri.path.split('/').pop();
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.size > MAX_GRAPH_BYTES) return { error: `${name} is ${(stat.size / 2 ** 20).toFixed(0)} MB; graphs over ${MAX_GRAPH_BYTES / 2 ** 20} MB are not opened. Prune it with a higher threshold first.` };
  const parsed = parseGraphText(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
  return parsed.ok ? { graph: parsed.graph, warnings: parsed.warnings } : { error: `${name} is not an attribution graph: ${parsed.reason}.` };
}

/** The graph file whose editor is the active tab, with its unsaved edits. */
function activeGraphFile(): { graph: GraphJson; uri: vscode.Uri } | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (!(input instanceof vscode.TabInputCustom) || ![GRAPH_FILE_VIEW_TYPE, GRAPH_JSON_VIEW_TYPE].includes(input.viewType)) return undefined;
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === input.uri.toString());
  const parsed = doc && parseGraphText(doc.getText(), { cap: false });
  return parsed?.ok ? { graph: parsed.graph, uri: input.uri } : undefined;
}

interface Deps {
  readonly traces: TraceView;
  readonly panel: () => GraphPanel | undefined;
  readonly retrace: Retrace;
  readonly log: vscode.LogOutputChannel;
  /** the extension's folder: the embedded model and its demo prompts live inside it */
  readonly extensionPath: string;
}

export function registerTraceCommands({ traces, panel, retrace, log, extensionPath }: Deps): vscode.Disposable[] {
  const openGraphFile = async (arg?: vscode.Uri) => {
    const uri = arg instanceof vscode.Uri ? arg : (await vscode.window.showOpenDialog({
      canSelectMany: false, openLabel: 'Open Graph', filters: { 'Attribution graph JSON': ['json'] },
    }))?.[0];
    if (!uri) return;
    const result = await readGraphFile(uri);
    if ('error' in result) {
      const again = await vscode.window.showErrorMessage(`Self-Tracing: ${result.error}`, 'Open Another…');
      if (again) await openGraphFile();
      return;
    }
    for (const w of result.warnings) log.warn(`${uri.toString()}: ${w}`);
    // the panel is the file's editor: pins and labels become edits of the file
    await vscode.commands.executeCommand('vscode.openWith', uri, uri.path.endsWith('.graph.json') ? GRAPH_FILE_VIEW_TYPE : GRAPH_JSON_VIEW_TYPE);
  };

  const exportGraph = async () => {
    const file = activeGraphFile();
    const graph = file?.graph ?? traces.exportable();
    if (!graph) {
      await vscode.window.showWarningMessage('Self-Tracing: there is no graph to export; trace a selection or open a graph file first.');
      return;
    }
    const kind = await vscode.window.showQuickPick([
      { label: 'Graph JSON', description: 'for circuit-tracer\'s viewer or a Neuronpedia upload, with pins, supernodes and labels in qParams', id: 'json' },
      { label: 'Graph folder', description: 'graph-metadata.json, the graph and its feature files, as circuit-tracer\'s local server serves them', id: 'folder' },
      { label: 'PNG image', description: 'the whole graph at 2×, with the prompt, the target and a legend', id: 'png' },
      { label: 'SVG image', description: 'the same as a vector drawing', id: 'svg' },
    ], { title: 'Export Graph' });
    if (!kind) return;
    const model = file ? undefined : traces.current?.model?.modelDir;
    if (kind.id === 'folder') {
      await exportGraphFolder(graph, model ?? (graph.selfTracing?.model === path.basename(EMBEDDED_MODEL_DIR) ? path.join(extensionPath, EMBEDDED_MODEL_DIR) : undefined), log);
      return;
    }
    const form = kind.id === 'json' ? await pickForm(graph) : undefined;
    if (kind.id === 'json' && !form) return;
    const base = graph.metadata.slug || 'graph';
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('.'), kind.id === 'json' ? `${base}.graph.json` : `${base}.${kind.id}`),
      filters: kind.id === 'json' ? { 'Graph JSON': ['json'] } : kind.id === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
    });
    if (!target) return;
    if (file && target.toString() === file.uri.toString()) {
      await vscode.window.showWarningMessage('Self-Tracing: that is the open graph file; Save (Ctrl+S) writes it. Export to another file.');
      return;
    }
    if (kind.id === 'json') {
      await exportGraphJson(graph, target, form!, log);
    } else {
      const png = (await panel()?.snapshot(20_000, kind.id === 'svg' ? 'svg' : 'png')) ?? '';
      if (!png) {
        await vscode.window.showErrorMessage('Self-Tracing: the graph panel could not draw an image; open the panel and try again.');
        return;
      }
      await vscode.workspace.fs.writeFile(target, Buffer.from(png.slice(png.indexOf(',') + 1), 'base64'));
    }
    log.info(`exported ${kind.id}${form ? ` (${form})` : ''} to ${target.toString()}`);
    void confirmExport(target);
  };

  const saveTraceAsFile = async () => {
    const graph = traces.exportable();
    if (!graph) {
      await vscode.window.showWarningMessage('Self-Tracing: there is no live trace to save; trace a selection first.');
      return;
    }
    await saveTraceAsGraphFile(graph, log);
  };

  const chooseTarget = async () => {
    const t = traces.current;
    const source = t?.graph.selfTracing?.source?.text;
    if (!t || source === undefined) {
      await vscode.window.showWarningMessage('Self-Tracing: trace a selection first; Choose Target re-traces its text.');
      return;
    }
    const outputs = t.graph.selfTracing?.topOutputs ?? [];
    const current = t.graph.selfTracing?.target?.token;
    const items: (vscode.QuickPickItem & { token?: string; tokenId?: number; mode?: 'other' | 'contrast' })[] = [
      ...outputs.map((o) => ({ label: JSON.stringify(o.token), description: `${(o.prob * 100).toFixed(1)}%${o.token === current ? ' · current target' : ''}`, token: o.token, tokenId: o.tokenId })),
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(edit) Another token…', mode: 'other' as const },
      { label: '$(diff) A versus B…', mode: 'contrast' as const },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Choose the output to explain' });
    if (!pick) return;
    let target: RetraceRequest['target'];
    if (pick.token !== undefined) target = { token: pick.token, tokenId: pick.tokenId };
    else if (pick.mode === 'other') {
      const tokens = t.model ? vocabularyTokens(t.model.modelDir) : null;
      const typed = await vscode.window.showInputBox({
        title: 'Target token', prompt: 'The output token to explain, with its leading space if it has one (e.g. " Austin")',
        validateInput: (v) => {
          if (v === '') return undefined;
          const check = targetToken(v, tokens);
          return check.reason ? { message: check.reason, severity: vscode.InputBoxValidationSeverity.Error }
            : check.note ? { message: check.note, severity: vscode.InputBoxValidationSeverity.Info } : undefined;
        },
      });
      if (typed === undefined || typed === '') return;
      const check = targetToken(typed, tokens);
      if (!check.token) {
        await vscode.window.showErrorMessage(`Self-Tracing: ${check.reason}`);
        return;
      }
      target = { token: check.token };
    } else {
      const a = await vscode.window.showInputBox({ title: 'A versus B (1/2)', prompt: 'Token A, the answer to explain', value: current ?? '' });
      if (!a) return;
      const b = await vscode.window.showInputBox({ title: 'A versus B (2/2)', prompt: 'Token B, the alternative it beats' });
      if (!b) return;
      target = { token: a, contrast: b };
    }
    await retrace({ text: source, uri: t.uri, target });
  };

  const showInGraph = async (arg?: { traceId?: string; nodeId?: string }) => {
    const t = traces.current;
    const p = panel();
    if (!t || !p || !arg?.nodeId || arg.traceId !== t.traceId) return;
    p.selectNode(t.traceId, arg.nodeId);
    p.reveal();
  };

  const traceFromHere = async (arg?: { traceId?: string; ctx?: number }) => {
    const t = traces.current;
    if (!t || arg?.traceId !== t.traceId || arg.ctx === undefined) return;
    const prefix = traces.prefixTo(arg.ctx);
    if (prefix) await retrace(prefix);
  };

  /** Webview context menu on a node: VS Code passes the element's data-vscode-context. */
  const pinNode = (ctx?: { nodeId?: string }) => {
    const t = traces.current;
    if (t && ctx?.nodeId) panel()?.selectNode(t.traceId, ctx.nodeId, true);
  };
  const revealNode = (ctx?: { nodeId?: string }) => {
    const t = traces.current;
    const node = t?.graph.nodes.find((n) => n.node_id === ctx?.nodeId);
    if (t && node) void traces.revealPosition(t.traceId, node.ctx_idx, true);
  };

  return [
    vscode.commands.registerCommand('selfTracing.openGraphFile', openGraphFile),
    vscode.commands.registerCommand('selfTracing.exportGraph', exportGraph),
    vscode.commands.registerCommand('selfTracing.saveTraceAsGraphFile', saveTraceAsFile),
    vscode.commands.registerCommand('selfTracing.clearTrace', () => traces.clear()),
    vscode.commands.registerCommand('selfTracing.chooseTarget', chooseTarget),
    vscode.commands.registerCommand('selfTracing.showInGraph', showInGraph),
    vscode.commands.registerCommand('selfTracing.traceFromHere', traceFromHere),
    vscode.commands.registerCommand('selfTracing.graph.pinNode', pinNode),
    vscode.commands.registerCommand('selfTracing.graph.revealNode', revealNode),
  ];
}

/** Says where an export went, with Open and Reveal (in the OS, or in the Explorer where the OS is not reachable). */
export async function confirmExport(target: vscode.Uri): Promise<void> {
  const name = target.path.split('/').pop() ?? target.toString();
  const choice = await vscode.window.showInformationMessage(`Self-Tracing: exported ${name}.`, 'Open', 'Reveal');
  if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', target);
  else if (choice === 'Reveal') {
    const inWorkspace = vscode.workspace.getWorkspaceFolder(target) !== undefined;
    await vscode.commands.executeCommand(inWorkspace || vscode.env.remoteName ? 'revealInExplorer' : 'revealFileInOS', target);
  }
}
