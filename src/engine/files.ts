// Files are sacred: every file the engine or the CLI writes goes to a temporary file beside it and is renamed over
// the target in one step, so a write killed half-way leaves the old file whole. Output paths are checked before the
// work that fills them, and a name the user did not give never replaces an existing file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError, fsCause, knownCause } from './errors';

/** The temporary name a write uses beside `file` (hidden, unique per process and call). */
let counter = 0;
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);
}

/** Writes `data` to `file` through a temporary file and a rename; the old file stays whole until the rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  checkOutputPath(file);
  const tmp = tempName(file);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fileError(err, file, 'write');
  }
}

/**
 * Throws a clear error when `file` cannot be written: its folder is missing or not a folder, or `file` is a folder
 * or something other than a plain file. Call it before long work so a bad `--out` fails at once.
 */
export function checkOutputPath(file: string): void {
  const dir = path.dirname(path.resolve(file));
  let d: fs.Stats;
  try {
    d = fs.statSync(dir);
  } catch {
    throw new EngineError('fileNotFound', `Cannot write ${file}: the folder ${dir} does not exist.`);
  }
  if (!d.isDirectory()) throw new EngineError('badInput', `Cannot write ${file}: ${dir} is not a folder.`);
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new EngineError('badInput', `Cannot write ${file}: it is a folder; give a file name.`);
  if (st && !st.isFile()) throw new EngineError('badInput', `Cannot write ${file}: it is not a regular file.`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new EngineError('badInput', `Cannot write ${file}: the folder ${dir} is not writable.`);
  }
}

/**
 * A default output name that replaces nothing: `base.ext`, else `base-2.ext`, `base-3.ext`, … in `dir`.
 * Used when the user did not name the output, so an unrelated file with the same name is never overwritten.
 */
export function freeOutputName(dir: string, base: string, ext: string): string {
  for (let i = 1; ; i++) {
    const candidate = path.join(dir, `${base}${i === 1 ? '' : `-${i}`}${ext}`);
    if (!fs.existsSync(candidate)) return candidate;
  }
}

/** An fs error as an EngineError that names the file and the cause in words (never a bare EISDIR / ENOENT). */
export function fileError(err: unknown, file: string, doing: 'read' | 'write' | 'open'): EngineError {
  if (EngineError.is(err)) return err;
  const cause = fsCause((err as NodeJS.ErrnoException)?.code) ?? knownCause(err)?.message.replace(/\.$/, '') ?? (err instanceof Error ? err.message : String(err));
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return new EngineError((err as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'fileNotFound' : 'badFile', `Cannot ${doing} ${file}: ${cause}.`, detail);
}

/**
 * Opens a file for reading only when it is a regular file, so a FIFO or a device in place of a model file never
 * blocks a synchronous open; names the file in every error.
 */
export function checkRegularFile(file: string, what = 'file'): fs.Stats {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw fileError(err, file, 'read');
  }
  if (st.isDirectory()) throw new EngineError('badFile', `The ${what} ${file} is a folder, not a file.`);
  if (!st.isFile()) throw new EngineError('badFile', `The ${what} ${file} is not a regular file (a pipe, socket or device); refusing to read it.`);
  return st;
}

/** Reads a regular file as text, with errors that name it. */
export function readTextFile(file: string, what = 'file', maxBytes = Number.POSITIVE_INFINITY): string {
  const st = checkRegularFile(file, what);
  if (st.size > maxBytes) {
    throw new EngineError('badInput', `The ${what} ${file} is ${formatBytes(st.size)}; the most this takes is ${formatBytes(maxBytes)}.`);
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fileError(err, file, 'read');
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}
