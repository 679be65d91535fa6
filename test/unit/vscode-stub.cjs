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
class MarkdownString { constructor(value = '', supportThemeIcons = false) { this.value = value; this.supportThemeIcons = supportThemeIcons; } }
class Hover { constructor(contents, range) { this.contents = contents; this.range = range; } }

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
  const editor = {
    document, selection, revealed: [], decorations: new Map(),
    revealRange(range) { this.revealed.push(range); },
    setDecorations(type, ranges) { editor.decorations.set(type.key, ranges); },
  };
  return editor;
}

const state = {
  commands: new Map(), panels: [], serializers: new Map(), messages: [], logs: [], settings: {}, statusBarItems: [],
  decorationTypes: [], hoverProviders: [], quickPicks: [], dialogs: [], files: new Map(),
  /** Answers the next quick pick / input box / open or save dialog would get (shifted in order). */
  answers: [],
  /** What the user clicks in the next notifications (an action's title), in order; none: the message is dismissed. */
  messageAnswers: [],
};
const events = {
  changeText: new EventEmitter(), visibleEditors: new EventEmitter(), selection: new EventEmitter(), configuration: new EventEmitter(),
};
const nextAnswer = (what) => { state.dialogs.push(what); return state.answers.shift(); };

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

const showMessage = (severity) => async (message, ...actions) => {
  state.messages.push({ severity, message, actions });
  const answer = state.messageAnswers.shift();
  return answer !== undefined && actions.includes(answer) ? answer : undefined;
};

const vscode = {
  version: '1.100.0-fake',
  Uri, EventEmitter, Disposable, Position, Range, Selection, ThemeColor, MarkdownString, Hover,
  OverviewRulerLane: { Left: 1, Center: 2, Right: 4, Full: 7 },
  DecorationRangeBehavior: { OpenOpen: 0, ClosedClosed: 1, OpenClosed: 2, ClosedOpen: 3 },
  QuickPickItemKind: { Separator: -1, Default: 0 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  FileType: { File: 1, Directory: 2 },
  languages: {
    registerHoverProvider(selector, provider) {
      state.hoverProviders.push(provider);
      return { dispose: () => state.hoverProviders.splice(state.hoverProviders.indexOf(provider), 1) };
    },
  },
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
    async getCommands() {
      return [...state.commands.keys()];
    },
    async executeCommand(id, ...args) {
      const fn = state.commands.get(id);
      if (!fn) throw new Error(`command '${id}' not found`);
      return fn(...args);
    },
  },
  window: {
    activeTextEditor: undefined,
    get visibleTextEditors() { return vscode.window.activeTextEditor ? [vscode.window.activeTextEditor] : []; },
    onDidChangeVisibleTextEditors: events.visibleEditors.event,
    onDidChangeTextEditorSelection: events.selection.event,
    createTextEditorDecorationType(options) {
      const type = { key: `decoration-${state.decorationTypes.length}`, options, dispose() {} };
      state.decorationTypes.push(type);
      return type;
    },
    async showQuickPick(items, options) { state.quickPicks.push({ items: await items, options }); return nextAnswer('quickPick'); },
    async showInputBox(options) { return nextAnswer({ inputBox: options }); },
    async showOpenDialog(options) { return nextAnswer({ openDialog: options }); },
    async showSaveDialog(options) { return nextAnswer({ saveDialog: options }); },
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
    workspaceFolders: undefined,
    onDidChangeTextDocument: events.changeText.event,
    onDidChangeConfiguration: events.configuration.event,
    fs: {
      async stat(uri) {
        const data = state.files.get(uri.toString());
        if (!data) throw new Error(`ENOENT ${uri.toString()}`);
        return { type: 1, size: data.length, ctime: 0, mtime: 0 };
      },
      async readFile(uri) {
        const data = state.files.get(uri.toString());
        if (!data) throw new Error(`ENOENT ${uri.toString()}`);
        return data;
      },
      async writeFile(uri, data) { state.files.set(uri.toString(), data); },
    },
    getConfiguration(section) {
      const read = (key) => state.settings[`${section}.${key}`] ?? {};
      return {
        get: (key, fallback) => { const s = read(key); return s.workspaceValue ?? s.globalValue ?? fallback; },
        inspect: (key) => ({ key: `${section}.${key}`, ...read(key) }),
        /** ConfigurationTarget.Global (1) writes the user value, anything else the workspace value */
        update: async (key, value, target) => {
          const s = (state.settings[`${section}.${key}`] ??= {});
          if (target === 1) s.globalValue = value; else s.workspaceValue = value;
        },
      };
    },
    async openTextDocument(arg) {
      if (arg && typeof arg === 'object' && 'content' in arg) return createTextDocument(arg.content, '/untitled/Untitled-1.md');
      return state.documents?.get(arg.toString()) ?? createTextDocument('', arg.fsPath);
    },
  },
};

