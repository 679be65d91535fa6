import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { denseToSparse, logitWeights, nodeLayout, type NodeLayout } from '../../../../src/engine/attribution/graph';
import { findThreshold, nodeInfluence } from '../../../../src/engine/attribution/influence';
import { pruneGraph } from '../../../../src/engine/attribution/prune';
import { graphScores, tokenScores } from '../../../../src/engine/attribution/scores';

// --- a straightforward dense reference, written the way circuit-tracer's graph.py reads ---

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** random DAG in circuit-tracer's layout: feature rows read earlier features, errors and tokens; logit rows read all */
function randomGraph(seed: number, F: number, L: number, P: number, K: number, density = 0.4) {
  const r = rng(seed);
  const lay = nodeLayout(F, L, P, K);
  const A = new Float64Array(lay.n * lay.n);
  const rows = [...Array.from({ length: F }, (_, i) => i), ...Array.from({ length: K }, (_, k) => lay.logitStart + k)];
  for (const t of rows) {
    for (let s = 0; s < lay.logitStart; s++) {
      if (s < F && t < F && s >= t) continue;
      if (r() < density) A[t * lay.n + s] = Math.fround((r() - 0.5) * 4);
    }
  }
  const probs = Array.from({ length: K }, () => r());
  const sum = probs.reduce((a, b) => a + b, 0) * 1.1;
  const acts = Array.from({ length: F }, () => 0.5 + r() * 2);
  return { lay, A, probs: probs.map((p) => p / sum), acts };
}

function normalize(A: Float64Array, n: number): Float64Array {
  const out = new Float64Array(A.length);
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(A[t * n + j]);
    for (let j = 0; j < n; j++) out[t * n + j] = Math.abs(A[t * n + j]) / Math.max(s, 1e-10);
  }
  return out;
}

function vecMat(v: Float64Array, M: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) for (let s = 0; s < n; s++) out[s] += v[t] * M[t * n + s];
  return out;
}

function influence(M: Float64Array, w: Float64Array, n: number): Float64Array {
  let cur = vecMat(w, M, n);
  const total = Float64Array.from(cur);
  while (cur.some((x) => x !== 0)) {
    cur = vecMat(cur, M, n);
    cur.forEach((x, i) => (total[i] += x));
  }
  return total;
}

function threshold(scores: ArrayLike<number>, t: number): number {
  const s = Array.from(scores).sort((a, b) => b - a);
  const total = s.reduce((a, b) => a + b, 0);
  let acc = 0;
  let idx = s.length;
  for (let i = 0; i < s.length; i++) {
    acc += s[i];
    if (acc / total >= t) {
      idx = i;
      break;
    }
  }
  return s[Math.min(idx, s.length - 1)];
}

function densePrune(A: Float64Array, lay: NodeLayout, probs: number[], nt: number, et: number) {
  const n = lay.n;
  const w = logitWeights(lay, probs);
  const infl = influence(normalize(A, n), w, n);
  const cut = threshold(infl, nt);
  const node = Array.from(infl, (x) => x >= cut);
  for (let i = lay.tokenStart; i < n; i++) node[i] = true;
  const Ap = Float64Array.from(A);
  for (let t = 0; t < n; t++) for (let s = 0; s < n; s++) if (!node[t] || !node[s]) Ap[t * n + s] = 0;
  const Np = normalize(Ap, n);
  const ti = influence(Np, w, n).map((x, i) => x + w[i]);
  const scores = Np.map((x, e) => x * ti[Math.floor(e / n)]);
  const ecut = threshold(scores, et);
  const edge = Array.from(scores, (x) => x >= ecut);
  const update = () => {
    for (let s = 0; s < lay.tokenStart; s++) {
      let out = false;
      for (let t = 0; t < n; t++) out ||= edge[t * n + s];
      node[s] &&= out;
    }
    for (let t = 0; t < lay.nFeatures; t++) {
      let inc = false;
      for (let s = 0; s < n; s++) inc ||= edge[t * n + s];
      node[t] &&= inc;
    }
  };
  let old = [...node];
  update();
  while (node.some((x, i) => x !== old[i])) {
    old = [...node];
    for (let t = 0; t < n; t++) for (let s = 0; s < n; s++) if (!node[t] || !node[s]) edge[t * n + s] = false;
    update();
  }
  const order = Array.from(infl.keys()).sort((i, j) => infl[j] - infl[i] || i - j);
  const tot = infl.reduce((a, b) => a + b, 0);
  const cum = new Float64Array(n);
  let acc = 0;
  for (const i of order) cum[i] = (acc += infl[i]) / tot;
  return { node, edge, cum, infl };
}

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

test('node influence on the sparse adjacency equals the dense power series', () => {
  for (const seed of [1, 2, 3]) {
    const { lay, A, probs } = randomGraph(seed, 12, 2, 4, 3);
    const got = nodeInfluence(denseToSparse(A, lay.n), logitWeights(lay, probs));
    const want = influence(normalize(A, lay.n), logitWeights(lay, probs), lay.n);
    for (let i = 0; i < lay.n; i++) assert.ok(close(got[i], want[i], 1e-6), `node ${i}: ${got[i]} vs ${want[i]}`);
  }
});

