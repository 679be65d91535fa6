// Serves the graph panel page (dist/webview.js + media/panel.css) under the extension's real CSP and opens it in
// headless Chromium with a fake acquireVsCodeApi that records what the page posts and saves.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, testOutputDir } from '../../scripts/chromium.mjs';
import { makeNonce, panelHtml } from '../../src/extension/panelHtml';
import { themes, type ThemeName } from './themes';

export const shots = testOutputDir('browser');

const files: Record<string, [string, string]> = {
  '/dist/webview.js': ['dist/webview.js', 'text/javascript'],
  '/media/panel.css': ['media/panel.css', 'text/css'],
  '/dist/webview.css': ['dist/webview.css', 'text/css'],
};

export interface PageProbe {
  page: Page;
  posted(): Promise<Array<{ type: string; [k: string]: unknown }>>;
  send(message: unknown): Promise<void>;
  problems: string[];
}

export interface PanelServer {
  /** Opens the panel page in a theme, optionally with a saved webview state, once it has posted `ready`. */
  open(theme?: ThemeName, savedState?: unknown, pending?: string): Promise<PageProbe>;
  close(): Promise<void>;
}

export async function servePanel(): Promise<PanelServer> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://panel');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      const pending = url.searchParams.get('pending') ?? undefined;
      res.end(panelHtml({ cspSource: origin, nonce: makeNonce(), scriptUri: `${origin}/dist/webview.js`, styleUri: `${origin}/media/panel.css`, graphStyleUri: `${origin}/dist/webview.css`, pending }));
      return;
    }
    const file = files[req.url ?? ''];
    if (!file) { res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end(); return; }
    res.writeHead(200, { 'content-type': file[1] });
    res.end(fs.readFileSync(path.resolve(file[0])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();

  async function open(theme: ThemeName = 'dark', savedState: unknown = undefined, pending?: string): Promise<PageProbe> {
    const page = await browser.newPage({ viewport: { width: 860, height: 400 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    await page.addInitScript(({ theme, savedState }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__posted = [];
      w.__state = savedState;
      w.__violations = [];
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (w.__posted as unknown[]).push(m),
        getState: () => w.__state,
        setState: (s: unknown) => { w.__state = s; },
      });
      document.addEventListener('securitypolicyviolation', (e) => (w.__violations as string[]).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`));
      document.addEventListener('DOMContentLoaded', () => {
        document.body.classList.add(theme.bodyClass);
        for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty(k, v);
      });
    }, { theme: themes[theme], savedState });
    await page.goto(pending ? `${origin}/?pending=${encodeURIComponent(pending)}` : `${origin}/`);
    const probe: PageProbe = {
      page,
      problems,
      posted: () => page.evaluate(() => (window as unknown as { __posted: never[] }).__posted),
      send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
    };
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    return probe;
  }

  return {
    open,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** CSP violations the page reported. */
export const violations = (page: Page) => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
