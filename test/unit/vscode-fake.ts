// The fake `vscode` module the unit tests run the extension against (test/unit/vscode-stub.cjs compiles this file
// and makes require('vscode') return it). Commands really dispatch, webview panels record what they are sent, text
// documents do real offset maths, withProgress hands out a token the test can cancel.
//
// Typed against @types/vscode: the module is checked with `satisfies Partial<typeof vscode>`, each namespace with
// `satisfies Partial<typeof vscode.window>` (etc.), and every object it hands the extension (documents, editors,
// panels, output channels…) implements the whole interface, so a renamed member or a changed signature in the API
// is a compile error here (`npm run typecheck`). Members the extension does not use throw `notFaked` when called,
// which says which one to fake. Tests reach the fake's controls through `fake` in fakeVscode.ts.
import type * as vscode from 'vscode';
import { URI, Utils } from 'vscode-uri';

/** A member of the API this fake does not implement: calling it says so. */
function notFaked(what: string): never {
  throw new Error(`fake vscode: ${what} is not faked (test/unit/vscode-fake.ts)`);
}
const notFakedFn = (what: string) => (): never => notFaked(what);

// ---- classes ----

// vscode-uri is the URI implementation VS Code itself uses; the API adds Uri.joinPath.
const Uri = Object.assign(URI, { joinPath: (base: vscode.Uri, ...segments: string[]) => Utils.joinPath(base as URI, ...segments) });

