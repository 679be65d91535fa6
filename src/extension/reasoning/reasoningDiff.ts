// The two sides of the reasoning diff as read-only virtual documents: the stated reasoning, rewritten in the
// markdown format so that layout differences do not show, and the reasoning the trace tells (its strongest paths and
// unstated influences). `vscode.diff` puts them side by side, so the difference reads as text.
import * as vscode from 'vscode';
import { type ReasoningDocument, formatReasoningMarkdown } from '../../engine/reasoning/markdown';

export const REASONING_SCHEME = 'self-tracing-reasoning';

export interface DiffSides {
  readonly stated: vscode.Uri;
  readonly derived: vscode.Uri;
  readonly title: string;
}

/** The stated side: prompt, steps and answer as the comparison read them. */
export function statedMarkdown(doc: ReasoningDocument): string {
  return formatReasoningMarkdown({ title: 'Stated reasoning', prompt: doc.prompt, steps: doc.steps.map((s) => s.text), answer: doc.answer });
}

/** A name ending in .md (so the virtual documents are markdown) for a document's diff tab. */
export function diffName(uri: vscode.Uri): string {
  const base = uri.path.split('/').pop() || 'reasoning';
  return /\.(md|markdown)$/i.test(base) ? base : `${base}.md`;
}

export class ReasoningDiff implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly sides = new Map<string, DiffSides>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(REASONING_SCHEME, this);

  /** Sets both sides for a compared document; open diff tabs update. */
  update(source: vscode.Uri, stated: string, derived: string): DiffSides {
    const name = diffName(source);
    const query = encodeURIComponent(source.toString());
    const sides: DiffSides = {
      stated: vscode.Uri.from({ scheme: REASONING_SCHEME, path: `/stated/${name}`, query }),
      derived: vscode.Uri.from({ scheme: REASONING_SCHEME, path: `/trace/${name}`, query }),
      title: `${name}: stated ↔ derived from the trace`,
    };
    this.sides.set(source.toString(), sides);
    for (const [uri, text] of [[sides.stated, stated], [sides.derived, derived]] as const) {
      this.texts.set(uri.toString(), text);
      this.changed.fire(uri);
    }
    return sides;
  }

  /** The sides of the latest comparison of a document (kept after edits: they describe what was compared). */
  sidesOf(source: vscode.Uri): DiffSides | undefined {
    return this.sides.get(source.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
