// Test page entry: mounts the graph panel on a fixture fetched from the test server, the way the webview's
// main script mounts it on a graph posted by the host. Exposes the panel as `window.__panel` for assertions.
import { parseGraphJson } from '../../src/protocol/graph-json';
import { mountGraphPanel, type GraphPanel } from '../../webview/graph/index';
import '../../webview/graph/graph.css';

declare global {
  interface Window {
    __panel?: GraphPanel;
    __saved?: unknown[];
    __revealed?: unknown[];
    __ready?: boolean;
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  document.body.className = params.get('theme') ?? 'vscode-light';
  const response = await fetch(`/fixture/${params.get('graph') ?? 'dallas-austin'}`);
  const parsed = parseGraphJson(await response.json());
  if (!parsed.ok) throw new Error(parsed.reason);
  window.__saved = [];
  window.__revealed = [];
  const root = document.getElementById('root')!;
  window.__panel = mountGraphPanel(root, parsed.graph, {
    saveState: (s) => window.__saved!.push(s),
    revealNode: (id, ctx) => window.__revealed!.push({ id, ctx }),
  });
  requestAnimationFrame(() => requestAnimationFrame(() => (window.__ready = true)));
}

void main();
