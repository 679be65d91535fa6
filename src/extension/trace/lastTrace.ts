// The last trace, kept in the workspace's storage so a window reload shows it again: the graph as a file (it can be
// megabytes), where it came from and the panel's latest view state in the workspace state (small).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../../engine/files';
import { parseGraphJson, type GraphJson, type GraphQParams } from '../../protocol/graph-json';
import type { TracedModel, TraceInput } from './traceView';

const KEY = 'selfTracing.lastTrace';
const FILE = 'last-trace.graph.json';

export interface SavedTrace {
  readonly traceId: string;
  readonly fileName: string;
  /** The traced document and the offset of the traced text in it, when the graph came from one. */
  readonly uri?: string;
  readonly baseOffset?: number;
  readonly model?: TracedModel;
  readonly qParams?: GraphQParams;
}

export class LastTrace {
  constructor(
    private readonly storageDir: string | undefined,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Saves a newly shown trace; a failure to write only costs the restore, so it is logged, not shown. */
  save(saved: SavedTrace, graph: GraphJson): void {
    if (!this.storageDir) return;
    try {
      fs.mkdirSync(this.storageDir, { recursive: true });
      writeFileAtomic(path.join(this.storageDir, FILE), JSON.stringify(graph));
      void this.memento.update(KEY, saved);
    } catch (err) {
      this.log.warn(`could not save the trace for restoring after a reload: ${(err as Error).message}`);
    }
  }

  /** The panel's view state changed (pins, supernodes, labels): restored with the graph. */
  saveViewState(traceId: string, qParams: GraphQParams): void {
    const saved = this.memento.get<SavedTrace>(KEY);
    if (saved?.traceId === traceId) void this.memento.update(KEY, { ...saved, qParams });
  }

  clear(): void {
    void this.memento.update(KEY, undefined);
    if (this.storageDir) fs.rmSync(path.join(this.storageDir, FILE), { force: true });
  }

  load(): { saved: SavedTrace; graph: GraphJson } | undefined {
    const saved = this.memento.get<SavedTrace>(KEY);
    if (!saved || !this.storageDir) return undefined;
    try {
      const parsed = parseGraphJson(JSON.parse(fs.readFileSync(path.join(this.storageDir, FILE), 'utf8')));
      if (!parsed.ok) throw new Error(parsed.reason);
      const graph = saved.qParams ? { ...parsed.graph, qParams: saved.qParams } : parsed.graph;
      return { saved, graph };
    } catch (err) {
      this.log.warn(`the saved trace could not be restored: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** The last trace as a TraceInput again, with its document when the traced text is still where it was. */
  async reopen(): Promise<TraceInput | undefined> {
    const last = this.load();
    if (!last) return undefined;
    const { saved, graph } = last;
    let document: vscode.TextDocument | undefined;
    const text = graph.selfTracing?.source?.text;
    if (saved.uri && saved.baseOffset !== undefined && text !== undefined) {
      try {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(saved.uri));
        const at = new vscode.Range(doc.positionAt(saved.baseOffset), doc.positionAt(saved.baseOffset + text.length));
        if (doc.getText(at) === text) document = doc;
      } catch (err) {
        this.log.info(`the last trace's document is gone (${(err as Error).message}); showing the graph alone`);
      }
    }
    return { graph, fileName: saved.fileName, document, baseOffset: document ? saved.baseOffset : undefined, model: saved.model, traceId: saved.traceId };
  }
}
