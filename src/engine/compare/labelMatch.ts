// Matching features of two graphs traced with different models or transcoder sets, where ids mean nothing across
// the two: by what the feature says (its label's words) and does (its top promoted tokens). The score of a pair is
// the Jaccard similarity of the promoted-token sets and of the label word sets, weighted 0.6 / 0.4 when both sides
// have promoted tokens, else the label's alone. Pairs at or above `minScore` are taken greedily, best first, one
// partner each. Candidates come from an inverted index (pairs sharing no word or token are never scored), so two
// 5k-feature graphs take milliseconds.

export interface MatchInput {
  label: string;
  promoted: readonly string[];
}

/** Automatic labels of unlabelled features ("L0/794", "F#123") carry no meaning across models. */
const PLACEHOLDER = /^(L\d+\/\d+|F#?\d+|feature \d+|)$/i;

export function labelWords(label: string): string[] {
  if (PLACEHOLDER.test(label.trim())) return [];
  const words = label.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.filter((w) => !STOP.has(w)))];
}
const STOP = new Set(['next', 'on', 'the', 'a', 'an', 'of', 'and', 'or', 'to', 'in', 'is', 'output', 'token']);

const tokenSet = (ts: readonly string[]) => [...new Set(ts.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))];

function jaccard(a: readonly string[], b: ReadonlySet<string>): number {
  if (a.length === 0 || b.size === 0) return 0;
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return both / (a.length + b.size - both);
}

export function matchScore(a: MatchInput, b: MatchInput): number {
  const pa = tokenSet(a.promoted);
  const pb = new Set(tokenSet(b.promoted));
  const wa = labelWords(a.label);
  const wb = new Set(labelWords(b.label));
  return score(pa, pb, wa, wb);
}

function score(pa: string[], pb: Set<string>, wa: string[], wb: Set<string>): number {
  const lj = jaccard(wa, wb);
  if (pa.length > 0 && pb.size > 0) return 0.6 * jaccard(pa, pb) + 0.4 * lj;
  return lj;
}

/** One-to-one matches [indexA, indexB, score], best first. */
export function matchByLabel(as: readonly MatchInput[], bs: readonly MatchInput[], minScore: number): [number, number, number][] {
  // words and tokens interned to ids; overlaps counted through the inverted index of B (no set intersections)
  const ids = new Map<string, number>();
  const intern = (k: string) => {
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = ids.size));
    return id;
  };
  const prep = (x: MatchInput) => ({ p: tokenSet(x.promoted).map((t) => intern(`p:${t}`)), w: labelWords(x.label).map((t) => intern(`w:${t}`)) });
  const B = bs.map(prep);
  const A = as.map(prep);
  const index: number[][] = Array.from({ length: ids.size }, () => []);
  B.forEach((x, j) => {
    for (const t of x.p) index[t].push(j);
    for (const t of x.w) index[t].push(j);
  });
  const bothP = new Int32Array(B.length);
  const bothW = new Int32Array(B.length);
  const touched: number[] = [];
  const pairs: [number, number, number][] = [];
  A.forEach((x, i) => {
    for (const t of x.p) {
      for (const j of index[t]) {
        if (bothP[j] === 0 && bothW[j] === 0) touched.push(j);
        bothP[j]++;
      }
    }
    for (const t of x.w) {
      for (const j of index[t]) {
        if (bothP[j] === 0 && bothW[j] === 0) touched.push(j);
        bothW[j]++;
      }
    }
    for (const j of touched) {
      const y = B[j];
      const lj = x.w.length && y.w.length ? bothW[j] / (x.w.length + y.w.length - bothW[j]) : 0;
      const s = x.p.length && y.p.length ? 0.6 * (bothP[j] / (x.p.length + y.p.length - bothP[j])) + 0.4 * lj : lj;
      if (s >= minScore) pairs.push([i, j, s]);
      bothP[j] = bothW[j] = 0;
    }
    touched.length = 0;
  });
  pairs.sort((p, q) => q[2] - p[2] || p[0] - q[0] || p[1] - q[1]);
  const usedA = new Uint8Array(A.length);
  const usedB = new Uint8Array(B.length);
  const out: [number, number, number][] = [];
  for (const [i, j, s] of pairs) {
    if (usedA[i] || usedB[j]) continue;
    usedA[i] = usedB[j] = 1;
    out.push([i, j, s]);
  }
  return out;
}