vscode.__fake = {
  state,
  events,
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
    state.decorationTypes.length = 0; state.hoverProviders.length = 0; state.quickPicks.length = 0; state.dialogs.length = 0;
    state.files.clear(); state.answers.length = 0; state.messageAnswers.length = 0;
    for (const e of Object.values(events)) e.dispose();
    vscode.window.activeTextEditor = undefined;
    vscode.workspace.isTrusted = true;
  },
};

// Compare Stated Reasoning's part of the API: diagnostics, CodeLenses, virtual documents, the active-editor and
// close events, and built-in commands (vscode.diff, workbench.*), which are recorded rather than run.
class Diagnostic { constructor(range, message, severity = 0) { this.range = range; this.message = message; this.severity = severity; } }
class CodeLens { constructor(range, command) { this.range = range; this.command = command; } }
Object.assign(vscode, { Diagnostic, CodeLens, DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 } });
Object.assign(state, { diagnostics: new Map(), codeLensProviders: [], contentProviders: new Map(), builtins: [] });
Object.assign(events, { activeEditor: new EventEmitter(), closeDocument: new EventEmitter() });
vscode.window.onDidChangeActiveTextEditor = events.activeEditor.event;
vscode.workspace.onDidCloseTextDocument = events.closeDocument.event;
vscode.languages.createDiagnosticCollection = (name) => ({
  name,
  set: (uri, diagnostics) => { if (diagnostics && diagnostics.length) state.diagnostics.set(uri.toString(), diagnostics); else state.diagnostics.delete(uri.toString()); },
  get: (uri) => state.diagnostics.get(uri.toString()),
  delete: (uri) => state.diagnostics.delete(uri.toString()),
  clear: () => state.diagnostics.clear(),
  dispose: () => state.diagnostics.clear(),
});
vscode.languages.registerCodeLensProvider = (selector, provider) => {
  state.codeLensProviders.push(provider);
  return { dispose: () => state.codeLensProviders.splice(state.codeLensProviders.indexOf(provider), 1) };
};
vscode.workspace.registerTextDocumentContentProvider = (scheme, provider) => {
  state.contentProviders.set(scheme, provider);
  return { dispose: () => state.contentProviders.delete(scheme) };
};
const executeRegistered = vscode.commands.executeCommand;
vscode.commands.executeCommand = async (id, ...args) => {
  if (!state.commands.has(id) && (/^(vscode|workbench)\./.test(id) || id === 'setContext')) { state.builtins.push({ id, args }); return undefined; }
  return executeRegistered(id, ...args);
};
const resetCore = vscode.__fake.reset;
vscode.__fake.reset = () => {
  resetCore();
  state.diagnostics.clear(); state.codeLensProviders.length = 0; state.contentProviders.clear(); state.builtins.length = 0;
};

