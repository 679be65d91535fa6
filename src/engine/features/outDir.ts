// Where a feature index is written: the build fills a staging folder beside the target (`<out>.partial`, which
// also holds the resumable checkpoint) and swaps it in whole at the end, so a trace never reads a half-written index.
// A target that holds anything but a feature index is refused: the swap would replace the user's files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';

/** Files a feature index folder holds (circuit-tracer's layout, the build's checkpoint, its source and logit cache). */
const INDEX_FILE = /^(index\.json\.gz|layer_\d+\.bin|\.build-state\.json(\.tmp)?|self-tracing\.json(\.tmp)?|logits-cache\.json(\.\d+\.tmp)?)$/;

export const stagingDir = (outDir: string): string => `${path.resolve(outDir)}.partial`;

/** Throws when `outDir` exists and is not an empty folder or a feature index. */
export function prepareOutDir(outDir: string): void {
  const st = fs.statSync(outDir, { throwIfNoEntry: false });
  if (!st) {
    const parent = path.dirname(path.resolve(outDir));
    if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) throw new EngineError('fileNotFound', `Cannot write the feature index to ${outDir}: the folder ${parent} does not exist.`);
    return;
  }
  if (!st.isDirectory()) throw new EngineError('badInput', `Cannot write the feature index to ${outDir}: it is a file, not a folder.`);
  const foreign = fs.readdirSync(outDir).filter((f) => !INDEX_FILE.test(f));
  if (foreign.length) {
    throw new EngineError('badInput', `Cannot write the feature index to ${outDir}: it holds other files (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); give an empty folder or an existing feature index.`);
  }
}

/**
 * Replaces `outDir` by the finished `stage`: the old index moves aside, the new one takes its name, the old one is
 * removed. Each step is one rename; between the two a reader finds no index (and traces without labels), never
 * a mix of old and new files.
 */
export function swapIn(stage: string, outDir: string): void {
  const target = path.resolve(outDir);
  const old = `${target}.old-${process.pid}`;
  const had = fs.existsSync(target);
  if (had) fs.renameSync(target, old);
  try {
    fs.renameSync(stage, target);
  } catch (err) {
    if (had) fs.renameSync(old, target); // put the old index back
    throw err;
  }
  if (had) fs.rmSync(old, { recursive: true, force: true });
}
