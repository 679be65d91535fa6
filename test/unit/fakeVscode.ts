// Typed access to the controls of the fake `vscode` module (test/unit/vscode-fake.ts, which vscode-stub.cjs preloads
// as `vscode`), and what tests build around it: an extension context, a Memento, `until`. Only types come from
// vscode-fake.ts: the running fake is the one `import 'vscode'` returns (a value import would make a second one).
import * as vscode from 'vscode';
import type { ToWebview } from '../../src/protocol/messages';
import type { FakeControls, FakePanel } from './vscode-fake';

export type { FakeControls, FakeEditableDocument, FakeEditor, FakeEvents, FakePanel, FakeProgress, FakeState, FakeTextDocument } from './vscode-fake';

export const fake = (vscode as unknown as { __fake: FakeControls }).__fake;

/** The messages of one type the extension posted to a panel's page, in order. */
export function sentOfType<T extends ToWebview.Message['type']>(panel: FakePanel, type: T): Extract<ToWebview.Message, { type: T }>[] {
  return panel.webview.sent.filter((m): m is Extract<ToWebview.Message, { type: T }> => (m as ToWebview.Message).type === type);
}

/**
 * Trace Selection on `text` as a user runs it: an editor on `/ws/prompt.md` holding `>> text`, the selection from
 * `start` (an offset in `text`) to its end; then the panel's page says it is ready. Returns the panel.
 */
export async function traceSelection(text: string, start = 0): Promise<FakePanel> {
  fake.openEditor(`>> ${text}\n`, { fileName: '/ws/prompt.md', start: 3 + start, end: 3 + text.length });
  await vscode.commands.executeCommand('selfTracing.traceSelection');
  const panel = fake.state.panels[0];
  panel.receive({ type: 'ready' });
  return panel;
}

/** The range of one decoration as setDecorations takes them: a Range or a DecorationOptions. */
export const rangeOf = (d: vscode.Range | vscode.DecorationOptions): vscode.Range => ('range' in d ? d.range : d);

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
