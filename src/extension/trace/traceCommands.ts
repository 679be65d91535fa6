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
import type { PanelAccess } from '../tracePanel';
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
  readonly panel: Pick<PanelAccess, 'current'>;
  readonly retrace: Retrace;
  readonly log: vscode.LogOutputChannel;
  /** the extension's folder: the embedded model and its demo prompts live inside it */
  readonly extensionPath: string;
}

export function registerTraceCommands(deps: Deps): vscode.Disposable[] {
  const { traces } = deps;
  return [
    vscode.commands.registerCommand('selfTracing.openGraphFile', (arg?: vscode.Uri) => openGraphFile(deps.log, arg)),
    vscode.commands.registerCommand('selfTracing.exportGraph', () => exportGraph(deps)),
    vscode.commands.registerCommand('selfTracing.saveTraceAsGraphFile', () => saveTraceAsFile(deps)),
    vscode.commands.registerCommand('selfTracing.clearTrace', () => traces.clear()),
    vscode.commands.registerCommand('selfTracing.chooseTarget', () => chooseTarget(deps)),
    vscode.commands.registerCommand('selfTracing.showInGraph', (arg?: { traceId?: string; nodeId?: string }) => showInGraph(deps, arg)),
    vscode.commands.registerCommand('selfTracing.traceFromHere', (arg?: { traceId?: string; ctx?: number }) => traceFromHere(deps, arg)),
    vscode.commands.registerCommand('selfTracing.graph.pinNode', (ctx?: { nodeId?: string }) => pinNode(deps, ctx)),
    vscode.commands.registerCommand('selfTracing.graph.revealNode', (ctx?: { nodeId?: string }) => revealNode(deps, ctx)),
  ];
}

/** Open Graph File: the file opens in its graph editor; one that is not a graph says why and offers another. */
async function openGraphFile(log: vscode.LogOutputChannel, arg?: vscode.Uri): Promise<void> {
  const uri = arg instanceof vscode.Uri ? arg : (await vscode.window.showOpenDialog({
    canSelectMany: false, openLabel: 'Open Graph', filters: { 'Attribution graph JSON': ['json'] },
  }))?.[0];
  if (!uri) return;
  const result = await readGraphFile(uri);
  if ('error' in result) {
    const again = await vscode.window.showErrorMessage(`Self-Tracing: ${result.error}`, 'Open Another…');
    if (again) await openGraphFile(log);
    return;
  }
  for (const w of result.warnings) log.warn(`${uri.toString()}: ${w}`);
  // the panel is the file's editor: pins and labels become edits of the file
  await vscode.commands.executeCommand('vscode.openWith', uri, uri.path.endsWith('.graph.json') ? GRAPH_FILE_VIEW_TYPE : GRAPH_JSON_VIEW_TYPE);
}

type ExportKind = 'json' | 'folder' | 'png' | 'svg';

/** Export Graph: the active graph file's graph, else the current trace's, as JSON, a folder, or an image. */
async function exportGraph({ traces, panel, log, extensionPath }: Deps): Promise<void> {
  const file = activeGraphFile();
  const graph = file?.graph ?? traces.exportable();
  if (!graph) {
    await vscode.window.showWarningMessage('Self-Tracing: there is no graph to export; trace a selection or open a graph file first.');
    return;
  }
  const kind = await pickExportKind();
  if (!kind) return;
  if (kind === 'folder') {
    const model = file ? undefined : traces.current?.model?.modelDir;
    await exportGraphFolder(graph, model ?? (graph.selfTracing?.model === path.basename(EMBEDDED_MODEL_DIR) ? path.join(extensionPath, EMBEDDED_MODEL_DIR) : undefined), log);
    return;
  }
  const form = kind === 'json' ? await pickForm(graph) : undefined;
  if (kind === 'json' && !form) return;
  const target = await askExportTarget(graph.metadata.slug || 'graph', kind);
  if (!target) return;
  if (file && target.toString() === file.uri.toString()) {
    await vscode.window.showWarningMessage('Self-Tracing: that is the open graph file; Save (Ctrl+S) writes it. Export to another file.');
    return;
  }
  if (kind === 'json') await exportGraphJson(graph, target, form!, log);
  else if (!(await writeImage(panel.current, kind, target))) return;
  log.info(`exported ${kind}${form ? ` (${form})` : ''} to ${target.toString()}`);
  void confirmExport(target);
}

async function pickExportKind(): Promise<ExportKind | undefined> {
  const kinds: (vscode.QuickPickItem & { id: ExportKind })[] = [
    { label: 'Graph JSON', description: 'for circuit-tracer\'s viewer or a Neuronpedia upload, with pins, supernodes and labels in qParams', id: 'json' },
    { label: 'Graph folder', description: 'graph-metadata.json, the graph and its feature files, as circuit-tracer\'s local server serves them', id: 'folder' },
    { label: 'PNG image', description: 'the whole graph at 2×, with the prompt, the target and a legend', id: 'png' },
    { label: 'SVG image', description: 'the same as a vector drawing', id: 'svg' },
  ];
  return (await vscode.window.showQuickPick(kinds, { title: 'Export Graph' }))?.id;
}

function askExportTarget(base: string, kind: Exclude<ExportKind, 'folder'>): Thenable<vscode.Uri | undefined> {
  return vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('.'), kind === 'json' ? `${base}.graph.json` : `${base}.${kind}`),
    filters: kind === 'json' ? { 'Graph JSON': ['json'] } : kind === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
  });
}

