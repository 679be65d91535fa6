// A small seeded generator for the reliability suite's property tests: the same seed gives the same cases on every
// machine, so a failure names its seed and case and reproduces. No dependency: mulberry32.
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** uniform in [0, 1) */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  /** a string of `n` characters drawn from `alphabet` */
  string(n: number, alphabet: string): string {
    const chars = [...alphabet];
    let s = '';
    for (let i = 0; i < n; i++) s += this.pick(chars);
    return s;
  }
}

/** Values that break numeric options: non-integers, edges, huge, non-finite, wrong types. */
export const HOSTILE_NUMBERS: readonly unknown[] = [
  0, -1, 0.5, 2.5, 1e-300, 1e300, 2 ** 53, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
  '5', '', null, true, [], {}, 1.0000001, 99.99,
];

/** A random value for an option: a hostile one, or a number near its range. */
export function optionValue(rng: Rng, min: number, max: number): unknown {
  if (rng.bool(0.4)) return rng.pick(HOSTILE_NUMBERS);
  const span = max - min;
  const x = min - span * 0.2 + rng.next() * span * 1.4;
  return rng.bool() ? Math.round(x) : x;
}

/** Runs `body` per case with a name that carries the seed and index; counts the cases for the suite's report. */
export const suiteCounts = { cases: 0 };
export function forCases(seed: number, n: number, body: (rng: Rng, i: number) => void): void {
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) {
    suiteCounts.cases++;
    try {
      body(rng, i);
    } catch (err) {
      const e = err as { message?: string; actual?: unknown; expected?: unknown };
      const diff = 'actual' in e ? ` (actual ${JSON.stringify(e.actual)}, expected ${JSON.stringify(e.expected)})` : '';
      throw new Error(`seed ${seed}, case ${i}: ${e.message}${diff}`, { cause: err });
    }
  }
}
