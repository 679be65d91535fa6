// Writing graphs out of the editor: Export Graph as JSON for a destination ("circuit-tracer viewer" or
// "Neuronpedia upload", the file's own form first), Export as Folder (what circuit-tracer's local server serves),
// and Save Trace as Graph File (a live trace becomes a `*.graph.json` the custom editor opens). Files are written
// through a temporary file and a rename; nothing the user did not name is overwritten.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FeatureIndex } from '../../engine/features/records';
import { writeGraphFolder, type FolderResult } from '../../engine/formats/graphFolder';
import type { GraphJson } from '../../protocol/graph-json';
import { convertGraph, formOf, type GraphForm } from '../../protocol/graphForms';
import { writeGraphText } from '../../protocol/graphText';
import { GRAPH_FILE_VIEW_TYPE } from './graphEditor';

const FORMS: { form: GraphForm; label: string; detail: string }[] = [
  { form: 'circuit-tracer', label: 'circuit-tracer viewer', detail: 'labels as a JSON string keyed by feature, features looked up beside the file (./data/features)' },
  { form: 'neuronpedia', label: 'Neuronpedia upload', detail: 'arrays in qParams, labels keyed by featureId, scan = the model id; passes its upload schema' },
];

/** Asks which viewer the file is for; the form the graph came in is offered first. */
export async function pickForm(graph: GraphJson): Promise<GraphForm | undefined> {
  const own = formOf(graph);
  const items = [...FORMS].sort((a, b) => Number(b.form === own) - Number(a.form === own))
    .map((f) => ({ label: f.label, description: f.form === own ? 'the form this graph came in' : '', detail: f.detail, form: f.form }));
  return (await vscode.window.showQuickPick(items, { title: 'Export Graph JSON for…' }))?.form;
}

/** Writes through a temporary file beside the target, then renames it over the target. */
export async function writeAtomic(target: vscode.Uri, data: Uint8Array): Promise<void> {
  const tmp = target.with({ path: `${target.path}.${Date.now().toString(36)}.tmp` });
  await vscode.workspace.fs.writeFile(tmp, data);
  await vscode.workspace.fs.rename(tmp, target, { overwrite: true });
}

/** The graph's text in `form`, with warnings (e.g. labels circuit-tracer cannot keep per position). */
export function graphText(graph: GraphJson, form: GraphForm): { text: string; warnings: string[] } {
  const { graph: out, warnings } = convertGraph(graph, form);
  return { text: writeGraphText(out), warnings };
}

export async function exportGraphJson(graph: GraphJson, target: vscode.Uri, form: GraphForm, log: vscode.LogOutputChannel): Promise<void> {
  const { text, warnings } = graphText(graph, form);
  await writeAtomic(target, new TextEncoder().encode(text));
  for (const w of warnings) log.warn(`${target.toString()}: ${w}`);
  if (warnings.length) void vscode.window.showWarningMessage(`Self-Tracing: exported with ${warnings.length} warning(s): ${warnings[0]}`);
}

/** The feature index next to a model folder, if there is one. */
export function featureIndexNear(modelDir: string | undefined): FeatureIndex | undefined {
  const dir = modelDir && path.join(modelDir, 'features');
  try {
    return dir && fs.existsSync(path.join(dir, 'index.json.gz')) ? FeatureIndex.open(dir) : undefined;
  } catch {
    return undefined;
  }
}

/** Export as Folder: graph-metadata.json, {slug}.json and the graph's feature files, in a folder the user picks. */
export async function exportGraphFolder(graph: GraphJson, modelDir: string | undefined, log: vscode.LogOutputChannel): Promise<FolderResult | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Export Here', title: "Folder for circuit-tracer's viewer (graph-metadata.json, the graph, features/)" });
  const dir = picked?.[0];
  if (!dir) return undefined;
  const result = writeGraphFolder(dir.fsPath, graph, featureIndexNear(modelDir));
  log.info(`exported ${result.graphFile} (+ ${result.featureFiles} feature files, ${result.missingFeatures} without a record)`);
  const missing = result.missingFeatures ? `; ${result.missingFeatures} feature(s) had no record in the model's feature index` : '';
  void vscode.window.showInformationMessage(`Self-Tracing: wrote ${path.basename(result.graphFile)}, graph-metadata.json and ${result.featureFiles} feature file(s)${missing}. View with: circuit-tracer start-server --graph_file_dir ${dir.fsPath}`);
  return result;
}

/** Save Trace as Graph File: the live trace, in the circuit-tracer form, opened in the graph file editor. */
export async function saveTraceAsGraphFile(graph: GraphJson, log: vscode.LogOutputChannel): Promise<vscode.Uri | undefined> {
  const base = graph.metadata.slug || 'graph';
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file('.'), `${base}.graph.json`),
    filters: { 'Graph file': ['json'] },
    title: 'Save Trace as Graph File',
  });
  if (!target) return undefined;
  await exportGraphJson(graph, target, formOf(graph), log);
  await vscode.commands.executeCommand('vscode.openWith', target, GRAPH_FILE_VIEW_TYPE);
  return target;
}
