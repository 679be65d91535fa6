// The status bar item that shows the engine's state; clicking it checks the engine again.
import * as vscode from 'vscode';
import type { EngineState, EngineStatus } from '../protocol/messages';

const icons: Record<EngineState, string> = {
  starting: '$(circle-outline)',
  checking: '$(sync~spin)',
  ready: '$(pass)',
  error: '$(error)',
};

export function createEngineStatusBar(onDidChangeStatus: vscode.Event<EngineStatus>, initial: EngineStatus): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('selfTracing.engine', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Self-Tracing Engine';
  item.command = 'selfTracing.checkEngine';
  const show = (status: EngineStatus) => {
    item.text = `${icons[status.state]} Self-Tracing`;
    item.tooltip = `Self-Tracing engine: ${status.message}\nClick to check the engine.`;
    item.backgroundColor = status.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  };
  show(initial);
  item.show();
  const subscription = onDidChangeStatus(show);
  return vscode.Disposable.from(subscription, item);
}
