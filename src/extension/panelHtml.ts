// The graph panel's HTML: a strict Content-Security-Policy, one nonce'd script, one stylesheet. (No <vscode-tag>:
// FAST's badge template sets an inline style attribute, which this policy blocks.)
// No `vscode` import, so the browser tests load exactly this page.
import { randomBytes } from 'node:crypto';

export interface PanelResources {
  /** `webview.cspSource` in VS Code, the test server's origin in the browser tests. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** The graph view's stylesheet, bundled next to the script (dist/webview.css). */
  readonly graphStyleUri: string;
  readonly nonce: string;
  /** What the panel is opened for, shown with a progress bar from the very first frame (e.g. "Tracing 12 words of notes.md…"). */
  readonly pending?: string;
}

export function makeNonce(): string {
  return randomBytes(24).toString('base64url'); // 32 characters
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function panelHtml({ cspSource, scriptUri, styleUri, graphStyleUri, nonce, pending }: PanelResources): string {
  const csp = [
    "default-src 'none'",
    // the nonce lets the toolkit (FAST) probe :focus-visible support with a <style> element; nothing else is inline
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
  <meta property="csp-nonce" content="${escapeAttr(nonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeAttr(styleUri)}">
  <link rel="stylesheet" href="${escapeAttr(graphStyleUri)}">
  <title>Self-Tracing</title>
</head>
<body>
  <div id="busy" class="busy" role="status"${pending ? '' : ' hidden'}><div class="busy-bar"><span></span></div><p id="busy-text">${escapeAttr(pending ?? '')}</p></div>
  <header class="toolbar">
    <h1>Self-Tracing</h1>
    <span id="engine-state" class="state-tag">starting</span>
    <vscode-progress-ring id="engine-busy" hidden></vscode-progress-ring>
    <span id="engine-message" class="muted">Starting the engine…</span>
    <vscode-button id="check-engine" appearance="secondary">Check engine</vscode-button>
  </header>
  <vscode-divider role="presentation"></vscode-divider>
  <main>
    <p id="source" class="muted"></p>
    <p id="empty">Select text in an editor and run <strong>Self-Tracing: Trace Selection</strong>.</p>
    <div id="pieces" role="list" aria-label="Pieces of the traced text"></div>
  </main>
  <div id="graph-root" hidden></div>
  <script nonce="${escapeAttr(nonce)}" src="${escapeAttr(scriptUri)}"></script>
</body>
</html>
`;
}
