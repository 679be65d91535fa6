// Every traced text the inline views show, per document, and where they are kept between sessions: the graphs as
// files in the extension's workspace storage, their places in the workspace state. Never in the user's file.
// No `vscode` import at run time (the Memento is only a type), so the unit tests drive it directly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { writeFileAtomic } from '../../engine/files';
import { parseGraphJson, type GraphJson } from '../../protocol/graph-json';
import type { TracedModel } from '../trace/traceView';
import { followEdits } from './inlineText';

const KEY = 'selfTracing.inline.v1';
/** Kept per workspace, oldest dropped first. */
export const MAX_ENTRIES = 500;

export interface InlineEntry {
  readonly traceId: string;
  /** The document's URI string. */
  readonly uri: string;
  /** Offsets of the traced text in the document now, [start, end). */
  start: number;
  end: number;
  /** The text changed under the trace. */
  stale: boolean;
  /** The range holds the traced text verbatim, so the graph's token offsets map onto the document from `start`. */
  readonly exact: boolean;
  /** The document's text in the range when it was traced (what a restore looks for). */
  readonly text: string;
  readonly fileName: string;
  readonly model?: TracedModel;
  graph: GraphJson;
  /** The paths widget shows more paths. */
  more: boolean;
  /** Ablation effects written under the paths, by node id. */
  readonly effects: Map<string, string>;
}

interface SavedEntry {
  readonly traceId: string;
  readonly uri: string;
  readonly start: number;
  readonly end: number;
  readonly exact: boolean;
  readonly text: string;
  readonly fileName: string;
  readonly model?: TracedModel;
  readonly more?: boolean;
  readonly effects?: [string, string][];
  readonly at: number;
}

export class InlineEntries {
  private readonly byUri = new Map<string, InlineEntry[]>();
  private readonly restored = new Set<string>();

  constructor(
    private readonly storageDir: string | undefined,
    private readonly memento: vscode.Memento,
    private readonly log: Pick<vscode.LogOutputChannel, 'warn' | 'info'>,
  ) {}

  in(uri: string): readonly InlineEntry[] {
    return this.byUri.get(uri) ?? [];
  }

  all(): InlineEntry[] {
    return [...this.byUri.values()].flat();
  }

  get(traceId: string): InlineEntry | undefined {
    return this.all().find((e) => e.traceId === traceId);
  }

  /** The entry whose range holds an offset (its end included, so a cursor right after the text counts). */
  at(uri: string, offset: number): InlineEntry | undefined {
    return this.in(uri).find((e) => offset >= e.start && offset <= e.end);
  }

  /** Adds a trace, replacing one with the same id or any whose range it overlaps (a re-trace of the same text). */
  upsert(entry: InlineEntry): InlineEntry {
    const same = this.get(entry.traceId);
    if (same && same.uri === entry.uri) {
      same.graph = entry.graph;
      this.persist(same, true);
      return same;
    }
    const list = this.in(entry.uri).filter((e) => {
      const overlaps = e.traceId === entry.traceId || (e.start < entry.end && entry.start < e.end) || (e.start === entry.start && e.end === entry.end);
      if (overlaps) this.dropFile(e);
      return !overlaps;
    });
    list.push(entry);
    list.sort((a, b) => a.start - b.start);
    this.byUri.set(entry.uri, list);
    this.persist(entry, true);
    return entry;
  }

  remove(uri: string, filter: (e: InlineEntry) => boolean = () => true): number {
    const list = this.in(uri);
    const gone = list.filter(filter);
    gone.forEach((e) => this.dropFile(e));
    this.byUri.set(uri, list.filter((e) => !gone.includes(e)));
    this.saveIndex();
    return gone.length;
  }

  /** Follows a document's edits; returns whether any entry moved or went stale. */
  edited(uri: string, changes: readonly { rangeOffset: number; rangeLength: number; text: string }[]): boolean {
    let changed = false;
    for (const e of this.in(uri)) {
      const next = followEdits(e, changes);
      if (next.start !== e.start || next.end !== e.end || next.stale !== e.stale) {
        Object.assign(e, next);
        changed = true;
      }
    }
    if (changed) this.saveSoon();
    return changed;
  }

