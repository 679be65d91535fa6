// "Self-Tracing: Open Study Report": a study's report.html (written by `self-trace study`) in a webview beside the
// editor. The report is static (inline CSS and SVG, no script): the webview runs no scripts and the page gets a CSP
// that allows nothing but its inline styles, whatever the file says.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const OPEN_STUDY_REPORT_COMMAND = 'selfTracing.openStudyReport';
const MAX_BYTES = 64 * 1024 * 1024;
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'";

/** The report as the webview shows it: any CSP meta of the file replaced by ours, placed first in <head>. */
export function reportWebviewHtml(html: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`;
  const without = html.replace(/<meta\s+http-equiv=["']?Content-Security-Policy["']?[^>]*>/gi, '');
  return /<head[^>]*>/i.test(without) ? without.replace(/<head[^>]*>/i, (h) => `${h}\n${meta}`) : `${meta}\n${without}`;
}

/** Where the report of a study folder or file is; undefined with a reason when there is none. */
export function reportFileOf(given: string): { file: string } | { problem: string } {
  let file = given;
  try {
    if (fs.statSync(given).isDirectory()) file = path.join(given, 'report.html');
    const st = fs.statSync(file);
    if (!st.isFile()) return { problem: `${file} is not a file` };
    if (st.size > MAX_BYTES) return { problem: `${path.basename(file)} is ${Math.round(st.size / 1048576)} MiB; a study report is at most 64 MiB` };
    return { file };
  } catch {
    return { problem: `${file} does not exist; run \`self-trace study PROMPTS.jsonl --out DIR\` first (the report is DIR/report.html)` };
  }
}

export function registerStudyReport(): vscode.Disposable[] {
  const open = async (arg?: vscode.Uri) => {
    let target = arg?.fsPath;
    if (!target) {
      const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: false, filters: { 'Study report': ['html'] }, title: 'Study report (report.html or its folder)' });
      target = picked?.[0]?.fsPath;
    }
    if (!target) return undefined;
    const found = reportFileOf(target);
    if ('problem' in found) {
      void vscode.window.showErrorMessage(`Self-Tracing: cannot open the study report: ${found.problem}.`);
      return undefined;
    }
    const panel = vscode.window.createWebviewPanel('selfTracing.studyReport', `Study: ${path.basename(path.dirname(found.file))}`, vscode.ViewColumn.Beside, { enableScripts: false, localResourceRoots: [] });
    panel.webview.html = reportWebviewHtml(fs.readFileSync(found.file, 'utf8'));
    return panel;
  };
  return [vscode.commands.registerCommand(OPEN_STUDY_REPORT_COMMAND, open)];
}
