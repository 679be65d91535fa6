// Engine errors are values with a code, a sentence for the user and details for the log.
// The extension and the CLI map codes to actions; nothing in the engine prints a stack trace to a user.

export type EngineErrorCode =
  | 'FILE_NOT_FOUND'
  | 'BAD_FILE'
  | 'MISSING_TENSOR'
  | 'BAD_SHAPE'
  | 'UNSUPPORTED'
  | 'BAD_INPUT'
  | 'CANCELLED'
  | 'INTERNAL';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

/** Throws CANCELLED when the signal has fired; long loops call this between steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('CANCELLED', 'The operation was cancelled.');
}
