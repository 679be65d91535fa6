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
  /** Action titles the next notifications answer with, in order (else they are dismissed). */
  readonly messageAnswers: string[];
  /** Diagnostics per document URI string, as last set. */
  readonly diagnostics: Map<string, vscode.Diagnostic[]>;
  readonly codeLensProviders: vscode.CodeLensProvider[];
  readonly contentProviders: Map<string, vscode.TextDocumentContentProvider>;
  /** Built-in commands executed (vscode.diff, workbench.*), with their arguments. */
  readonly builtins: { id: string; args: unknown[] }[];
  /** Custom editor providers by view type. */
  readonly customEditors: Map<string, { provider: vscode.CustomTextEditorProvider; options?: unknown }>;
  /** Every workspace edit applied, in order. */
  readonly edits: { uri: string; range: vscode.Range; newText: string }[];
  /** Comment threads alive now (the inline paths widgets). */
  readonly commentThreads: (vscode.CommentThread & { comments: readonly vscode.Comment[] })[];
  readonly inlayHintsProviders: vscode.InlayHintsProvider[];
}

/** A text document whose edits change it (and fire onDidChangeTextDocument), for custom editors. */
export interface FakeEditableDocument extends vscode.TextDocument {
  setText(text: string): void;
}

export interface FakeEvents {
  readonly changeText: vscode.EventEmitter<vscode.TextDocumentChangeEvent>;
  readonly selection: vscode.EventEmitter<vscode.TextEditorSelectionChangeEvent>;
  readonly activeEditor: vscode.EventEmitter<vscode.TextEditor | undefined>;
  readonly closeDocument: vscode.EventEmitter<vscode.TextDocument>;
  readonly openDocument: vscode.EventEmitter<vscode.TextDocument>;
}

export interface FakeControls {
  readonly state: FakeState;
  readonly events: FakeEvents;
  openEditor(text: string, options?: { fileName?: string; start?: number; end?: number }): FakeEditor;
  createEditableDocument(text: string, fileName: string): FakeEditableDocument;
  /** Resolves the registered custom editor `viewType` on `document` in a new fake panel. */
  openCustomEditor(viewType: string, document: vscode.TextDocument): Promise<FakePanel>;
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

/** A Memento over a plain object, as ExtensionContext.workspaceState is. */
export function fakeMemento(): vscode.Memento & { readonly values: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  return {
    values,
    keys: () => Object.keys(values),
    get: <T>(key: string, fallback?: T) => (key in values ? (values[key] as T) : fallback) as T,
    update: async (key: string, value: unknown) => {
      if (value === undefined) delete values[key];
      else values[key] = value;
    },
  };
}

export interface FakeContext {
  readonly subscriptions: vscode.Disposable[];
  readonly extensionUri: vscode.Uri;
  readonly extensionPath: string;
  readonly workspaceState: ReturnType<typeof fakeMemento>;
  readonly storageUri?: vscode.Uri;
}

/** An extension context for `activate`: the repository as the extension, workspace state in memory. */
export function fakeContext(root: string, options: { workspaceState?: ReturnType<typeof fakeMemento>; storageDir?: string } = {}): FakeContext {
  return {
    subscriptions: [],
    extensionUri: vscode.Uri.file(root),
    extensionPath: root,
    workspaceState: options.workspaceState ?? fakeMemento(),
    storageUri: options.storageDir ? vscode.Uri.file(options.storageDir) : undefined,
  };
}
