// Ownership of disposables: an object that holds registrations, listeners or panels extends Disposable, registers
// each one as it creates it, and releases all of them, in order, exactly once (the shape of VS Code's
// markdown-language-features src/util/dispose.ts).
import type * as vscode from 'vscode';

/** Disposes each one even when an earlier one throws; rethrows the error (or all of them) afterwards. */
export function disposeAll(disposables: Iterable<vscode.Disposable>): void {
  const errors: unknown[] = [];
  for (const d of disposables) {
    try {
      d.dispose();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed to dispose');
}

export abstract class Disposable implements vscode.Disposable {
  #disposed = false;
  readonly #owned: vscode.Disposable[] = [];

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    disposeAll(this.#owned.splice(0));
  }

  /** Takes ownership of `value` (disposed with this object; at once when this object is already disposed). */
  protected register<T extends vscode.Disposable>(value: T): T {
    if (this.#disposed) value.dispose();
    else this.#owned.push(value);
    return value;
  }

  /** Takes ownership of each of `values`. */
  protected registerAll(values: Iterable<vscode.Disposable>): void {
    for (const value of values) this.register(value);
  }

  protected get isDisposed(): boolean {
    return this.#disposed;
  }
}