class EventEmitter<T> implements vscode.EventEmitter<T> {
  private readonly listeners = new Set<(e: T) => unknown>();
  event: vscode.Event<T> = (listener, thisArgs?, disposables?) => {
    const fn = thisArgs ? listener.bind(thisArgs) : listener;
    this.listeners.add(fn);
    const d = { dispose: () => { this.listeners.delete(fn); } };
    disposables?.push(d);
    return d;
  };
  fire(data: T): void {
    for (const fn of [...this.listeners]) fn(data);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Disposable implements vscode.Disposable {
  private fn: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.fn = callOnDispose;
  }
  static from(...items: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.fn?.();
    this.fn = undefined;
  }
}

class CancellationTokenSource implements vscode.CancellationTokenSource {
  private readonly cancelled = new EventEmitter<void>();
  token: vscode.CancellationToken = { isCancellationRequested: false, onCancellationRequested: this.cancelled.event };
  cancel(): void {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this.cancelled.fire();
  }
  dispose(): void {
    this.cancelled.dispose();
  }
}

class Position implements vscode.Position {
  constructor(readonly line: number, readonly character: number) {}
  compareTo(other: vscode.Position): number {
    return this.line - other.line || this.character - other.character;
  }
  isBefore(other: vscode.Position): boolean { return this.compareTo(other) < 0; }
  isBeforeOrEqual(other: vscode.Position): boolean { return this.compareTo(other) <= 0; }
  isAfter(other: vscode.Position): boolean { return this.compareTo(other) > 0; }
  isAfterOrEqual(other: vscode.Position): boolean { return this.compareTo(other) >= 0; }
  isEqual(other: vscode.Position): boolean { return this.compareTo(other) === 0; }
  translate(lineDelta?: number | { lineDelta?: number; characterDelta?: number }, characterDelta = 0): Position {
    const d = typeof lineDelta === 'object' ? lineDelta : { lineDelta, characterDelta };
    return new Position(this.line + (d.lineDelta ?? 0), this.character + (d.characterDelta ?? 0));
  }
  with(line?: number | { line?: number; character?: number }, character?: number): Position {
    const c = typeof line === 'object' ? line : { line, character };
    return new Position(c.line ?? this.line, c.character ?? this.character);
  }
}

/** The two positions of a Range or Selection constructor: (position, position) or (line, character, line, character). */
function positions(a: vscode.Position | number, b: vscode.Position | number, c?: number, d?: number): [Position, Position] {
  return typeof a === 'number' ? [new Position(a, b as number), new Position(c!, d!)] : [a as Position, b as Position];
}

class Range implements vscode.Range {
  readonly start: Position;
  readonly end: Position;
  constructor(start: vscode.Position, end: vscode.Position);
  constructor(startLine: number, startCharacter: number, endLine: number, endCharacter: number);
  constructor(a: vscode.Position | number, b: vscode.Position | number, c?: number, d?: number) {
    const [p, q] = positions(a, b, c, d);
    [this.start, this.end] = p.isBeforeOrEqual(q) ? [p, q] : [q, p];
  }
  get isEmpty(): boolean { return this.start.isEqual(this.end); }
  get isSingleLine(): boolean { return this.start.line === this.end.line; }
  contains(p: vscode.Position | vscode.Range): boolean {
    return p instanceof Range ? this.start.isBeforeOrEqual(p.start) && p.end.isBeforeOrEqual(this.end)
      : this.start.isBeforeOrEqual(p as Position) && (p as Position).isBeforeOrEqual(this.end);
  }
  isEqual(other: vscode.Range): boolean { return this.start.isEqual(other.start) && this.end.isEqual(other.end); }
  intersection(other: vscode.Range): Range | undefined {
    const start = this.start.isAfter(other.start) ? this.start : other.start;
    const end = this.end.isBefore(other.end) ? this.end : other.end;
    return start.isAfter(end) ? undefined : new Range(start, end);
  }
  union(other: vscode.Range): Range {
    return new Range(this.start.isBefore(other.start) ? this.start : other.start, this.end.isAfter(other.end) ? this.end : other.end);
  }
  with(start?: vscode.Position | { start?: vscode.Position; end?: vscode.Position }, end?: vscode.Position): Range {
    const c = start && !(start instanceof Position) ? start as { start?: vscode.Position; end?: vscode.Position } : { start: start as Position | undefined, end };
    return new Range(c.start ?? this.start, c.end ?? this.end);
  }
}

class Selection extends Range implements vscode.Selection {
  readonly anchor: Position;
  readonly active: Position;
  constructor(anchor: vscode.Position, active: vscode.Position);
  constructor(anchorLine: number, anchorCharacter: number, activeLine: number, activeCharacter: number);
  constructor(a: vscode.Position | number, b: vscode.Position | number, c?: number, d?: number) {
    const [anchor, active] = positions(a, b, c, d);
    super(anchor, active);
    this.anchor = anchor;
    this.active = active;
  }
  get isReversed(): boolean { return this.active.isBefore(this.anchor); }
}

class ThemeColor implements vscode.ThemeColor {
  constructor(readonly id: string) {}
}

class MarkdownString implements vscode.MarkdownString {
  isTrusted?: boolean | { readonly enabledCommands: readonly string[] };
  supportHtml?: boolean;
  baseUri?: vscode.Uri;
  constructor(public value = '', public supportThemeIcons = false) {}
  appendText(value: string): MarkdownString {
    this.value += value.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
    return this;
  }
  appendMarkdown(value: string): MarkdownString {
    this.value += value;
    return this;
  }
  appendCodeblock(value: string, language = ''): MarkdownString {
    this.value += `\n\`\`\`${language}\n${value}\n\`\`\`\n`;
    return this;
  }
}

class Hover implements vscode.Hover {
  contents: (vscode.MarkdownString | vscode.MarkedString)[];
  constructor(contents: vscode.MarkdownString | vscode.MarkedString | (vscode.MarkdownString | vscode.MarkedString)[], public range?: vscode.Range) {
    this.contents = Array.isArray(contents) ? contents : [contents];
  }
}

class Diagnostic implements vscode.Diagnostic {
  source?: string;
  code?: vscode.Diagnostic['code'];
  relatedInformation?: vscode.DiagnosticRelatedInformation[];
  tags?: vscode.DiagnosticTag[];
  constructor(public range: vscode.Range, public message: string, public severity: vscode.DiagnosticSeverity = DiagnosticSeverity.Error) {}
}

class CodeLens implements vscode.CodeLens {
  constructor(public range: vscode.Range, public command?: vscode.Command) {}
  get isResolved(): boolean { return this.command !== undefined; }
}

class InlayHint implements vscode.InlayHint {
  tooltip?: string | vscode.MarkdownString;
  textEdits?: vscode.TextEdit[];
  paddingLeft?: boolean;
  paddingRight?: boolean;
  constructor(public position: vscode.Position, public label: string | vscode.InlayHintLabelPart[], public kind?: vscode.InlayHintKind) {}
}

/** Replacements only (all the extension makes); workspace.applyEdit applies them to the fake's documents. */
class WorkspaceEdit implements vscode.WorkspaceEdit {
  readonly edits: { uri: vscode.Uri; range: vscode.Range; newText: string }[] = [];
  get size(): number { return new Set(this.edits.map((e) => e.uri.toString())).size; }
  replace(uri: vscode.Uri, range: vscode.Range, newText: string): void { this.edits.push({ uri, range, newText }); }
  insert(uri: vscode.Uri, position: vscode.Position, newText: string): void { this.replace(uri, new Range(position, position), newText); }
  delete(uri: vscode.Uri, range: vscode.Range): void { this.replace(uri, range, ''); }
  has(uri: vscode.Uri): boolean { return this.edits.some((e) => e.uri.toString() === uri.toString()); }
  get(uri: vscode.Uri): vscode.TextEdit[] {
    return this.edits.filter((e) => e.uri.toString() === uri.toString()).map(({ range, newText }) => ({ range, newText }));
  }
  entries(): [vscode.Uri, vscode.TextEdit[]][] {
    const uris = new Map(this.edits.map((e) => [e.uri.toString(), e.uri]));
    return [...uris.values()].map((u) => [u, this.get(u)]);
  }
  set = notFakedFn('WorkspaceEdit.set');
  createFile = notFakedFn('WorkspaceEdit.createFile');
  deleteFile = notFakedFn('WorkspaceEdit.deleteFile');
  renameFile = notFakedFn('WorkspaceEdit.renameFile');
}

class TabInputCustom implements vscode.TabInputCustom {
  constructor(readonly uri: vscode.Uri, readonly viewType: string) {}
}

// ---- enums (the values are VS Code's) ----

const OverviewRulerLane = { Left: 1, Center: 2, Right: 4, Full: 7 } as const;
const DecorationRangeBehavior = { OpenOpen: 0, ClosedClosed: 1, OpenClosed: 2, ClosedOpen: 3 } as const;
const QuickPickItemKind = { Separator: -1, Default: 0 } as const;
const ConfigurationTarget = { Global: 1, Workspace: 2, WorkspaceFolder: 3 } as const;
const FileType = { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 } as const;
const ViewColumn = { Active: -1, Beside: -2, One: 1, Two: 2, Three: 3, Four: 4, Five: 5, Six: 6, Seven: 7, Eight: 8, Nine: 9 } as const;
const StatusBarAlignment = { Left: 1, Right: 2 } as const;
const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 } as const;
const TextEditorRevealType = { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 } as const;
const DiagnosticSeverity = { Error: 0, Warning: 1, Information: 2, Hint: 3 } as const;
const CommentMode = { Editing: 0, Preview: 1 } as const;
const CommentThreadCollapsibleState = { Collapsed: 0, Expanded: 1 } as const;
const InputBoxValidationSeverity = { Info: 1, Warning: 2, Error: 3 } as const;
const EndOfLine = { LF: 1, CRLF: 2 } as const;
const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 } as const;

