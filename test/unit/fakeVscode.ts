// Typed access to the controls of the fake `vscode` module that test/unit/vscode-stub.cjs preloads.
import * as vscode from 'vscode';

export interface FakePanel {
  readonly viewType: string;
  readonly title: string;
  readonly options: vscode.WebviewOptions & vscode.WebviewPanelOptions;
  readonly webview: { html: string; options: vscode.WebviewOptions; sent: unknown[] };
  readonly revealed: number;
  readonly disposed: boolean;
  receive(message: unknown): void;
  dispose(): void;
}

export interface FakeEditor {
  readonly document: vscode.TextDocument;
  selection: vscode.Selection;
  readonly revealed: vscode.Range[];
  /** Ranges per decoration type key, as last set. */
  readonly decorations: Map<string, vscode.Range[]>;
}

export interface FakeState {
  readonly commands: Map<string, (...args: unknown[]) => unknown>;
  readonly panels: FakePanel[];
  readonly serializers: Map<string, vscode.WebviewPanelSerializer>;
  readonly messages: { severity: string; message: string; actions: string[] }[];
  readonly logs: { level: string; message: string }[];
  readonly statusBarItems: { id: string; text: string; tooltip: string; shown: boolean; command?: string }[];
  settings: Record<string, { globalValue?: unknown; workspaceValue?: unknown }>;
  progress?: { options: vscode.ProgressOptions; reports: { message?: string }[]; cancel(): void };
  readonly decorationTypes: { key: string; options: vscode.DecorationRenderOptions }[];
  readonly hoverProviders: vscode.HoverProvider[];
  readonly quickPicks: { items: vscode.QuickPickItem[]; options?: vscode.QuickPickOptions }[];
  readonly dialogs: unknown[];
  readonly files: Map<string, Uint8Array>;
  /** Answers for the next quick picks, input boxes and dialogs, in order. */
  readonly answers: unknown[];
  /** Diagnostics per document URI string, as last set. */
  readonly diagnostics: Map<string, vscode.Diagnostic[]>;
  readonly codeLensProviders: vscode.CodeLensProvider[];
  readonly contentProviders: Map<string, vscode.TextDocumentContentProvider>;
  /** Built-in commands executed (vscode.diff, workbench.*), with their arguments. */
  readonly builtins: { id: string; args: unknown[] }[];
}

export interface FakeEvents {
  readonly changeText: vscode.EventEmitter<vscode.TextDocumentChangeEvent>;
  readonly selection: vscode.EventEmitter<vscode.TextEditorSelectionChangeEvent>;
  readonly activeEditor: vscode.EventEmitter<vscode.TextEditor | undefined>;
  readonly closeDocument: vscode.EventEmitter<vscode.TextDocument>;
}

export interface FakeControls {
  readonly state: FakeState;
  readonly events: FakeEvents;
  openEditor(text: string, options?: { fileName?: string; start?: number; end?: number }): FakeEditor;
  reset(): void;
}

export const fake = (vscode as unknown as { __fake: FakeControls }).__fake;

/** Resolves when `predicate` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