// Custom text editors: providers are recorded; `__fake.openCustomEditor` resolves one on an editable document
// whose edits (workspace.applyEdit) change its text and fire onDidChangeTextDocument, as VS Code's would.
class WorkspaceEdit {
  constructor() { this.edits = []; }
  replace(uri, range, newText) { this.edits.push({ uri, range, newText }); }
}
Object.assign(vscode, { WorkspaceEdit });
Object.assign(state, { customEditors: new Map(), edits: [] });
vscode.window.registerCustomEditorProvider = (viewType, provider, options) => {
  state.customEditors.set(viewType, { provider, options });
  return { dispose: () => state.customEditors.delete(viewType) };
};
function createEditableDocument(text, fileName) {
  const doc = { version: 1, isDirty: false };
  const rebuild = (t) => Object.assign(doc, createTextDocument(t, fileName), { version: doc.version, isDirty: doc.isDirty });
  rebuild(text);
  doc.setText = (t, reason) => {
    doc.version++;
    doc.isDirty = true;
    rebuild(t);
    events.changeText.fire({ document: doc, contentChanges: [{ text: t }], reason });
  };
  (state.documents ??= new Map()).set(doc.uri.toString(), doc);
  return doc;
}
vscode.workspace.applyEdit = async (edit) => {
  for (const { uri, range, newText } of edit.edits) {
    const doc = state.documents?.get(uri.toString());
    if (!doc?.setText) return false;
    const text = doc.getText();
    state.edits.push({ uri: uri.toString(), range, newText });
    doc.setText(text.slice(0, doc.offsetAt(range.start)) + newText + text.slice(doc.offsetAt(range.end)));
  }
  return true;
};
vscode.workspace.fs.rename = async (from, to) => {
  const data = state.files.get(from.toString());
  if (!data) throw new Error(`ENOENT ${from.toString()}`);
  state.files.set(to.toString(), data);
  state.files.delete(from.toString());
};
vscode.window.tabGroups = { activeTabGroup: { activeTab: undefined } };
vscode.TabInputCustom = class TabInputCustom { constructor(uri, viewType) { this.uri = uri; this.viewType = viewType; } };
vscode.__fake.createEditableDocument = createEditableDocument;
vscode.__fake.openCustomEditor = async (viewType, document) => {
  const entry = state.customEditors.get(viewType);
  if (!entry) throw new Error(`no custom editor ${viewType}`);
  const panel = createWebviewPanel(viewType, document.fileName, -1, {});
  await entry.provider.resolveCustomTextEditor(document, panel, { isCancellationRequested: false });
  return panel;
};
const resetEditors = vscode.__fake.reset;
vscode.__fake.reset = () => {
  resetEditors();
  state.customEditors.clear(); state.edits.length = 0;
  vscode.window.tabGroups.activeTabGroup.activeTab = undefined;
};

// The inline views' part of the API: comment threads, inlay hints, documents opened, Range.contains.
class InlayHint { constructor(position, label, kind) { this.position = position; this.label = label; this.kind = kind; } }
const before = (a, b) => a.line < b.line || (a.line === b.line && a.character <= b.character);
Range.prototype.contains = function (p) { return p instanceof Range ? before(this.start, p.start) && before(p.end, this.end) : before(this.start, p) && before(p, this.end); };
Object.assign(vscode, { InlayHint, CommentMode: { Editing: 0, Preview: 1 }, CommentThreadCollapsibleState: { Collapsed: 0, Expanded: 1 } });
Object.assign(state, { commentThreads: [], inlayHintsProviders: [] });
Object.assign(events, { openDocument: new EventEmitter() });
vscode.workspace.onDidOpenTextDocument = events.openDocument.event;
Object.defineProperty(vscode.workspace, 'textDocuments', { get: () => [...(state.documents?.values() ?? [])] });
vscode.comments = {
  createCommentController(id, label) {
    return {
      id, label,
      createCommentThread(uri, range, comments) {
        const thread = { uri, range, comments, label: undefined, canReply: true, collapsibleState: 0, contextValue: undefined,
          dispose() { const i = state.commentThreads.indexOf(thread); if (i >= 0) state.commentThreads.splice(i, 1); } };
        state.commentThreads.push(thread);
        return thread;
      },
      dispose() { state.commentThreads.length = 0; },
    };
  },
};
vscode.languages.registerInlayHintsProvider = (selector, provider) => {
  state.inlayHintsProviders.push(provider);
  return { dispose: () => state.inlayHintsProviders.splice(state.inlayHintsProviders.indexOf(provider), 1) };
};
const resetReasoning = vscode.__fake.reset;
vscode.__fake.reset = () => {
  resetReasoning();
  state.commentThreads.length = 0; state.inlayHintsProviders.length = 0;
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};

// Virtual documents: openTextDocument on a URI whose scheme has a content provider reads the provider, once per URI
// (as VS Code keeps one document per URI), read-only.
const openCore = vscode.workspace.openTextDocument;
vscode.workspace.openTextDocument = async (arg) => {
  const provider = arg instanceof Uri || (arg && typeof arg === 'object' && 'scheme' in arg) ? state.contentProviders.get(arg.scheme) : undefined;
  if (!provider) return openCore(arg);
  const known = state.documents?.get(arg.toString());
  if (known) return known;
  const text = await provider.provideTextDocumentContent(arg, { isCancellationRequested: false });
  const document = Object.assign(createTextDocument(text, arg.path), { uri: arg, isDirty: false, isUntitled: false, readOnly: true });
  (state.documents ??= new Map()).set(arg.toString(), document);
  events.openDocument.fire(document);
  return document;
};