// ---- documents and editors ----

/** A document whose text the fake can change (custom editors' documents; `setText` fires onDidChangeTextDocument). */
export interface FakeTextDocument extends vscode.TextDocument {
  version: number;
  isDirty: boolean;
  setText?(text: string, reason?: vscode.TextDocumentChangeReason): void;
}
export interface FakeEditableDocument extends FakeTextDocument {
  setText(text: string, reason?: vscode.TextDocumentChangeReason): void;
}

function createTextDocument(text: string, fileName = '/workspace/untitled.txt', uri: vscode.Uri = Uri.file(fileName)): FakeTextDocument {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offsetAt = (p: vscode.Position) => Math.min(text.length, lineStarts[p.line] + p.character);
  const positionAt = (offset: number) => {
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1] <= offset) line++;
    return new Position(line, offset - lineStarts[line]);
  };
  const lineAt = (at: number | vscode.Position): vscode.TextLine => {
    const line = typeof at === 'number' ? at : at.line;
    const start = lineStarts[line];
    const end = line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : text.length;
    const lineText = text.slice(start, end);
    const range = new Range(new Position(line, 0), new Position(line, end - start));
    return {
      lineNumber: line, text: lineText, range,
      rangeIncludingLineBreak: line + 1 < lineStarts.length ? new Range(range.start, new Position(line + 1, 0)) : range,
      firstNonWhitespaceCharacterIndex: lineText.length - lineText.trimStart().length,
      isEmptyOrWhitespace: lineText.trim() === '',
    };
  };
  return {
    uri, fileName, lineCount: lineStarts.length, isUntitled: uri.scheme === 'untitled', languageId: fileName.endsWith('.md') ? 'markdown' : 'plaintext',
    encoding: 'utf8', version: 1, isDirty: false, isClosed: false, eol: EndOfLine.LF,
    getText: (range?: vscode.Range) => (range ? text.slice(offsetAt(range.start), offsetAt(range.end)) : text),
    offsetAt, positionAt, lineAt,
    validatePosition: (p: vscode.Position) => positionAt(offsetAt(p)),
    validateRange: (r: vscode.Range) => new Range(positionAt(offsetAt(r.start)), positionAt(offsetAt(r.end))),
    save: notFakedFn('TextDocument.save'),
    getWordRangeAtPosition: notFakedFn('TextDocument.getWordRangeAtPosition'),
  };
}

export interface FakeEditor extends vscode.TextEditor {
  readonly document: FakeTextDocument;
  /** Ranges revealed, in order. */
  readonly revealed: vscode.Range[];
  /** What setDecorations was given last, per decoration type key: ranges or DecorationOptions (fakeVscode.ts's `rangeOf`). */
  readonly decorations: Map<string, readonly (vscode.Range | vscode.DecorationOptions)[]>;
}

function createEditor(document: FakeTextDocument, selection: vscode.Selection): FakeEditor {
  const editor: FakeEditor = {
    document, selection, revealed: [], decorations: new Map(),
    get selections() { return [editor.selection]; },
    set selections(s) { editor.selection = s[0]; },
    visibleRanges: [], options: {}, viewColumn: ViewColumn.One,
    revealRange(range) { editor.revealed.push(range); },
    setDecorations(type, given) { editor.decorations.set(type.key, given); },
    edit: notFakedFn('TextEditor.edit'),
    insertSnippet: notFakedFn('TextEditor.insertSnippet'),
    show: notFakedFn('TextEditor.show'),
    hide: notFakedFn('TextEditor.hide'),
  };
  return editor;
}

