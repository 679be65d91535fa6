// Reads the `selfTracing.*` settings. Empty paths mean the embedded model inside the extension; in an untrusted
// workspace only user-level values count, so a cloned repository cannot point the engine at files it chose.
// The trace settings carry circuit-tracer's names.
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

/** A relative path in the settings is taken from the first workspace folder. */
function resolved(p: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return p === '' || path.isAbsolute(p) || !folder ? p : path.join(folder, p);
}

export function modelLocation(extensionPath: string): ModelLocation {
  const modelPath = resolved(trustedValue('modelPath'));
  const transcoderPath = resolved(trustedValue('transcoderPath'));
  if (modelPath === '') {
    return { modelPath: path.join(extensionPath, EMBEDDED_MODEL_DIR), transcoderPath, embedded: true };
  }
  return { modelPath, transcoderPath, embedded: false };
}

export function openSettings(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', `@ext:self-tracing.self-tracing ${SECTION}`);
}

/** Path settings this workspace sets but Restricted Mode ignores (to say why a model was not the one expected). */
export function ignoredPathSettings(): string[] {
  if (vscode.workspace.isTrusted) return [];
  const config = vscode.workspace.getConfiguration(SECTION);
  return (['modelPath', 'transcoderPath'] as const)
    .filter((key) => {
      const i = config.inspect<string>(key);
      return Boolean((i?.workspaceValue ?? '').trim() || (i?.workspaceFolderValue ?? '').trim());
    })
    .map((key) => `${SECTION}.${key}`);
}

/** The trace settings, named as circuit-tracer names them; absent values fall back to package.json's defaults. */
export function traceSettings(): { maxFeatureNodes?: number; maxNLogits?: number; desiredLogitProb?: number; nodeThreshold?: number; edgeThreshold?: number } {
  const config = vscode.workspace.getConfiguration(SECTION);
  const num = (key: string): number | undefined => {
    const v = config.get<number>(key);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  return {
    maxFeatureNodes: num('maxFeatureNodes'),
    maxNLogits: num('maxNLogits'),
    desiredLogitProb: num('desiredLogitProb'),
    nodeThreshold: num('nodeThreshold'),
    edgeThreshold: num('edgeThreshold'),
  };
}