  /** Saves what changed in an entry (its graph, more/fewer, effects). */
  persist(entry: InlineEntry, graphChanged = false): void {
    if (graphChanged && this.storageDir) {
      try {
        const file = this.fileOf(entry.traceId);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        writeFileAtomic(file, JSON.stringify(entry.graph));
      } catch (err) {
        this.log.warn(`could not keep the inline trace ${entry.traceId} for the next session: ${(err as Error).message}`);
      }
    }
    this.saveIndex();
  }

  /**
   * Brings back a document's traces from an earlier session, once per document: each where its text still is
   * (or, when the text moved, at its nearest occurrence), stale-free; a trace whose text is gone is dropped.
   */
  restore(uri: string, documentText: string): InlineEntry[] {
    if (this.restored.has(uri)) return [];
    this.restored.add(uri);
    const saved = this.index()[uri] ?? [];
    const back: InlineEntry[] = [];
    for (const s of saved) {
      if (this.get(s.traceId)) continue;
      const start = nearest(documentText, s.text, s.start);
      const graph = start === undefined ? undefined : this.readGraph(s.traceId);
      if (start === undefined || !graph) {
        this.log.info(`inline trace ${s.traceId}: ${start === undefined ? 'its text is no longer in the file' : 'its graph is gone'}; dropped`);
        this.dropFile(s);
        continue;
      }
      back.push({
        traceId: s.traceId, uri, start, end: start + s.text.length, stale: false, exact: s.exact, text: s.text, fileName: s.fileName,
        model: s.model, graph, more: s.more ?? false, effects: new Map(s.effects ?? []),
      });
    }
    if (back.length) this.byUri.set(uri, [...this.in(uri), ...back].sort((a, b) => a.start - b.start));
    this.saveIndex();
    return back;
  }

  private pending: ReturnType<typeof setTimeout> | undefined;

  /** Typing moves entries at every keystroke: their places are saved once it pauses. */
  private saveSoon(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => { this.pending = undefined; this.saveIndex(); }, 500);
    this.pending.unref?.();
  }

  /** Saves what is still waiting (on dispose). */
  flush(): void {
    if (!this.pending) return;
    clearTimeout(this.pending);
    this.pending = undefined;
    this.saveIndex();
  }

  private index(): Record<string, SavedEntry[]> {
    return this.memento.get<Record<string, SavedEntry[]>>(KEY) ?? {};
  }

  private saveIndex(): void {
    const index = this.index();
    const at = Date.now();
    for (const [uri, list] of this.byUri) {
      if (list.length === 0) delete index[uri];
      else index[uri] = list.map((e) => ({
        traceId: e.traceId, uri, start: e.start, end: e.end, exact: e.exact, text: e.text, fileName: e.fileName, model: e.model,
        more: e.more || undefined, effects: e.effects.size ? [...e.effects] : undefined, at: index[uri]?.find((s) => s.traceId === e.traceId)?.at ?? at,
      }));
    }
    // documents not opened in this session keep their entries; beyond the cap the oldest go
    const flat = Object.values(index).flat().sort((a, b) => b.at - a.at);
    for (const old of flat.slice(MAX_ENTRIES)) {
      index[old.uri] = index[old.uri].filter((s) => s.traceId !== old.traceId);
      if (index[old.uri].length === 0) delete index[old.uri];
      this.dropFile(old);
    }
    void this.memento.update(KEY, index);
  }

  private fileOf(traceId: string): string {
    return path.join(this.storageDir ?? '', 'inline', `${traceId.replace(/[^\w.-]/g, '_')}.graph.json`);
  }

  private readGraph(traceId: string): GraphJson | undefined {
    if (!this.storageDir) return undefined;
    try {
      const parsed = parseGraphJson(JSON.parse(fs.readFileSync(this.fileOf(traceId), 'utf8')));
      return parsed.ok ? parsed.graph : undefined;
    } catch {
      return undefined;
    }
  }

  private dropFile(e: { traceId: string }): void {
    if (this.storageDir) fs.rmSync(this.fileOf(e.traceId), { force: true });
  }
}

/** The occurrence of `text` in `doc` nearest to `offset`, if any. */
function nearest(doc: string, text: string, offset: number): number | undefined {
  if (text === '') return undefined;
  let best: number | undefined;
  for (let at = doc.indexOf(text); at >= 0; at = doc.indexOf(text, at + 1)) {
    if (best === undefined || Math.abs(at - offset) < Math.abs(best - offset)) best = at;
    if (at > offset) break;
  }
  return best;
}