// ---- webview panels ----

export interface FakePanel extends vscode.WebviewPanel {
  readonly webview: vscode.Webview & { readonly sent: unknown[] };
  readonly options: vscode.WebviewPanelOptions & vscode.WebviewOptions;
  /** How many times reveal() was called. */
  readonly revealed: number;
  readonly disposed: boolean;
  /** What the page would send. */
  receive(message: unknown): void;
}

/** A panel opened Beside sits in column Two, next to the fake's one text editor (column One). */
function columnOf(show: vscode.ViewColumn | { readonly viewColumn: vscode.ViewColumn }): vscode.ViewColumn {
  const column = typeof show === 'object' ? show.viewColumn : show;
  return column === ViewColumn.Beside ? ViewColumn.Two : column === ViewColumn.Active ? ViewColumn.One : column;
}

function createWebviewPanel(viewType: string, title: string, show: vscode.ViewColumn | { readonly viewColumn: vscode.ViewColumn; readonly preserveFocus?: boolean }, options: vscode.WebviewPanelOptions & vscode.WebviewOptions = {}): FakePanel {
  const received = new EventEmitter<unknown>();
  const disposed = new EventEmitter<void>();
  const viewState = new EventEmitter<vscode.WebviewPanelOnDidChangeViewStateEvent>();
  let revealed = 0;
  let isDisposed = false;
  const sent: unknown[] = [];
  const panel: FakePanel = {
    viewType, title, options, visible: true, active: true, viewColumn: columnOf(show),
    get revealed() { return revealed; },
    get disposed() { return isDisposed; },
    webview: {
      html: '', options, cspSource: 'vscode-webview://fake', sent,
      asWebviewUri: (uri) => uri.with({ scheme: 'vscode-webview', authority: 'fake' }),
      onDidReceiveMessage: received.event,
      postMessage: async (message) => { sent.push(message); return true; },
    },
    reveal() { revealed++; },
    onDidDispose: disposed.event,
    onDidChangeViewState: viewState.event,
    dispose() {
      if (isDisposed) return;
      isDisposed = true;
      disposed.fire();
    },
    receive: (message) => received.fire(message),
  };
  state.panels.push(panel);
  return panel;
}

// ---- the state tests read and steer ----

export interface FakeProgress {
  readonly options: vscode.ProgressOptions;
  readonly reports: { message?: string; increment?: number }[];
  readonly token: vscode.CancellationToken;
  /** True once the task has settled. */
  done: boolean;
  /** The user clicks Cancel: only a `cancellable` progress shows the button. */
  cancel(): void;
}

export interface FakeStatusBarItem extends vscode.StatusBarItem {
  readonly shown: boolean;
}

export interface FakeMessage {
  severity: 'info' | 'warning' | 'error';
  message: string;
  actions: (string | vscode.MessageItem)[];
  options?: vscode.MessageOptions;
}

type CommentThread = vscode.CommentThread & { comments: readonly vscode.Comment[] };

const state = {
  commands: new Map<string, (...args: any[]) => unknown>(),
  panels: [] as FakePanel[],
  serializers: new Map<string, vscode.WebviewPanelSerializer>(),
  messages: [] as FakeMessage[],
  logs: [] as { level: string; message: string }[],
  settings: {} as Record<string, { globalValue?: unknown; workspaceValue?: unknown }>,
  statusBarItems: [] as FakeStatusBarItem[],
  decorationTypes: [] as { key: string; options: vscode.DecorationRenderOptions; dispose(): void }[],
  hoverProviders: [] as vscode.HoverProvider[],
  /** The items of each quick pick shown (a string item as { label }), with its options. */
  quickPicks: [] as { items: vscode.QuickPickItem[]; options?: vscode.QuickPickOptions }[],
  /** What asked for an answer, in order ('quickPick', { inputBox: options }, { openDialog: options }…). */
  dialogs: [] as unknown[],
  /** workspace.fs, by URI string. */
  files: new Map<string, Uint8Array>(),
  /** Answers the next quick pick / input box / open or save dialog would get (shifted in order). */
  answers: [] as unknown[],
  /** What the user clicks in the next notifications (an action's title), in order; none: the message is dismissed. */
  messageAnswers: [] as string[],
  /** The last withProgress (its reports, and Cancel). */
  progress: undefined as FakeProgress | undefined,
  /** Documents the extension or the test opened, by URI string. */
  documents: new Map<string, FakeTextDocument>(),
  /** Diagnostics per document URI string, as last set. */
  diagnostics: new Map<string, readonly vscode.Diagnostic[]>(),
  codeLensProviders: [] as vscode.CodeLensProvider[],
  contentProviders: new Map<string, vscode.TextDocumentContentProvider>(),
  /** Built-in commands executed (vscode.diff, workbench.*, setContext), with their arguments: recorded, not run. */
  builtins: [] as { id: string; args: unknown[] }[],
  /** Custom editor providers by view type. */
  customEditors: new Map<string, { provider: vscode.CustomTextEditorProvider; options?: unknown }>(),
  /** Every workspace edit applied, in order. */
  edits: [] as { uri: string; range: vscode.Range; newText: string }[],
  /** Comment threads alive now (the inline paths widgets). */
  commentThreads: [] as CommentThread[],
  inlayHintsProviders: [] as vscode.InlayHintsProvider[],
};
export type FakeState = typeof state;

