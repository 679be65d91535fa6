// The extension activated against the fake `vscode`, fresh for each test: what most extension tests start from.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { activate, type SelfTracingApi } from '../../../src/extension/extension';
import { fake, fakeContext, type FakeContext } from '../fakeVscode';

/** A reset fake and the extension activated in it (the repository as the extension; `storage`: a fresh storage folder). */
export function activateFresh({ storage = false } = {}): { context: FakeContext; api: SelfTracingApi } {
  fake.reset();
  const context = fakeContext(path.resolve('.'), storage ? { storageDir: fs.mkdtempSync(path.join(os.tmpdir(), 'self-tracing-storage-')) } : {});
  return { context, api: activate(context as unknown as vscode.ExtensionContext) };
}

/** Disposes what the extension registered, as VS Code does when it deactivates the extension. */
export function deactivate(context: FakeContext): void {
  for (const d of context.subscriptions.splice(0)) d.dispose();
}
