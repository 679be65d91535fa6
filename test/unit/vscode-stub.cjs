// Preload for the unit tests: makes require('vscode') return a small hand-written fake of the API the extension
// uses. Commands really dispatch, webview panels record what they are sent, text documents do real offset maths.
// Tests reach the fake's controls through `vscode.__fake` (typed in fakeVscode.ts).
'use strict';
const Module = require('node:module');
const { URI, Utils } = require('vscode-uri');

const Uri = Object.assign(URI, { joinPath: (base, ...segments) => Utils.joinPath(base, ...segments) });

class EventEmitter {
  constructor() { this.listeners = new Set(); this.event = (fn) => { this.listeners.add(fn); return { dispose: () => this.listeners.delete(fn) }; }; }
  fire(value) { for (const fn of [...this.listeners]) fn(value); }
  dispose() { this.listeners.clear(); }
}
class Disposable {
  constructor(fn) { this.fn = fn; }
  static from(...items) { return new Disposable(() => items.forEach((d) => d.dispose())); }
  dispose() { this.fn?.(); this.fn = undefined; }
}
class Position { constructor(line, character) { this.line = line; this.character = character; } }
class Range {
  constructor(start, end) { this.start = start; this.end = end; }
  get isEmpty() { return this.start.line === this.end.line && this.start.character === this.end.character; }
}
class Selection extends Range {
  constructor(anchor, active) { super(anchor, active); this.anchor = anchor; this.active = active; }
}
class ThemeColor { constructor(id) { this.id = id; } }

function createTextDocument(text, fileName = '/workspace/untitled.txt') {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offsetAt = (p) => Math.min(text.length, lineStarts[p.line] + p.character);
  const positionAt = (offset) => {
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1] <= offset) line++;
    return new Position(line, offset - lineStarts[line]);
  };
  return {
    uri: Uri.file(fileName), fileName, lineCount: lineStarts.length,
    getText: (range) => (range ? text.slice(offsetAt(range.start), offsetAt(range.end)) : text),
    offsetAt, positionAt,
    lineAt: (line) => {
      const start = lineStarts[line];
      const end = line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : text.length;
      return { text: text.slice(start, end), range: new Range(new Position(line, 0), new Position(line, end - start)) };
    },
  };
}

function createEditor(document, selection) {
  return { document, selection, revealed: [], revealRange(range) { this.revealed.push(range); } };
}

const state = { commands: new Map(), panels: [], serializers: new Map(), messages: [], logs: [], settings: {}, statusBarItems: [] };

function createWebviewPanel(viewType, title, showOptions, options) {
  const received = new EventEmitter();
  const disposed = new EventEmitter();
  const panel = {
    viewType, title, options, visible: true, revealed: 0, disposed: false,
    webview: {
      html: '', options, cspSource: 'vscode-webview://fake', sent: [],
      asWebviewUri: (uri) => uri.with({ scheme: 'vscode-webview', authority: 'fake' }),
      onDidReceiveMessage: received.event,
      postMessage: async (message) => { panel.webview.sent.push(message); return true; },
    },
    reveal() { panel.revealed++; },
    onDidDispose: disposed.event,
    dispose() { if (!panel.disposed) { panel.disposed = true; disposed.fire(); } },
    /** What the page would send. */
    receive: (message) => received.fire(message),
  };
  state.panels.push(panel);
  return panel;
}

function createOutputChannel(name) {
  const write = (level) => (message) => state.logs.push({ level, message: String(message) });
  return { name, info: write('info'), warn: write('warn'), error: write('error'), debug: write('debug'), trace: write('trace'),
    appendLine: write('info'), show() {}, dispose() {} };
}

const showMessage = (severity) => async (message, ...actions) => { state.messages.push({ severity, message, actions }); return undefined; };

const vscode = {
  version: '1.100.0-fake',
  Uri, EventEmitter, Disposable, Position, Range, Selection, ThemeColor,
  ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  TextEditorRevealType: { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 },
  commands: {
    registerCommand(id, fn) {
      if (state.commands.has(id)) throw new Error(`command '${id}' already exists`);
      state.commands.set(id, fn);
      return { dispose: () => state.commands.delete(id) };
    },
    async executeCommand(id, ...args) {
      const fn = state.commands.get(id);
      if (!fn) throw new Error(`command '${id}' not found`);
      return fn(...args);
    },
  },
  window: {
    activeTextEditor: undefined,
    createWebviewPanel,
    createOutputChannel,
    createStatusBarItem(id, alignment, priority) {
      const item = { id, alignment, priority, text: '', tooltip: '', shown: false, show() { item.shown = true; }, hide() { item.shown = false; }, dispose() {} };
      state.statusBarItems.push(item);
      return item;
    },
    registerWebviewPanelSerializer(viewType, serializer) {
      state.serializers.set(viewType, serializer);
      return { dispose: () => state.serializers.delete(viewType) };
    },
    showInformationMessage: showMessage('info'),
    showWarningMessage: showMessage('warning'),
    showErrorMessage: showMessage('error'),
    async withProgress(options, task) {
      const cancel = new EventEmitter();
      const reports = [];
      state.progress = { options, reports, cancel: () => cancel.fire() };
      return task({ report: (r) => reports.push(r) }, { isCancellationRequested: false, onCancellationRequested: cancel.event });
    },
    async showTextDocument(document) {
      const editor = createEditor(document, new Selection(new Position(0, 0), new Position(0, 0)));
      vscode.window.activeTextEditor = editor;
      return editor;
    },
  },
  workspace: {
    isTrusted: true,
    getConfiguration(section) {
      const read = (key) => state.settings[`${section}.${key}`] ?? {};
      return {
        get: (key, fallback) => { const s = read(key); return s.workspaceValue ?? s.globalValue ?? fallback; },
        inspect: (key) => ({ key: `${section}.${key}`, ...read(key) }),
      };
    },
    async openTextDocument(uri) { return state.documents?.get(uri.toString()) ?? createTextDocument('', uri.fsPath); },
  },
};

vscode.__fake = {
  state,
  createTextDocument,
  /** Opens `text` in a fake editor with the given selection offsets (the whole text by default). */
  openEditor(text, { fileName, start = 0, end = text.length } = {}) {
    const document = createTextDocument(text, fileName);
    (state.documents ??= new Map()).set(document.uri.toString(), document);
    const editor = createEditor(document, new Selection(document.positionAt(start), document.positionAt(end)));
    vscode.window.activeTextEditor = editor;
    return editor;
  },
  reset() {
    state.commands.clear(); state.serializers.clear();
    state.panels.length = 0; state.messages.length = 0; state.logs.length = 0; state.statusBarItems.length = 0;
    state.settings = {}; state.documents = undefined; state.progress = undefined;
    vscode.window.activeTextEditor = undefined;
    vscode.workspace.isTrusted = true;
  },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};