const events = {
  changeText: new EventEmitter<vscode.TextDocumentChangeEvent>(),
  visibleEditors: new EventEmitter<readonly vscode.TextEditor[]>(),
  selection: new EventEmitter<vscode.TextEditorSelectionChangeEvent>(),
  configuration: new EventEmitter<vscode.ConfigurationChangeEvent>(),
  activeEditor: new EventEmitter<vscode.TextEditor | undefined>(),
  closeDocument: new EventEmitter<vscode.TextDocument>(),
  openDocument: new EventEmitter<vscode.TextDocument>(),
  /** Each progress.report() of a withProgress task, as it happens (a test can cancel at a given point). */
  progressReport: new EventEmitter<{ progress: FakeProgress; report: { message?: string; increment?: number } }>(),
};
export type FakeEvents = typeof events;

const nextAnswer = (what: unknown): any => {
  state.dialogs.push(what);
  return state.answers.shift();
};

// ---- namespaces ----

function createOutputChannel(name: string, options?: string | { log: true }): vscode.LogOutputChannel {
  const write = (level: string) => (message: string | Error) => { state.logs.push({ level, message: String(message) }); };
  const channel: vscode.LogOutputChannel = {
    name, logLevel: LogLevel.Info, onDidChangeLogLevel: new EventEmitter<vscode.LogLevel>().event,
    info: write('info'), warn: write('warn'), error: write('error'), debug: write('debug'), trace: write('trace'),
    appendLine: write('info'), append: write('info'), replace: notFakedFn('OutputChannel.replace'), clear() {},
    show() {}, hide() {}, dispose() {},
  };
  if (typeof options === 'string') notFaked(`createOutputChannel(name, languageId) (got ${options})`);
  return channel;
}

const showMessage = (severity: FakeMessage['severity']) => async (message: string, ...rest: any[]): Promise<any> => {
  const options = rest.length && typeof rest[0] === 'object' && !('title' in rest[0]) ? rest.shift() as vscode.MessageOptions : undefined;
  const actions = rest as (string | vscode.MessageItem)[];
  state.messages.push(options ? { severity, message, actions, options } : { severity, message, actions });
  const answer = state.messageAnswers.shift();
  return actions.find((a) => (typeof a === 'string' ? a : a.title) === answer);
};

async function withProgress<R>(
  options: vscode.ProgressOptions,
  task: (progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken) => Thenable<R>,
): Promise<R> {
  const source = new CancellationTokenSource();
  const reports: FakeProgress['reports'] = [];
  const progress: FakeProgress = {
    options, reports, token: source.token, done: false,
    cancel() {
      if (!options.cancellable) throw new Error(`fake vscode: the progress "${options.title}" is not cancellable: VS Code shows no Cancel button`);
      source.cancel();
    },
  };
  state.progress = progress;
  try {
    return await task({
      report: (report) => {
        reports.push(report);
        events.progressReport.fire({ progress, report });
      },
    }, source.token);
  } finally {
    progress.done = true;
  }
}

const activeTabGroup: { activeTab: vscode.Tab | undefined } & Omit<vscode.TabGroup, 'activeTab'> = {
  activeTab: undefined, isActive: true, viewColumn: ViewColumn.One, tabs: [],
};

