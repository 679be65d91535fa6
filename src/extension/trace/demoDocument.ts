// Open Demo Prompts: the embedded model's demo prompts as a read-only virtual document (its own URI scheme, so
// opening it again shows the same tab, never a new dirty untitled file), with a "Trace this prompt" CodeLens above
// each prompt that traces exactly that prompt's characters through the Trace Selection path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EMBEDDED_MODEL_DIR } from '../settings';
import { demoPromptsDocument, parseDemoPrompts, type DemoPromptRange } from './demoPrompts';

export const DEMO_SCHEME = 'self-tracing-demo';
export const DEMO_URI = vscode.Uri.from({ scheme: DEMO_SCHEME, path: '/Self-Tracing demo prompts.md' });
export const TRACE_DEMO_PROMPT_COMMAND = 'selfTracing.traceDemoPrompt';

interface Deps {
  readonly extensionPath: string;
  readonly log: vscode.LogOutputChannel;
  /** The Trace Selection path on a given range. */
  readonly traceRange: (document: vscode.TextDocument, range: vscode.Range) => Promise<string | undefined>;
}

export function registerDemoDocument({ extensionPath, log, traceRange }: Deps): vscode.Disposable[] {
  let layout: { text: string; ranges: DemoPromptRange[] } | undefined;
  const build = () => {
    const file = path.join(extensionPath, EMBEDDED_MODEL_DIR, 'demo-prompts.json');
    let prompts: ReturnType<typeof parseDemoPrompts> = [];
    try {
      prompts = parseDemoPrompts(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (err) {
      log.warn(`demo prompts: ${file} could not be read (${(err as Error).message})`);
    }
    layout = demoPromptsDocument(prompts);
    return layout;
  };

  const lenses = (document: vscode.TextDocument): vscode.CodeLens[] => {
    if (document.uri.scheme !== DEMO_SCHEME) return [];
    const text = document.getText();
    const shown = layout?.text === text ? layout : build();
    if (shown.text !== text) return []; // the prompts changed since the document was read; it is read again on open
    return shown.ranges.map((r) => {
      const range = new vscode.Range(document.positionAt(r.start), document.positionAt(r.end));
      return new vscode.CodeLens(new vscode.Range(range.start, range.start), {
        title: '$(play) Trace this prompt', command: TRACE_DEMO_PROMPT_COMMAND, arguments: [document.uri.toString(), r.start, r.end],
        tooltip: `Trace ${JSON.stringify(r.prompt)} with the embedded model`,
      });
    });
  };

  const tracePrompt = async (uri?: string, start?: number, end?: number) => {
    if (typeof uri !== 'string' || typeof start !== 'number' || typeof end !== 'number') return undefined;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const range = new vscode.Range(document.positionAt(start), document.positionAt(end));
    // in the group that shows the document already: the lens's click leaves the focus in the graph panel after a
    // first trace, and the active group would open the document a second time, beside the graph
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === document.uri.toString());
    const editor = await vscode.window.showTextDocument(document, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false, preview: false });
    editor.selection = new vscode.Selection(range.start, range.end);
    return traceRange(document, range);
  };

  const openDemoPrompts = async () => {
    build();
    const document = await vscode.workspace.openTextDocument(DEMO_URI);
    await vscode.window.showTextDocument(document, { preview: false });
  };

  const changed = new vscode.EventEmitter<vscode.Uri>();
  return [
    changed,
    vscode.workspace.registerTextDocumentContentProvider(DEMO_SCHEME, { onDidChange: changed.event, provideTextDocumentContent: () => build().text }),
    vscode.languages.registerCodeLensProvider({ scheme: DEMO_SCHEME }, { provideCodeLenses: lenses }),
    vscode.commands.registerCommand('selfTracing.openDemoPrompts', openDemoPrompts),
    vscode.commands.registerCommand(TRACE_DEMO_PROMPT_COMMAND, tracePrompt),
  ];
}
