// Streaming per-feature statistics over a corpus, one layer at a time, in bounded memory: activation frequency,
// min/max, a histogram whose range doubles as larger activations arrive, the top contexts by max activation and a
// deterministic reservoir of active contexts from which activation quantiles are drawn. State serialises for resume.

export interface CollectOptions {
  topK: number;
  reservoir: number;
  histBins: number;
  seed: number;
}

export const DEFAULT_COLLECT: CollectOptions = { topK: 10, reservoir: 48, histBins: 16, seed: 1234 };

/** one example context chosen for a feature: context id, its max activation and where that max is */
export interface ChosenContext {
  ctx: number;
  act: number;
  pos: number;
}

export interface FeatureSummary {
  count: number;
  min: number;
  max: number;
  histogram: number[];
  histogramEdges: number[];
  top: ChosenContext[];
  /** reservoir contexts sorted by activation, highest first */
  sample: ChosenContext[];
}

interface SerialState {
  nFeatures: number;
  opts: CollectOptions;
  tokens: number;
  rng: number;
  arrays: Record<string, number[]>;
}

export class LayerStats {
  tokens = 0;
  private rng: number;
  private readonly count: Float64Array;
  private readonly min: Float32Array;
  private readonly max: Float32Array;
  private readonly hist: Float64Array;
  private readonly histHi: Float32Array;
  private readonly topAct: Float32Array;
  private readonly topCtx: Int32Array;
  private readonly topPos: Int32Array;
  private readonly topFill: Int32Array;
  private readonly resAct: Float32Array;
  private readonly resCtx: Int32Array;
  private readonly resPos: Int32Array;
  private readonly resSeen: Float64Array;
  // per-context scratch
  private readonly ctxMax: Float32Array;
  private readonly ctxPos: Int32Array;
  private readonly touched: Int32Array;

  constructor(
    readonly nFeatures: number,
    readonly opts: CollectOptions = DEFAULT_COLLECT,
  ) {
    const { topK, reservoir, histBins } = opts;
    this.rng = opts.seed >>> 0 || 1;
    this.count = new Float64Array(nFeatures);
    this.min = new Float32Array(nFeatures).fill(Infinity);
    this.max = new Float32Array(nFeatures).fill(-Infinity);
    this.hist = new Float64Array(nFeatures * histBins);
    this.histHi = new Float32Array(nFeatures);
    this.topAct = new Float32Array(nFeatures * topK);
    this.topCtx = new Int32Array(nFeatures * topK);
    this.topPos = new Int32Array(nFeatures * topK);
    this.topFill = new Int32Array(nFeatures);
    this.resAct = new Float32Array(nFeatures * reservoir);
    this.resCtx = new Int32Array(nFeatures * reservoir);
    this.resPos = new Int32Array(nFeatures * reservoir);
    this.resSeen = new Float64Array(nFeatures);
    this.ctxMax = new Float32Array(nFeatures);
    this.ctxPos = new Int32Array(nFeatures).fill(-1);
    this.touched = new Int32Array(nFeatures);
  }

  /**
   * Adds one context. `acts` is row-major (nPos × nFeatures); positions listed in `skip` (e.g. BOS) are ignored, as
   * circuit-tracer zeroes features there. A feature is active where its activation is non-zero.
   */
  observe(ctx: number, acts: Float32Array, nPos: number, skip: ReadonlySet<number> = new Set()): void {
    const nF = this.nFeatures;
    let nTouched = 0;
    for (let p = 0; p < nPos; p++) {
      if (skip.has(p)) continue;
      this.tokens++;
      const row = p * nF;
      for (let f = 0; f < nF; f++) {
        const a = acts[row + f];
        if (a === 0) continue;
        this.count[f]++;
        if (a < this.min[f]) this.min[f] = a;
        if (a > this.max[f]) this.max[f] = a;
        if (a > 0) this.addToHistogram(f, a);
        if (this.ctxPos[f] < 0) {
          this.touched[nTouched++] = f;
          this.ctxMax[f] = a;
          this.ctxPos[f] = p;
        } else if (a > this.ctxMax[f]) {
          this.ctxMax[f] = a;
          this.ctxPos[f] = p;
        }
      }
    }
    for (let i = 0; i < nTouched; i++) {
      const f = this.touched[i];
      this.offerTop(f, ctx, this.ctxMax[f], this.ctxPos[f]);
      this.offerReservoir(f, ctx, this.ctxMax[f], this.ctxPos[f]);
      this.ctxPos[f] = -1;
    }
  }

