// Screenshots of the workbench, taken by scripts/run-e2e.mjs while the suite holds a view open, and what they show
// of the graph panels: the runner reads each graph's nodes canvas in its webview at the moment of the shot.
import fs from 'node:fs';

/** A graph canvas in a webview at the moment of a shot: its size, pixels painted, pixels in the logits' fill. */
export interface DrawnGraph {
  readonly width: number;
  readonly height: number;
  readonly painted: number;
  readonly logit: number;
}

/**
 * Lets the runner screenshot the workbench as it is now, as `<name>.png`, and resolves with the graph canvases
 * drawn in the visible webviews then; undefined when not run by scripts/run-e2e.mjs (or the runner did not answer).
 */
export async function holdForScreenshot(name: string): Promise<DrawnGraph[] | undefined> {
  const marker = process.env.SELF_TRACING_E2E_MARKER;
  if (!marker) return undefined;
  const answer = `${marker}.drawn.json`;
  fs.rmSync(answer, { force: true });
  fs.writeFileSync(marker, name);
  for (let i = 0; i < 150 && fs.existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
  return fs.existsSync(answer) ? (JSON.parse(fs.readFileSync(answer, 'utf8')) as DrawnGraph[]) : undefined;
}

/** Whether a shot shows a drawn graph: a visible canvas with glyphs on it, some in the output logits' fill. */
export const showsDrawnGraph = (drawn: readonly DrawnGraph[]) => drawn.some((g) => g.width > 0 && g.height > 0 && g.painted > 0 && g.logit > 0);
