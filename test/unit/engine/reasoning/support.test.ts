import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { denseToSparse, nodeLayout } from '../../../../src/engine/attribution/graph';
import { nodeShares, pathSupport, strongestPaths, throughShare } from '../../../../src/engine/reasoning/support';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** random DAG in circuit-tracer's layout: feature rows read earlier features, errors and tokens; logit rows read all */
function randomGraph(seed: number, F: number, L: number, P: number, K: number, density = 0.35) {
  const r = rng(seed);
  const lay = nodeLayout(F, L, P, K);
  const A = new Float64Array(lay.n * lay.n);
  const rows = [...Array.from({ length: F }, (_, i) => i), ...Array.from({ length: K }, (_, k) => lay.logitStart + k)];
  for (const t of rows) for (let s = 0; s < lay.logitStart; s++) {
    if (s < F && t < F && s >= t) continue;
    if (r() < density) A[t * lay.n + s] = Math.fround((r() - 0.5) * 4);
  }
  return { lay, A };
}

/** the reference: enumerate every path from the target, weight = product of |A| normalised per row */
function enumerate(A: Float64Array, n: number, target: number, grounded: (v: number) => boolean, S: Set<number>) {
  const rowSum = (t: number) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(A[t * n + j]);
    return s;
  };
  let total = 0;
  let through = 0;
  const walk = (v: number, w: number, met: boolean) => {
    const m = met || S.has(v);
    const rs = rowSum(v);
    if (rs === 0) {
      if (grounded(v)) {
        total += w;
        if (m) through += w;
      }
      return;
    }
    for (let s = 0; s < n; s++) if (A[v * n + s] !== 0) walk(s, (w * Math.abs(A[v * n + s])) / rs, m);
  };
  walk(target, 1, false);
  return { total, share: total > 0 ? through / total : 0 };
}

test('path share through a node set matches a dense path enumeration on small random graphs', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const F = 7, L = 2, P = 4, K = 2;
    const { lay, A } = randomGraph(seed, F, L, P, K);
    const a = denseToSparse(A, lay.n);
    const groundedPos = Uint8Array.from([0, 1, 1, 1]); // position 0 is BOS
    const target = lay.logitStart;
    const ps = pathSupport(a, lay, target, groundedPos);
    const isGrounded = (v: number) => v >= lay.tokenStart && v < lay.logitStart && groundedPos[v - lay.tokenStart] === 1;
    const r = rng(seed * 31);
    const sets: number[][] = [[0], [lay.tokenStart + 2], [1, 3, lay.errorStart + 2], [lay.tokenStart + 1, lay.tokenStart + 3], Array.from({ length: F }, (_, i) => i)];
    for (let k = 0; k < 3; k++) sets.push(Array.from({ length: lay.logitStart }, (_, i) => i).filter(() => r() < 0.3));
    for (const S of sets) {
      const ref = enumerate(A, lay.n, target, isGrounded, new Set(S));
      assert.ok(Math.abs(ps.grounded[target] - ref.total) < 1e-9, `seed ${seed}: grounded total ${ps.grounded[target]} vs ${ref.total}`);
      const got = throughShare(ps, S);
      assert.ok(Math.abs(got - ref.share) < 1e-9, `seed ${seed}, S=${S}: ${got} vs ${ref.share}`);
    }
    // single nodes: the closed form equals the absorbing computation
    const shares = nodeShares(ps);
    for (let i = 0; i < lay.logitStart; i++) assert.ok(Math.abs(shares[i] - throughShare(ps, [i])) < 1e-9);
    // every grounded path ends at one grounded token: their shares sum to 1
    let sum = 0;
    for (let p = 0; p < P; p++) sum += shares[lay.tokenStart + p];
    if (ps.grounded[target] > 0) assert.ok(Math.abs(sum - 1) < 1e-9);
  }
});

test('strongest paths run from the target to distinct grounded tokens, heaviest first', () => {
  const { lay, A } = randomGraph(7, 6, 2, 4, 1, 0.5);
  const ps = pathSupport(denseToSparse(A, lay.n), lay, lay.logitStart, Uint8Array.from([0, 1, 1, 1]));
  const paths = strongestPaths(ps, 3);
  assert.ok(paths.length >= 2);
  const ends = paths.map((p) => p.nodes[p.nodes.length - 1]);
  assert.equal(new Set(ends).size, ends.length);
  for (const p of paths) {
    assert.equal(p.nodes[0], lay.logitStart);
    assert.ok(ends.every((e) => e >= lay.tokenStart + 1 && e < lay.logitStart));
  }
  assert.ok(paths[0].weight >= paths[1].weight);
});

test('a strongest path carries the product of its edges\' signs: −1 when it pushes the target down', () => {
  let negative = 0;
  for (const seed of [3, 7, 11, 19]) {
    const { lay, A } = randomGraph(seed, 6, 2, 4, 1, 0.5);
    const ps = pathSupport(denseToSparse(A, lay.n), lay, lay.logitStart, Uint8Array.from([0, 1, 1, 1]));
    for (const p of strongestPaths(ps, 3)) {
      let sign = 1;
      for (let i = 0; i + 1 < p.nodes.length; i++) sign *= Math.sign(A[p.nodes[i] * lay.n + p.nodes[i + 1]]);
      assert.equal(p.sign, sign, `seed ${seed}: ${p.nodes}`);
      if (p.sign < 0) negative++;
    }
  }
  assert.ok(negative > 0, 'some of these paths inhibit the target');
});