const window = {
  activeTextEditor: undefined as FakeEditor | undefined,
  get visibleTextEditors(): readonly vscode.TextEditor[] { return window.activeTextEditor ? [window.activeTextEditor] : []; },
  onDidChangeVisibleTextEditors: events.visibleEditors.event,
  onDidChangeTextEditorSelection: events.selection.event,
  onDidChangeActiveTextEditor: events.activeEditor.event,
  tabGroups: {
    activeTabGroup, all: [activeTabGroup],
    onDidChangeTabGroups: new EventEmitter<vscode.TabGroupChangeEvent>().event,
    onDidChangeTabs: new EventEmitter<vscode.TabChangeEvent>().event,
    close: notFakedFn('window.tabGroups.close'),
  } satisfies vscode.TabGroups,
  createTextEditorDecorationType(options: vscode.DecorationRenderOptions): vscode.TextEditorDecorationType {
    const type = { key: `decoration-${state.decorationTypes.length}`, options, dispose() {} };
    state.decorationTypes.push(type);
    return type;
  },
  async showQuickPick(items: readonly (string | vscode.QuickPickItem)[] | Thenable<readonly (string | vscode.QuickPickItem)[]>, options?: vscode.QuickPickOptions): Promise<any> {
    state.quickPicks.push({ items: (await items).map((i) => (typeof i === 'string' ? { label: i } : i)), options });
    return nextAnswer('quickPick');
  },
  async showInputBox(options?: vscode.InputBoxOptions): Promise<string | undefined> { return nextAnswer({ inputBox: options }); },
  async showOpenDialog(options?: vscode.OpenDialogOptions): Promise<vscode.Uri[] | undefined> { return nextAnswer({ openDialog: options }); },
  async showSaveDialog(options?: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> { return nextAnswer({ saveDialog: options }); },
  createWebviewPanel,
  createOutputChannel,
  createStatusBarItem(id?: string | vscode.StatusBarAlignment, alignment?: vscode.StatusBarAlignment | number, priority?: number): vscode.StatusBarItem {
    if (typeof id !== 'string') notFaked('createStatusBarItem without an id');
    let shown = false;
    const item: FakeStatusBarItem = {
      id, alignment: alignment as vscode.StatusBarAlignment, priority, name: undefined, text: '', tooltip: '', color: undefined,
      backgroundColor: undefined, command: undefined, accessibilityInformation: undefined,
      get shown() { return shown; },
      show() { shown = true; }, hide() { shown = false; }, dispose() {},
    };
    state.statusBarItems.push(item);
    return item;
  },
  registerWebviewPanelSerializer(viewType: string, serializer: vscode.WebviewPanelSerializer): vscode.Disposable {
    state.serializers.set(viewType, serializer);
    return new Disposable(() => state.serializers.delete(viewType));
  },
  registerCustomEditorProvider(viewType: string, provider: vscode.CustomTextEditorProvider | vscode.CustomReadonlyEditorProvider | vscode.CustomEditorProvider, options?: unknown): vscode.Disposable {
    if (!('resolveCustomTextEditor' in provider)) notFaked('custom (non-text) editor providers');
    state.customEditors.set(viewType, { provider, options });
    return new Disposable(() => state.customEditors.delete(viewType));
  },
  showInformationMessage: showMessage('info'),
  showWarningMessage: showMessage('warning'),
  showErrorMessage: showMessage('error'),
  withProgress,
  async showTextDocument(document: vscode.TextDocument | vscode.Uri): Promise<vscode.TextEditor> {
    if (!('getText' in document)) notFaked('showTextDocument(uri)');
    // the document's editor when it is open (the fake has one visible editor), else a new one with the cursor at the top
    if (window.activeTextEditor?.document === document) return window.activeTextEditor;
    const editor = createEditor(document as FakeTextDocument, new Selection(new Position(0, 0), new Position(0, 0)));
    window.activeTextEditor = editor;
    return editor;
  },
} satisfies Partial<typeof vscode.window>;

function getConfiguration(section?: string): vscode.WorkspaceConfiguration {
  const read = (key: string) => state.settings[`${section}.${key}`] ?? {};
  const get = (key: string, fallback?: unknown) => { const s = read(key); return s.workspaceValue ?? s.globalValue ?? fallback; };
  return {
    get: get as vscode.WorkspaceConfiguration['get'],
    has: (key) => `${section}.${key}` in state.settings,
    inspect: <T>(key: string) => ({ key: `${section}.${key}`, ...read(key) } as { key: string; globalValue?: T; workspaceValue?: T }),
    /** ConfigurationTarget.Global (or true) writes the user value, anything else the workspace value. */
    update: async (key, value, target) => {
      const s = (state.settings[`${section}.${key}`] ??= {});
      if (target === ConfigurationTarget.Global || target === true) s.globalValue = value;
      else s.workspaceValue = value;
    },
  };
}

function readFileSync(uri: vscode.Uri): Uint8Array {
  const data = state.files.get(uri.toString());
  if (!data) throw new Error(`ENOENT ${uri.toString()}`);
  return data;
}

const fs: vscode.FileSystem = {
  async stat(uri) { return { type: FileType.File, size: readFileSync(uri).length, ctime: 0, mtime: 0 }; },
  async readFile(uri) { return readFileSync(uri); },
  async writeFile(uri, data) { state.files.set(uri.toString(), data); },
  async rename(from, to) {
    state.files.set(to.toString(), readFileSync(from));
    state.files.delete(from.toString());
  },
  readDirectory: notFakedFn('workspace.fs.readDirectory'),
  createDirectory: notFakedFn('workspace.fs.createDirectory'),
  delete: notFakedFn('workspace.fs.delete'),
  copy: notFakedFn('workspace.fs.copy'),
  isWritableFileSystem: notFakedFn('workspace.fs.isWritableFileSystem'),
};

/** Opens a document: an untitled one from `{ content }`, a virtual one from its scheme's content provider (once per
 *  URI, as VS Code keeps one document per URI, read-only), or one the fake knows (empty when it knows none). */
async function openTextDocument(arg?: vscode.Uri | string | { language?: string; content?: string }): Promise<vscode.TextDocument> {
  if (arg === undefined || typeof arg === 'string') notFaked('openTextDocument(path) and openTextDocument()');
  if (!('scheme' in arg)) {
    if (!('content' in arg)) notFaked('openTextDocument({ language }) without content');
    return createTextDocument(arg.content ?? '', '/untitled/Untitled-1.md', Uri.from({ scheme: 'untitled', path: '/untitled/Untitled-1.md' }));
  }
  const known = state.documents.get(arg.toString());
  if (known) return known;
  const provider = state.contentProviders.get(arg.scheme);
  if (!provider) return createTextDocument('', arg.fsPath);
  const text = await provider.provideTextDocumentContent(arg, new CancellationTokenSource().token);
  const document = createTextDocument(text ?? '', arg.path, arg);
  state.documents.set(arg.toString(), document);
  events.openDocument.fire(document);
  return document;
}

/** Applies replacements to the fake's editable documents (their edits fire onDidChangeTextDocument). */
async function applyEdit(edit: vscode.WorkspaceEdit): Promise<boolean> {
  for (const { uri, range, newText } of (edit as WorkspaceEdit).edits) {
    const doc = state.documents.get(uri.toString());
    if (!doc?.setText) return false;
    const text = doc.getText();
    state.edits.push({ uri: uri.toString(), range, newText });
    doc.setText(text.slice(0, doc.offsetAt(range.start)) + newText + text.slice(doc.offsetAt(range.end)));
  }
  return true;
}

const workspace = {
  isTrusted: true,
  workspaceFolders: undefined as readonly vscode.WorkspaceFolder[] | undefined,
  get textDocuments(): readonly vscode.TextDocument[] { return [...state.documents.values()]; },
  getWorkspaceFolder: (uri: vscode.Uri): vscode.WorkspaceFolder | undefined => workspace.workspaceFolders?.find((f) => uri.toString().startsWith(`${f.uri.toString()}/`)),
  onDidChangeTextDocument: events.changeText.event,
  onDidChangeConfiguration: events.configuration.event,
  onDidCloseTextDocument: events.closeDocument.event,
  onDidOpenTextDocument: events.openDocument.event,
  fs,
  getConfiguration,
  openTextDocument: openTextDocument as typeof vscode.workspace.openTextDocument,
  applyEdit,
  registerTextDocumentContentProvider(scheme: string, provider: vscode.TextDocumentContentProvider): vscode.Disposable {
    state.contentProviders.set(scheme, provider);
    return new Disposable(() => state.contentProviders.delete(scheme));
  },
} satisfies Partial<typeof vscode.workspace>;

const commands = {
  registerCommand(id: string, fn: (...args: any[]) => unknown): vscode.Disposable {
    if (state.commands.has(id)) throw new Error(`command '${id}' already exists`);
    state.commands.set(id, fn);
    return new Disposable(() => state.commands.delete(id));
  },
  async getCommands(): Promise<string[]> {
    return [...state.commands.keys()];
  },
  /** Runs a registered command; built-ins (vscode.*, workbench.*, setContext) are recorded in state.builtins. */
  async executeCommand(id: string, ...args: any[]): Promise<any> {
    const fn = state.commands.get(id);
    if (fn) return fn(...args);
    if (/^(vscode|workbench)\./.test(id) || id === 'setContext') {
      state.builtins.push({ id, args });
      return undefined;
    }
    throw new Error(`command '${id}' not found`);
  },
} satisfies Partial<typeof vscode.commands>;

/** Removes `item` from `list`: what the disposables of registered providers do. */
const removing = <T>(list: T[], item: T) => new Disposable(() => { const i = list.indexOf(item); if (i >= 0) list.splice(i, 1); });

const languages = {
  registerHoverProvider(_selector: vscode.DocumentSelector, provider: vscode.HoverProvider): vscode.Disposable {
    state.hoverProviders.push(provider);
    return removing(state.hoverProviders, provider);
  },
  registerCodeLensProvider(_selector: vscode.DocumentSelector, provider: vscode.CodeLensProvider): vscode.Disposable {
    state.codeLensProviders.push(provider);
    return removing(state.codeLensProviders, provider);
  },
  registerInlayHintsProvider(_selector: vscode.DocumentSelector, provider: vscode.InlayHintsProvider): vscode.Disposable {
    state.inlayHintsProviders.push(provider);
    return removing(state.inlayHintsProviders, provider);
  },
  createDiagnosticCollection(name = ''): vscode.DiagnosticCollection {
    const d = state.diagnostics;
    const collection: vscode.DiagnosticCollection = {
      name,
      set: ((uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[] | undefined) => {
        if (Array.isArray(uri)) notFaked('DiagnosticCollection.set(entries)');
        if (diagnostics?.length) d.set(uri.toString(), diagnostics);
        else d.delete(uri.toString());
      }) as vscode.DiagnosticCollection['set'],
      get: (uri) => d.get(uri.toString()),
      has: (uri) => d.has(uri.toString()),
      delete: (uri) => { d.delete(uri.toString()); },
      clear: () => d.clear(),
      dispose: () => d.clear(),
      forEach: notFakedFn('DiagnosticCollection.forEach'),
      [Symbol.iterator]: notFakedFn('DiagnosticCollection[Symbol.iterator]'),
    };
    return collection;
  },
} satisfies Partial<typeof vscode.languages>;

const comments = {
  createCommentController(id: string, label: string): vscode.CommentController {
    return {
      id, label,
      createCommentThread(uri, range, comments) {
        const thread: CommentThread = {
          uri, range, comments, label: undefined, canReply: true, collapsibleState: CommentThreadCollapsibleState.Collapsed, contextValue: undefined,
          dispose() { const i = state.commentThreads.indexOf(thread); if (i >= 0) state.commentThreads.splice(i, 1); },
        };
        state.commentThreads.push(thread);
        return thread;
      },
      dispose() { state.commentThreads.length = 0; },
    };
  },
} satisfies Partial<typeof vscode.comments>;

const env = {
  remoteName: undefined as string | undefined,
  appName: 'Visual Studio Code (fake)',
  language: 'en',
} satisfies Partial<typeof vscode.env>;

/** The API's classes, enums and values in full; its namespaces (window, workspace…) in part. */
type Api = typeof vscode;
type Namespace = 'window' | 'workspace' | 'commands' | 'languages' | 'comments' | 'env';
type FakeApi = { [K in keyof Api]?: K extends Namespace ? Partial<Api[K]> : Api[K] };

const api = {
  version: '1.100.0-fake',
  Uri, EventEmitter, Disposable, CancellationTokenSource, Position, Range, Selection, ThemeColor, MarkdownString, Hover,
  Diagnostic, CodeLens, InlayHint, WorkspaceEdit, TabInputCustom,
  OverviewRulerLane, DecorationRangeBehavior, QuickPickItemKind, ConfigurationTarget, FileType, ViewColumn, StatusBarAlignment,
  ProgressLocation, TextEditorRevealType, DiagnosticSeverity, CommentMode, CommentThreadCollapsibleState,
  InputBoxValidationSeverity, EndOfLine, LogLevel,
  window, workspace, commands, languages, comments, env,
} satisfies FakeApi;

// ---- the controls ----

/** A document whose edits change its text and fire onDidChangeTextDocument, as VS Code's would (custom editors). */
function createEditableDocument(text: string, fileName: string): FakeEditableDocument {
  const doc = { ...createTextDocument(text, fileName) } as FakeEditableDocument;
  doc.setText = (t, reason) => {
    const { version } = doc;
    Object.assign(doc, createTextDocument(t, fileName), { version: version + 1, isDirty: true, setText: doc.setText });
    events.changeText.fire({ document: doc, contentChanges: [{ text: t } as vscode.TextDocumentContentChangeEvent], reason });
  };
  state.documents.set(doc.uri.toString(), doc);
  return doc;
}

export const controls = {
  state,
  events,
  createTextDocument,
  createEditableDocument,
  /** Opens `text` in a fake editor with the given selection offsets (the whole text by default). */
  openEditor(text: string, { fileName, start = 0, end = text.length }: { fileName?: string; start?: number; end?: number } = {}): FakeEditor {
    const document = createTextDocument(text, fileName);
    state.documents.set(document.uri.toString(), document);
    const editor = createEditor(document, new Selection(document.positionAt(start), document.positionAt(end)));
    window.activeTextEditor = editor;
    return editor;
  },
  /** Resolves the registered custom editor `viewType` on `document` in a new fake panel. */
  async openCustomEditor(viewType: string, document: vscode.TextDocument): Promise<FakePanel> {
    const entry = state.customEditors.get(viewType);
    if (!entry) throw new Error(`no custom editor ${viewType}`);
    const panel = createWebviewPanel(viewType, document.fileName, ViewColumn.Active, {});
    await entry.provider.resolveCustomTextEditor(document, panel, new CancellationTokenSource().token);
    return panel;
  },
  reset(): void {
    for (const value of Object.values(state)) {
      if (value instanceof Map) value.clear();
      else if (Array.isArray(value)) value.length = 0;
    }
    state.settings = {};
    state.progress = undefined;
    for (const e of Object.values(events)) e.dispose();
    window.activeTextEditor = undefined;
    workspace.isTrusted = true;
    workspace.workspaceFolders = undefined;
    activeTabGroup.activeTab = undefined;
  },
};
export type FakeControls = typeof controls;

/** What require('vscode') returns: the API, and the controls as `__fake`. */
export const fakeVscode = { ...api, __fake: controls };