test('pruning keeps exactly the nodes and edges the dense reference keeps, with the same cumulative scores', () => {
  for (const seed of [4, 5, 6, 7, 8, 9]) {
    for (const [nt, et] of [[0.8, 0.98], [0.5, 0.7], [0.95, 0.85], [1, 1]]) {
      const { lay, A, probs } = randomGraph(seed, 20, 3, 5, 4, 0.3);
      const sparse = denseToSparse(A, lay.n);
      const got = pruneGraph(sparse, lay, probs, nt, et);
      const want = densePrune(A, lay, probs, nt, et);
      assert.deepEqual(Array.from(got.nodeMask, Boolean), want.node, `nodes, seed ${seed} thresholds ${nt}/${et}`);
      for (let t = 0; t < lay.n; t++) {
        for (let e = sparse.rowPtr[t]; e < sparse.rowPtr[t + 1]; e++) {
          assert.equal(Boolean(got.edgeMask[e]), want.edge[t * lay.n + sparse.cols[e]], `edge ${t}<-${sparse.cols[e]}`);
        }
      }
      for (let i = 0; i < lay.n; i++) assert.ok(close(got.cumulativeScores[i], want.cum[i], 1e-9));
    }
  }
});

test('pruning removes a feature whose only path to the logits was pruned away', () => {
  // tokens -> f0 -> f1 -> logit, and f2 <- token with a tiny edge into f1
  const lay = nodeLayout(3, 1, 1, 1);
  const A = new Float64Array(lay.n * lay.n);
  const tok = lay.tokenStart;
  const logit = lay.logitStart;
  A[0 * lay.n + tok] = 1;
  A[2 * lay.n + tok] = 1;
  A[1 * lay.n + 0] = 1;
  A[1 * lay.n + 2] = Math.fround(1e-4);
  A[logit * lay.n + 1] = 1;
  const r = pruneGraph(denseToSparse(A, lay.n), lay, [1], 0.99, 0.99);
  assert.deepEqual(Array.from(r.nodeMask), [1, 1, 0, 0, 1, 1]);
});

test('find_threshold on many scores (bucketed path) equals sorting', () => {
  const r = rng(11);
  const xs = Float64Array.from({ length: 20000 }, () => (r() < 0.1 ? 0 : r() ** 4));
  for (const t of [0, 0.1, 0.5, 0.8, 0.98, 0.999]) assert.equal(findThreshold(xs, t), threshold(xs, t), `t=${t}`);
  // at t = 1 the crossing depends on rounding in either implementation; it must fall among the smallest scores
  const positives = Array.from(xs).filter((x) => x > 0).sort((a, b) => a - b);
  assert.ok(findThreshold(xs, 1) <= positives[Math.floor(positives.length / 100)]);
  assert.equal(findThreshold(Float64Array.from([0.5, 0.5]), 1, 10), 0.5);
  assert.equal(findThreshold(Float64Array.from([0, 0]), 0.5), 0);
});

test('replacement and completeness scores match the dense definitions', () => {
  for (const seed of [12, 13]) {
    const { lay, A, probs } = randomGraph(seed, 15, 2, 4, 3);
    const got = graphScores(denseToSparse(A, lay.n), lay, probs);
    const n = lay.n;
    const w = logitWeights(lay, probs);
    const N = normalize(A, n);
    const infl = influence(N, w, n);
    const sum = (a: number, b: number) => infl.slice(a, b).reduce((x, y) => x + y, 0);
    const tok = sum(lay.tokenStart, lay.logitStart);
    const err = sum(lay.errorStart, lay.tokenStart);
    let num = 0;
    let den = 0;
    for (let t = 0; t < n; t++) {
      let es = 0;
      for (let s = lay.errorStart; s < lay.tokenStart; s++) es += N[t * n + s];
      num += (1 - es) * (infl[t] + w[t]);
      den += infl[t] + w[t];
    }
    assert.ok(close(got.replacement, tok / (tok + err), 1e-9));
    assert.ok(close(got.completeness, num / den, 1e-9));
  }
});

test('per-token total effect equals forward propagation of a token perturbation through the linear graph', () => {
  const { lay, A, acts } = randomGraph(21, 10, 2, 4, 2);
  const n = lay.n;
  const target = lay.logitStart + 1;
  const got = tokenScores(denseToSparse(A, n), lay, acts, target);
  for (let p = 0; p < lay.nPos; p++) {
    // add one more copy of token p: each feature's pre-activation moves by Σ A[f,s]·(relative change of s)
    const rel = new Float64Array(n);
    rel[lay.tokenStart + p] = 1;
    for (let f = 0; f < lay.nFeatures; f++) {
      let d = 0;
      for (let s = 0; s < n; s++) d += A[f * n + s] * rel[s];
      rel[f] = d / acts[f];
    }
    let logit = 0;
    for (let s = 0; s < n; s++) logit += A[target * n + s] * rel[s];
    assert.ok(close(got.total[p], logit, 1e-9), `token ${p}: ${got.total[p]} vs ${logit}`);
    assert.equal(got.direct[p], Math.fround(A[target * n + lay.tokenStart + p]));
  }
});
