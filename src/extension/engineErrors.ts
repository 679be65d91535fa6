// Shows an engine error to the user as one sentence with the action that fits its code; details go to the log.
import * as vscode from 'vscode';
import { EngineError, type EngineErrorCode } from '../engine/errors';
import { openSettings } from './settings';

/** The first action on a model error: pick another model (`selfTracing.chooseModel`), or its setting until that command exists. */
export const CHOOSE_MODEL = 'Choose Model…';
export const CHOOSE_MODEL_COMMAND = 'selfTracing.chooseModel';

type Action = 'Show Log' | 'Open Settings' | 'Retry' | typeof CHOOSE_MODEL;

const actionsFor: Record<EngineErrorCode, Action[]> = {
  cancelled: [],
  onnxRuntimeUnavailable: ['Show Log'],
  workerCrashed: ['Retry', 'Show Log'],
  workerDisposed: [],
  badRequest: ['Show Log'],
  internal: ['Show Log'],
  fileNotFound: [CHOOSE_MODEL, 'Open Settings'],
  badFile: [CHOOSE_MODEL, 'Open Settings', 'Show Log'],
  missingTensor: [CHOOSE_MODEL, 'Open Settings', 'Show Log'],
  badShape: [CHOOSE_MODEL, 'Open Settings', 'Show Log'],
  unsupported: [CHOOSE_MODEL, 'Open Settings'],
  badInput: ['Show Log'],
};

export async function showEngineError(err: unknown, log: vscode.LogOutputChannel, retry?: () => void): Promise<void> {
  const error = EngineError.from(err);
  if (error.code === 'cancelled' || error.code === 'workerDisposed') return;
  const actions = actionsFor[error.code].filter((a) => a !== 'Retry' || retry);
  const choice = await vscode.window.showErrorMessage(`Self-Tracing: ${error.message}`, ...actions);
  if (choice === 'Show Log') log.show(true);
  else if (choice === CHOOSE_MODEL) await chooseModel();
  else if (choice === 'Open Settings') await openSettings();
  else if (choice === 'Retry') retry?.();
}

/** Runs Choose Model when this build has it; else opens the model path setting. */
export async function chooseModel(): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes(CHOOSE_MODEL_COMMAND)) await vscode.commands.executeCommand(CHOOSE_MODEL_COMMAND);
  else await vscode.commands.executeCommand('workbench.action.openSettings', 'selfTracing.modelPath');
}
