// A feature record's activation distribution as circuit-tracer's frontend draws it
// (frontend/assets/attribution_graph/render-act-histogram.js): `histogram` bins split [act_min, act_max] evenly,
// and `quantile_values` are ascending cut points — a node's percentile is the first i with activation ≤ q[i], plus
// one — so q[k] is the (k+1)-th percentile and the last is act_max. The collector's histogram spans [0, hi] (its
// range doubles as activations grow); both are derived from it, counts spread evenly within a bin.

export interface FrontendStats {
  histogram: number[];
  /** Bin edges of `histogram`: act_min … act_max. */
  edges: number[];
  quantile_values: number[];
}

export const FRONTEND_BINS = 32;
export const N_QUANTILES = 100;

/** `counts[i]` activations in [edges[i], edges[i+1]), clipped to [min, max] (no activation lies outside). */
function clippedBins(counts: readonly number[], edges: readonly number[], min: number, max: number): { lo: number; hi: number; n: number }[] {
  const out: { lo: number; hi: number; n: number }[] = [];
  for (let i = 0; i < counts.length; i++) {
    if (!(counts[i] > 0)) continue;
    const lo = Math.max(edges[i], min);
    const hi = Math.min(edges[i + 1], max);
    out.push(hi > lo ? { lo, hi, n: counts[i] } : { lo: Math.min(Math.max(lo, min), max), hi: Math.min(Math.max(lo, min), max), n: counts[i] });
  }
  return out;
}

export function frontendStats(counts: readonly number[], edges: readonly number[], min: number, max: number, bins = FRONTEND_BINS, nQuantiles = N_QUANTILES): FrontendStats {
  const histogram = new Array<number>(bins).fill(0);
  const width = max > min ? (max - min) / bins : 0;
  const outEdges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
  const src = clippedBins(counts, edges, min, max);
  const total = src.reduce((s, b) => s + b.n, 0);
  if (total === 0 || !(max >= min)) return { histogram, edges: outEdges, quantile_values: [] };
  for (const b of src) {
    if (b.hi <= b.lo || width === 0) {
      histogram[width === 0 ? 0 : Math.min(bins - 1, Math.floor((b.lo - min) / width))] += b.n;
      continue;
    }
    const first = Math.min(bins - 1, Math.floor((b.lo - min) / width));
    const last = Math.min(bins - 1, Math.floor((b.hi - min) / width));
    for (let j = first; j <= last; j++) {
      const overlap = Math.min(b.hi, outEdges[j + 1]) - Math.max(b.lo, outEdges[j]);
      if (overlap > 0) histogram[j] += (b.n * overlap) / (b.hi - b.lo);
    }
  }
  // ascending percentile cut points from the same piecewise-uniform distribution
  const quantile_values: number[] = [];
  let k = 0;
  let before = 0;
  for (let q = 1; q <= nQuantiles; q++) {
    const want = (q / nQuantiles) * total;
    while (k < src.length - 1 && before + src[k].n < want) before += src[k++].n;
    const b = src[k];
    const frac = b.n > 0 ? Math.min(1, Math.max(0, (want - before) / b.n)) : 1;
    quantile_values.push(q === nQuantiles ? max : b.lo + frac * (b.hi - b.lo));
  }
  for (let i = 1; i < quantile_values.length; i++) if (quantile_values[i] < quantile_values[i - 1]) quantile_values[i] = quantile_values[i - 1];
  const short = (v: number) => Number(v.toPrecision(5)); // 5 digits: the frontend prints 2 decimals
  return { histogram: histogram.map((v) => Math.round(v * 1000) / 1000), edges: outEdges.map(short), quantile_values: quantile_values.map(short) };
}
