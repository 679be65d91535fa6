// Deterministic random weights for the benchmarks (generated at run time, never committed).

/** n values uniform in (−a, a) from a xorshift32 stream: fast enough for GPT-2-small's 124M parameters */
export function uniform(n: number, a: number, seed: number): Float32Array {
  const data = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * a;
  }
  return data;
}