  summary(f: number): FeatureSummary {
    const { topK, reservoir, histBins } = this.opts;
    const pick = (act: Float32Array, c: Int32Array, pos: Int32Array, base: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ ctx: c[base + i], act: act[base + i], pos: pos[base + i] })).sort(
        (a, b) => b.act - a.act || a.ctx - b.ctx,
      );
    const hi = this.histHi[f];
    return {
      count: this.count[f],
      min: this.count[f] ? this.min[f] : 0,
      max: this.count[f] ? this.max[f] : 0,
      histogram: Array.from(this.hist.subarray(f * histBins, (f + 1) * histBins)),
      histogramEdges: Array.from({ length: histBins + 1 }, (_, i) => (hi * i) / histBins),
      top: pick(this.topAct, this.topCtx, this.topPos, f * topK, this.topFill[f]),
      sample: pick(this.resAct, this.resCtx, this.resPos, f * reservoir, Math.min(reservoir, this.resSeen[f])),
    };
  }

  toJSON(): SerialState {
    const arrays: Record<string, number[]> = {};
    for (const k of ['count', 'min', 'max', 'hist', 'histHi', 'topAct', 'topCtx', 'topPos', 'topFill', 'resAct', 'resCtx', 'resPos', 'resSeen'] as const) {
      arrays[k] = Array.from(this[k] as ArrayLike<number>, (v) => (Number.isFinite(v) ? v : v > 0 ? 1e38 : -1e38));
    }
    return { nFeatures: this.nFeatures, opts: this.opts, tokens: this.tokens, rng: this.rng, arrays };
  }

  static fromJSON(s: SerialState): LayerStats {
    const l = new LayerStats(s.nFeatures, s.opts);
    l.tokens = s.tokens;
    l.rng = s.rng;
    for (const [k, v] of Object.entries(s.arrays)) (l as unknown as Record<string, { set(a: number[]): void }>)[k].set(v);
    // restore the "never seen" sentinels
    for (let f = 0; f < l.nFeatures; f++) {
      if (l.count[f] === 0) {
        l.min[f] = Infinity;
        l.max[f] = -Infinity;
      }
    }
    return l;
  }

  private addToHistogram(f: number, a: number): void {
    const B = this.opts.histBins;
    const base = f * B;
    let hi = this.histHi[f];
    if (hi === 0) {
      hi = 2 ** (Math.floor(Math.log2(a)) + 1);
      this.histHi[f] = hi;
    }
    while (a >= hi) {
      // double the range: merge bin pairs into the lower half
      for (let i = 0; i < B / 2; i++) this.hist[base + i] = this.hist[base + 2 * i] + this.hist[base + 2 * i + 1];
      for (let i = B / 2; i < B; i++) this.hist[base + i] = 0;
      hi *= 2;
      this.histHi[f] = hi;
    }
    this.hist[base + Math.min(B - 1, Math.floor((a / hi) * B))]++;
  }

  private offerTop(f: number, ctx: number, act: number, pos: number): void {
    const K = this.opts.topK;
    const base = f * K;
    const n = this.topFill[f];
    if (n < K) {
      this.topAct[base + n] = act;
      this.topCtx[base + n] = ctx;
      this.topPos[base + n] = pos;
      this.topFill[f] = n + 1;
      return;
    }
    let lo = 0;
    for (let i = 1; i < K; i++) if (this.topAct[base + i] < this.topAct[base + lo]) lo = i;
    if (act > this.topAct[base + lo]) {
      this.topAct[base + lo] = act;
      this.topCtx[base + lo] = ctx;
      this.topPos[base + lo] = pos;
    }
  }

  private offerReservoir(f: number, ctx: number, act: number, pos: number): void {
    const R = this.opts.reservoir;
    const seen = ++this.resSeen[f];
    let slot = seen - 1;
    if (seen > R) {
      slot = this.nextRandom() % seen;
      if (slot >= R) return;
    }
    const i = f * R + slot;
    this.resAct[i] = act;
    this.resCtx[i] = ctx;
    this.resPos[i] = pos;
  }

  /** xorshift32: deterministic, serialisable */
  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.rng = x;
    return x;
  }
}
