// The shape of a `self-trace` sub-command: a name, a one-line summary, its usage, and a run function that
// writes through the given streams and returns the exit code.
import * as path from 'node:path';

export interface CliIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface CliContext {
  readonly io: CliIO;
  /** Folder of the built bundles (dist/): the worker entry lives there. */
  readonly distDir: string;
}

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: string[], context: CliContext): Promise<number>;
}

/** Exit codes: 0 success, 1 the command ran and failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where the embedded model lives next to the built bundles: the default `--model`. */
export const embeddedModelDir = (distDir: string): string => path.resolve(distDir, '..', 'models', 'organism');
