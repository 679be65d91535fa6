// Broken copies of fixture models, for the tests of what loading one says (modelErrors, families/errors).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError, type EngineErrorCode } from '../../../src/engine/errors';
import { loadModel } from '../../../src/engine/model/model';

/** A writable copy of the files (not the subfolders) of the model folder `src`. */
export function copyModel(src: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${path.basename(src)}-bad-`));
  for (const f of fs.readdirSync(src)) if (fs.statSync(path.join(src, f)).isFile()) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  return dir;
}

/** Rewrites `dir`/config.json through `edit`; returns `dir`. */
export function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): string {
  const f = path.join(dir, 'config.json');
  const c = JSON.parse(fs.readFileSync(f, 'utf8'));
  edit(c);
  fs.writeFileSync(f, JSON.stringify(c));
  return dir;
}

/** Loading the model in `dir` fails with an EngineError of `code` whose message matches `message`. */
export async function rejectsLoading(dir: string, code: EngineErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(loadModel(dir, { threads: 1 }), (e: unknown) => {
    assert.ok(e instanceof EngineError, `expected an EngineError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}
