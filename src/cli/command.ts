// The shape of a `self-trace` sub-command: a name, a one-line summary, its usage, and a run function that
// writes through the given streams and returns the exit code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineWorkerClient } from '../engine/worker/client';

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

/** The options of every command that runs a model on a prompt: --prompt TEXT and --model DIR (resolveModelDir). */
export const PROMPT_OPTIONS = { prompt: { type: 'string' }, model: { type: 'string' } } as const;

/** Exit codes: 0 success, 1 the command ran and failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where the embedded model lives next to the built bundles: the default `--model`. */
export const embeddedModelDir = (distDir: string): string => path.resolve(distDir, '..', 'models', 'organism');

/**
 * The model a command works on: `--model` (a folder, or a Hugging Face repo id the engine finds in the local cache
 * and reports on when it cannot), else the embedded model; returns undefined after saying so when the embedded model
 * is missing.
 */
export function resolveModelDir(command: string, given: string | undefined, distDir: string, io: CliIO): string | undefined {
  if (given !== undefined) return localOrRepo(given);
  const dir = embeddedModelDir(distDir);
  if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  io.err(`self-trace ${command}: the embedded model is missing (expected at ${dir}); pass --model DIR`);
  return undefined;
}

/** A path that exists (made absolute), else the text as given: a repo id is resolved by the engine. */
export function localOrRepo(given: string): string {
  return fs.existsSync(given) ? path.resolve(given) : given;
}

/** Runs `use` with an engine worker started from the built bundles, and stops the worker afterwards. */
export async function withWorker<T>(distDir: string, use: (client: EngineWorkerClient) => Promise<T>): Promise<T> {
  const client = new EngineWorkerClient({ workerPath: path.join(distDir, 'worker.js') });
  try {
    return await use(client);
  } finally {
    client.dispose();
  }
}

/** A number as the user typed it: NaN for anything that is not one whole decimal literal ("", " ", "1x", "0x10"). */
export function parseNumberArg(v: string): number {
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim()) && v.trim() !== '' ? Number(v) : Number.NaN;
}
