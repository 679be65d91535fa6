// Preload for the unit tests (node --require ./test/unit/vscode-stub.cjs): makes require('vscode') return the typed
// fake in vscode-fake.ts, compiled here in memory with esbuild (so a test run never sees a stale copy).
'use strict';
const Module = require('node:module');
const path = require('node:path');
const esbuild = require('esbuild');

const entry = path.join(__dirname, 'vscode-fake.ts');
const { outputFiles } = esbuild.buildSync({
  entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external',
  sourcemap: 'inline', write: false, logLevel: 'warning',
});
const compiled = new Module(entry, module);
compiled.filename = entry;
compiled.paths = Module._nodeModulePaths(__dirname);
compiled._compile(outputFiles[0].text, entry);
const vscode = compiled.exports.fakeVscode;

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};
