import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNonce, panelHtml } from '../../../src/extension/panelHtml';

const resources = { cspSource: 'vscode-webview://abc', scriptUri: 'vscode-webview://abc/dist/webview.js', styleUri: 'vscode-webview://abc/media/panel.css', nonce: makeNonce() };

function csp(html: string): Map<string, string> {
  const content = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(content, 'the page declares a CSP');
  return new Map(content.split(';').map((d) => d.trim().split(/\s+(.*)/s).slice(0, 2) as [string, string]));
}

test('nonces are 32 URL-safe characters and differ on each call', () => {
  assert.match(resources.nonce, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(makeNonce(), makeNonce());
});

test('the CSP denies by default and allows only the nonce script and the extension\'s own styles', () => {
  const policy = csp(panelHtml(resources));
  assert.equal(policy.get('default-src'), "'none'");
  assert.equal(policy.get('script-src'), `'nonce-${resources.nonce}'`);
  assert.equal(policy.get('style-src'), `${resources.cspSource} 'nonce-${resources.nonce}'`);
  for (const value of policy.values()) assert.doesNotMatch(value, /unsafe-(inline|eval)|https?:/);
});

test('every script tag carries the nonce and loads the bundled webview', () => {
  const html = panelHtml(resources);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  assert.match(scripts[0], new RegExp(`nonce="${resources.nonce}"`));
  assert.match(scripts[0], /src="vscode-webview:\/\/abc\/dist\/webview.js"/);
  assert.doesNotMatch(html, /\son\w+=/, 'no inline event handlers');
});
