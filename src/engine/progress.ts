// Progress reports shared by every long engine call: the worker forwards them, the extension shows them.

export interface Progress {
  /** Short present-tense description of the current step, e.g. "running the self-check graph". */
  readonly message: string;
  /** Fraction done in [0, 1], when known. */
  readonly fraction?: number;
}

export type ProgressSink = (progress: Progress) => void;
