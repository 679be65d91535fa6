// The status bar item of the current trace: its top output and probability, "stale" when the text changed;
// clicking it opens Choose Target.
import * as vscode from 'vscode';
import type { Trace } from './traceView';

export function traceStatusText(trace: Trace | undefined): { text: string; tooltip: string } | undefined {
  if (!trace) return undefined;
  const target = trace.graph.selfTracing?.target;
  const logit = trace.graph.nodes.find((n) => n.is_target_logit);
  const token = target?.token ?? /^Output "([\s\S]*)" \(p=/.exec(logit?.clerp ?? '')?.[1] ?? '?';
  const prob = target?.prob ?? logit?.token_prob;
  // "A versus B" explains logit(A) − logit(B): one probability would read as if A alone were traced
  const shown = target?.contrast
    ? `${JSON.stringify(target.token)} vs ${JSON.stringify(target.contrast.token)}`
    // one decimal, as the CodeLens and Choose Target show it: 0.7% must not read "1%", nor 2e-6 "0.0%"
    : `${JSON.stringify(token)}${prob !== undefined ? ` ${prob > 0 && prob < 0.0005 ? '<0.1' : (prob * 100).toFixed(1)}%` : ''}`;
  if (trace.stale) return { text: `$(warning) ${shown} (stale)`, tooltip: 'Self-Tracing: the traced text changed; trace again to update the graph and heatmap.' };
  if (target?.contrast) return { text: `$(diff) ${shown}`, tooltip: `Self-Tracing: ${trace.fileName} traced towards logit(${JSON.stringify(target.token)}) − logit(${JSON.stringify(target.contrast.token)}). Click to choose another target.` };
  return { text: `$(type-hierarchy) ${shown}`, tooltip: `Self-Tracing: the traced output of ${trace.fileName}. Click to choose another target.` };
}

export function createTraceStatusBar(onDidChange: vscode.Event<Trace | undefined>): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('selfTracing.trace', vscode.StatusBarAlignment.Right, 99);
  item.name = 'Self-Tracing Trace';
  item.command = 'selfTracing.chooseTarget';
  const sub = onDidChange((trace) => {
    const status = traceStatusText(trace);
    if (!status) return item.hide();
    item.text = status.text;
    item.tooltip = status.tooltip;
    item.show();
  });
  return vscode.Disposable.from(item, sub);
}
