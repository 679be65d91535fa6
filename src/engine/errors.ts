// Engine errors as values: a code the extension maps to an action, a sentence for the user, details for the log.
// Plain data so they cross the worker boundary unchanged.

export type EngineErrorCode =
  | 'cancelled'
  | 'onnxRuntimeUnavailable'
  | 'workerCrashed'
  | 'workerDisposed'
  | 'badRequest'
  | 'internal'
  // checkpoints and prompts: the message names the file and the problem
  | 'fileNotFound'
  | 'badFile'
  | 'missingTensor'
  | 'badShape'
  | 'unsupported'
  | 'badInput';

export interface EngineErrorData {
  readonly code: EngineErrorCode;
  /** One sentence a user can act on; never a stack trace. */
  readonly message: string;
  /** For the log: the original error text or stack. */
  readonly detail?: string;
}

export class EngineError extends Error implements EngineErrorData {
  readonly code: EngineErrorCode;
  readonly detail?: string;

  constructor(code: EngineErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.detail = detail;
  }

  /** By name and code rather than instanceof: each bundle (extension, CLI, tests) carries its own class. */
  static is(value: unknown, code?: EngineErrorCode): value is EngineError {
    return value instanceof Error && value.name === 'EngineError' && typeof (value as EngineError).code === 'string' &&
      (code === undefined || (value as EngineError).code === code);
  }

  /** Wraps anything thrown into an EngineError, keeping the original text for the log. */
  static from(value: unknown, code: EngineErrorCode = 'internal', message = 'The engine failed unexpectedly.'): EngineError {
    if (value instanceof EngineError) return value;
    if (EngineError.is(value)) return new EngineError(value.code, value.message, value.detail);
    const detail = value instanceof Error ? (value.stack ?? value.message) : String(value);
    const known = knownCause(value);
    if (known) return new EngineError(known.code, known.message, detail);
    return new EngineError(code, message, detail);
  }

  static fromData(data: EngineErrorData): EngineError {
    return new EngineError(data.code, data.message, data.detail);
  }

  toData(): EngineErrorData {
    return { code: this.code, message: this.message, detail: this.detail };
  }
}

export function cancelledError(): EngineError {
  return new EngineError('cancelled', 'The operation was cancelled.');
}

/** Throws the cancellation error when the signal has fired; call between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

const FS_CAUSES: Record<string, string> = {
  ENOENT: 'it does not exist',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of its path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EFBIG: 'the file is too large',
};

/** A file-system error code in words ("it is a folder, not a file"), or undefined for other codes. */
export function fsCause(code: unknown): string | undefined {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(FS_CAUSES, code) ? FS_CAUSES[code] : undefined;
}

/** A file-system error (names the file and the cause in words) or an out-of-memory error, else undefined. */
export function knownCause(value: unknown): { code: EngineErrorCode; message: string } | undefined {
  if (!(value instanceof Error)) return undefined;
  const e = value as NodeJS.ErrnoException;
  if (fsCause(e.code)) {
    const where = e.path ? ` ${e.path}` : '';
    const doing = e.syscall === 'open' || e.syscall === 'read' || e.syscall === 'scandir' ? 'read' : e.syscall ? e.syscall : 'use';
    return { code: e.code === 'ENOENT' ? 'fileNotFound' : 'badFile', message: `Cannot ${doing}${where}: ${fsCause(e.code)}.` };
  }
  const text = `${e.name}: ${e.message}`;
  if (/Array buffer allocation failed|Invalid typed array length|Invalid array length|out of memory|Cannot create a string longer|bad_alloc|Failed to allocate/i.test(text)) {
    return { code: 'badInput', message: 'The engine ran out of memory: the input or the model is too large for it (try a shorter prompt or a smaller maxFeatureNodes).' };
  }
  return undefined;
}
