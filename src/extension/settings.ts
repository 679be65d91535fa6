// Reads the `selfTracing.*` settings. Empty paths mean the embedded model inside the extension; in an untrusted
// workspace only user-level values count, so a cloned repository cannot point the engine at files it chose.
import * as path from 'node:path';
import * as vscode from 'vscode';

export const SECTION = 'selfTracing';
export const EMBEDDED_MODEL_DIR = 'models/organism';

export interface ModelLocation {
  readonly modelPath: string;
  /** Empty: the transcoders that come with the model. */
  readonly transcoderPath: string;
  readonly embedded: boolean;
}

function trustedValue(key: 'modelPath' | 'transcoderPath'): string {
  const config = vscode.workspace.getConfiguration(SECTION);
  if (vscode.workspace.isTrusted) return config.get<string>(key, '').trim();
  return (config.inspect<string>(key)?.globalValue ?? '').trim();
}

export function modelLocation(extensionPath: string): ModelLocation {
  const modelPath = trustedValue('modelPath');
  const transcoderPath = trustedValue('transcoderPath');
  if (modelPath === '') {
    return { modelPath: path.join(extensionPath, EMBEDDED_MODEL_DIR), transcoderPath, embedded: true };
  }
  return { modelPath, transcoderPath, embedded: false };
}

export function openSettings(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', `@ext:self-tracing.self-tracing ${SECTION}`);
}
