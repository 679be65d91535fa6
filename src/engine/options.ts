// The ranges the engine accepts for each trace option, in one table, checked at every boundary: the settings
// (src/extension/settings.ts), the worker protocol (worker/protocol.ts), the CLI and the engine itself (attribute.ts).
// A value outside its range is refused with a sentence naming the option and what it takes; nothing is rounded.
// Their defaults live here too (TRACE_OPTION_DEFAULTS).

export interface OptionRange {
  /** whole numbers only */
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
  /** the minimum itself is not allowed */
  readonly minExclusive?: boolean;
  /** how a user names it (circuit-tracer's name) */
  readonly label: string;
}

/** circuit-tracer's option names; maxFeatureNodes may also be null (every active feature). */
export const TRACE_OPTION_RANGES = {
  maxFeatureNodes: { integer: true, min: 1, max: 10_000_000, label: 'max_feature_nodes' },
  maxNLogits: { integer: true, min: 1, max: 1000, label: 'max_n_logits' },
  desiredLogitProb: { integer: false, min: 0, max: 1, minExclusive: true, label: 'desired_logit_prob' },
  nodeThreshold: { integer: false, min: 0, max: 1, label: 'node_threshold' },
  edgeThreshold: { integer: false, min: 0, max: 1, label: 'edge_threshold' },
} as const satisfies Record<string, OptionRange>;

/**
 * The trace options' defaults, the one home for them: the engine's DEFAULT_* constants are these, and package.json's
 * `selfTracing.*` setting defaults must equal them (test/unit/reliability/defaults.test.ts).
 */
export const TRACE_OPTION_DEFAULTS = {
  maxFeatureNodes: 7500,
  maxNLogits: 10,
  desiredLogitProb: 0.95,
  nodeThreshold: 0.8,
  edgeThreshold: 0.98,
} satisfies Record<keyof typeof TRACE_OPTION_RANGES, number>;

export type TraceOptionName = keyof typeof TRACE_OPTION_RANGES;
export const TRACE_OPTION_NAMES = Object.keys(TRACE_OPTION_RANGES) as TraceOptionName[];

/** What a range takes, in words: "a whole number from 1 to 1000". */
export function describeRange(r: OptionRange): string {
  const kind = r.integer ? 'a whole number' : 'a number';
  return r.minExclusive ? `${kind} above ${r.min} and at most ${r.max}` : `${kind} from ${r.min} to ${r.max}`;
}

/** Undefined when `value` fits `r`, else a sentence that names the option, the value and the range. */
export function checkRange(name: string, value: unknown, r: OptionRange): string | undefined {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!r.integer || Number.isInteger(value)) &&
    (r.minExclusive ? value > r.min : value >= r.min) &&
    value <= r.max;
  return ok ? undefined : `${name}${r.label !== name ? ` (${r.label})` : ''} must be ${describeRange(r)}, not ${formatValue(value)}.`;
}

/** Checks one trace option by its name; undefined is always fine (the default applies). */
export function checkTraceOption(name: TraceOptionName, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (name === 'maxFeatureNodes' && value === null) return undefined;
  return checkRange(name, value, TRACE_OPTION_RANGES[name]);
}

/** The first problem among the trace options of `o`, or undefined when all fit. */
export function checkTraceOptions(o: Partial<Record<TraceOptionName, unknown>>): string | undefined {
  for (const name of TRACE_OPTION_NAMES) {
    const problem = checkTraceOption(name, o[name]);
    if (problem) return problem;
  }
  return undefined;
}

/** The engine-internal knobs of attribute(): positive whole numbers. */
export function checkPositiveInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): string | undefined {
  return value === undefined ? undefined : checkRange(name, value, { integer: true, min: 1, max, label: name });
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  return typeof v;
}