/** The panel's drawing of the whole graph, written to `target`; false (and said) when the panel cannot draw one. */
async function writeImage(panel: GraphPanel | undefined, kind: 'png' | 'svg', target: vscode.Uri): Promise<boolean> {
  const image = (await panel?.snapshot(20_000, kind)) ?? '';
  if (!image) {
    await vscode.window.showErrorMessage('Self-Tracing: the graph panel could not draw an image; open the panel and try again.');
    return false;
  }
  await vscode.workspace.fs.writeFile(target, Buffer.from(image.slice(image.indexOf(',') + 1), 'base64'));
  return true;
}

async function saveTraceAsFile({ traces, log }: Deps): Promise<void> {
  const graph = traces.exportable();
  if (!graph) {
    await vscode.window.showWarningMessage('Self-Tracing: there is no live trace to save; trace a selection first.');
    return;
  }
  await saveTraceAsGraphFile(graph, log);
}

type TargetItem = vscode.QuickPickItem & { token?: string; tokenId?: number; mode?: 'other' | 'contrast' };

/** Choose Target: re-traces the current trace's text towards one of its top outputs, a typed token, or A versus B. */
async function chooseTarget({ traces, retrace }: Deps): Promise<void> {
  const t = traces.current;
  const source = t?.graph.selfTracing?.source?.text;
  if (!t || source === undefined) {
    await vscode.window.showWarningMessage('Self-Tracing: trace a selection first; Choose Target re-traces its text.');
    return;
  }
  const current = t.graph.selfTracing?.target?.token;
  const pick = await vscode.window.showQuickPick(targetItems(t.graph.selfTracing?.topOutputs ?? [], current), { title: 'Choose the output to explain' });
  if (!pick) return;
  const target = pick.token !== undefined ? { token: pick.token, tokenId: pick.tokenId }
    : pick.mode === 'other' ? await askTargetToken(t.model?.modelDir)
    : await askContrast(current);
  if (target) await retrace({ text: source, uri: t.uri, target });
}

function targetItems(outputs: readonly { token: string; tokenId?: number; prob: number }[], current: string | undefined): TargetItem[] {
  return [
    ...outputs.map((o) => ({ label: JSON.stringify(o.token), description: `${(o.prob * 100).toFixed(1)}%${o.token === current ? ' · current target' : ''}`, token: o.token, tokenId: o.tokenId })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(edit) Another token…', mode: 'other' as const },
    { label: '$(diff) A versus B…', mode: 'contrast' as const },
  ];
}

/** A typed target token, checked against the traced model's vocabulary while it is typed. */
async function askTargetToken(modelDir: string | undefined): Promise<RetraceRequest['target']> {
  const tokens = modelDir ? vocabularyTokens(modelDir) : null;
  const typed = await vscode.window.showInputBox({
    title: 'Target token', prompt: 'The output token to explain, with its leading space if it has one (e.g. " Austin")',
    validateInput: (v) => {
      if (v === '') return undefined;
      const check = targetToken(v, tokens);
      return check.reason ? { message: check.reason, severity: vscode.InputBoxValidationSeverity.Error }
        : check.note ? { message: check.note, severity: vscode.InputBoxValidationSeverity.Info } : undefined;
    },
  });
  if (typed === undefined || typed === '') return undefined;
  const check = targetToken(typed, tokens);
  if (!check.token) {
    await vscode.window.showErrorMessage(`Self-Tracing: ${check.reason}`);
    return undefined;
  }
  return { token: check.token };
}

async function askContrast(current: string | undefined): Promise<RetraceRequest['target']> {
  const a = await vscode.window.showInputBox({ title: 'A versus B (1/2)', prompt: 'Token A, the answer to explain', value: current ?? '' });
  if (!a) return undefined;
  const b = await vscode.window.showInputBox({ title: 'A versus B (2/2)', prompt: 'Token B, the alternative it beats' });
  if (!b) return undefined;
  return { token: a, contrast: b };
}

/** Show in Graph (hover link): selects the node in the panel of the current trace. */
async function showInGraph({ traces, panel }: Deps, arg?: { traceId?: string; nodeId?: string }): Promise<void> {
  const t = traces.current;
  const p = panel.current;
  if (!t || !p || !arg?.nodeId || arg.traceId !== t.traceId) return;
  p.selectNode(t.traceId, arg.nodeId);
  p.reveal();
}

/** Trace from Here (hover link): traces the current trace's text up to and including the token at `ctx`. */
async function traceFromHere({ traces, retrace }: Deps, arg?: { traceId?: string; ctx?: number }): Promise<void> {
  const t = traces.current;
  if (!t || arg?.traceId !== t.traceId || arg.ctx === undefined) return;
  const prefix = traces.prefixTo(arg.ctx);
  if (prefix) await retrace(prefix);
}

/** Webview context menu on a node: VS Code passes the element's data-vscode-context. */
function pinNode({ traces, panel }: Deps, ctx?: { nodeId?: string }): void {
  const t = traces.current;
  if (t && ctx?.nodeId) panel.current?.selectNode(t.traceId, ctx.nodeId, true);
}

function revealNode({ traces }: Deps, ctx?: { nodeId?: string }): void {
  const t = traces.current;
  const node = t?.graph.nodes.find((n) => n.node_id === ctx?.nodeId);
  if (t && node) void traces.revealPosition(t.traceId, node.ctx_idx, true);
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
