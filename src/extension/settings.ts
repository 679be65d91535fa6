// Reads the `selfTracing.*` settings. Empty paths mean the embedded model inside the extension; in an untrusted
// workspace only user-level values count, so a cloned repository cannot point the engine at files it chose.
// The trace settings carry circuit-tracer's names.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseRepoRef } from '../engine/model/hfCache';
import { checkTraceOption, TRACE_OPTION_NAMES, type TraceOptionName } from '../engine/options';

export const SECTION = 'selfTracing';
export const EMBEDDED_MODEL_DIR = 'models/organism';
/** the action that opens Self-Tracing: Choose Model… (src/extension/chooseModel.ts) */
export const CHOOSE_MODEL = 'Choose Model…';
export const CHOOSE_MODEL_COMMAND = 'selfTracing.chooseModel';

export interface ModelLocation {
  readonly modelPath: string;
  /** Empty: the transcoders that come with the model. */
  readonly transcoderPath: string;
  readonly embedded: boolean;
}

/** A path setting and where its value comes from: the workspace (only when trusted) or the user. */
function trustedValue(key: 'modelPath' | 'transcoderPath'): { value: string; fromWorkspace: boolean } {
  const i = vscode.workspace.getConfiguration(SECTION).inspect<string>(key);
  const user = (i?.globalValue ?? '').trim();
  if (!vscode.workspace.isTrusted) return { value: user, fromWorkspace: false };
  const ws = (i?.workspaceFolderValue ?? i?.workspaceValue ?? '').trim();
  return ws ? { value: ws, fromWorkspace: true } : { value: user, fromWorkspace: false };
}

/**
 * Where a relative path in the settings starts: a workspace setting (trusted workspace) at the first workspace
 * folder; a user setting at the home folder (`~/` too), never at whatever folder is open, so an untrusted
 * repository cannot plant a model where a user-level relative path would find it. A Hugging Face repo id
 * ("org/name") that is no folder there stays as written (the engine finds it in the local cache).
 */
function resolved({ value: p, fromWorkspace }: { value: string; fromWorkspace: boolean }): string {
  if (p === '' || path.isAbsolute(p)) return p;
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  const base = fromWorkspace ? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath : os.homedir();
  if (!base) return p;
  const local = path.join(base, p);
  return !fs.existsSync(local) && parseRepoRef(p) && !p.startsWith('.') ? p : local;
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
  const set = (v: unknown) => v !== undefined && v !== null && String(v).trim() !== '';
  return RESTRICTED_SETTINGS
    .filter((key) => {
      const i = config.inspect<unknown>(key);
      return set(i?.workspaceValue) || set(i?.workspaceFolderValue);
    })
    .map((key) => `${SECTION}.${key}`);
}

/**
 * Settings a workspace may not set in Restricted Mode (package.json's `restrictedConfigurations` says the same to
 * VS Code): the paths (they choose which files the engine reads) and the trace settings (they choose how much work a
 * trace does). Display settings (`selfTracing.heatmap.*`) stay free.
 */
export const RESTRICTED_SETTINGS = ['modelPath', 'transcoderPath', ...TRACE_OPTION_NAMES] as const;

/**
 * The trace settings, named as circuit-tracer names them; absent values fall back to package.json's defaults. Each is
 * checked against what the engine accepts (src/engine/options.ts): a value outside it is left out (the default
 * applies) and `warn` hears which one and why. In Restricted Mode only user-level values count.
 */
export function traceSettings(warn?: (problem: string) => void): { maxFeatureNodes?: number; maxNLogits?: number; desiredLogitProb?: number; nodeThreshold?: number; edgeThreshold?: number } {
  const config = vscode.workspace.getConfiguration(SECTION);
  const out: Partial<Record<TraceOptionName, number>> = {};
  for (const key of TRACE_OPTION_NAMES) {
    const value = vscode.workspace.isTrusted ? config.get<unknown>(key) : config.inspect<unknown>(key)?.globalValue;
    if (value === undefined || value === null) continue;
    const problem = checkTraceOption(key, value);
    if (problem) warn?.(`${SECTION}.${problem} The default applies.`);
    else out[key] = value as number;
  }
  return out;
}
