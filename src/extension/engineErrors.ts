// Shows an engine error to the user as one sentence with the action that fits its code; details go to the log.
import * as vscode from 'vscode';
import { EngineError, type EngineErrorCode } from '../engine/errors';
import { CHOOSE_MODEL, CHOOSE_MODEL_COMMAND, openSettings } from './settings';

type Action = 'Show Log' | 'Open Settings' | 'Retry' | typeof CHOOSE_MODEL;

const actionsFor: Record<EngineErrorCode, Action[]> = {
  cancelled: [],
  onnxRuntimeUnavailable: ['Show Log'],
  workerCrashed: ['Retry', 'Show Log'],
  workerDisposed: [],
  badRequest: ['Show Log'],
  internal: ['Show Log'],
  fileNotFound: [CHOOSE_MODEL, 'Open Settings'],
  badFile: ['Open Settings', 'Show Log'],
  missingTensor: ['Open Settings', 'Show Log'],
  badShape: ['Open Settings', 'Show Log'],
  unsupported: [CHOOSE_MODEL, 'Open Settings'],
  badInput: ['Show Log'],
};

export async function showEngineError(err: unknown, log: vscode.LogOutputChannel, retry?: () => void): Promise<void> {
  const error = EngineError.from(err);
  if (error.code === 'cancelled' || error.code === 'workerDisposed') return;
  const actions = actionsFor[error.code].filter((a) => a !== 'Retry' || retry);
  const choice = await vscode.window.showErrorMessage(`Self-Tracing: ${error.message}`, ...actions);
  if (choice === 'Show Log') log.show(true);
  else if (choice === 'Open Settings') await openSettings();
  else if (choice === CHOOSE_MODEL) await vscode.commands.executeCommand(CHOOSE_MODEL_COMMAND);
  else if (choice === 'Retry') retry?.();
}
