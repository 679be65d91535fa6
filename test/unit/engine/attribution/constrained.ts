// circuit-tracer's acceptance check, ported: in the forward pass with attention patterns, norm scales and MLP outputs
// frozen to their clean values (an "intervention graph"), adding a source's write vector once more (doubling a
// feature, adding an error or token vector) must move every feature's pre-activation and every demeaned logit by
// exactly that source's adjacency column. Skip transcoders keep their skip path live, as circuit-tracer does, by
// adding skip(u) − skip(u_clean) at each layer; that correction is found in n_layers passes (layer l is exact after
// pass l).
import type { AttributionResult } from '../../../../src/engine/attribution/attribute';
import { transcoderInput } from '../../../../src/engine/attribution/components';
import { graphLayout } from '../../../../src/engine/attribution/graph';
import type { ModelConfig } from '../../../../src/engine/model/config';
import type { TranscoderSet } from '../../../../src/engine/model/transcoders';
import { forwardNames as N, unpackForward, type ForwardResult } from '../../../../src/engine/onnx/forward';
import type { Feed, GraphSession } from '../../../../src/engine/onnx/session';

export interface CheckResult {
  sources: number;
  /** largest |Δ − adj| − (atol + rtol·|adj|) over feature pre-activations and over logits (≤ 0 passes) */
  featureExcess: number;
  logitExcess: number;
  worst: string;
}

/** `session` is the forward graph with every freeze plus mlpOutDelta and embedDelta */
export async function checkColumns(
  cfg: ModelConfig,
  tc: TranscoderSet,
  res: AttributionResult,
  session: GraphSession,
  sources: number[],
  tol = { featureAtol: 5e-4, featureRtol: 1e-5, logitAtol: 1e-5, logitRtol: 1e-3 },
  /**
   * adds each source this many times and divides the change by it: the frozen model is linear in its sources, so the
   * check is the same, while fp32 rounding of large logits (a trained model's are ~16) weighs less against small edges
   */
  amplify = 1,
): Promise<CheckResult> {
  const { graph, components: c } = res;
  const fwd = c.forward;
  const lay = graphLayout(graph);
  const { nLayers: L, dModel: d, nHeads: H, dVocab: V } = cfg;
  const P = c.nPos;
  const B = sources.length + 1; // row 0 stays clean
  const frozen: Feed = {
    [N.inputIds]: { data: new BigInt64Array(B * P).map((_, i) => BigInt(fwd.ids[i % P])), dims: [B, P] },
    [N.frozen(N.lnfScale)]: { data: fwd.lnfScale, dims: [1, P, 1] },
  };
  for (let l = 0; l < L; l++) {
    frozen[N.frozen(N.pattern(l))] = { data: fwd.layers[l].pattern, dims: [1, H, P, P] };
    for (const [name, s] of Object.entries(fwd.layers[l].scales)) frozen[N.frozen(N.scale(name, l))] = { data: s, dims: [1, P, 1] };
    frozen[N.frozen(N.mlpOut(l))] = { data: fwd.layers[l].mlpOut, dims: [1, P, d] };
  }
  const src = Array.from({ length: L }, () => new Float32Array(B * P * d));
  const embed = new Float32Array(B * P * d);
  sources.forEach((s, i) => {
    const b = i + 1;
    const add = (to: Float32Array, p: number, v: ArrayLike<number>, scale = 1) => {
      for (let k = 0; k < d; k++) to[(b * P + p) * d + k] += amplify * scale * v[k];
    };
    if (s < lay.errorStart) {
      const a = graph.selectedFeatures[s];
      const l = c.layer[a];
      const rows = tc.decoderRows(l, [c.feature[a]]);
      const slots = tc.kind === 'cross-layer' ? L - l : 1;
      for (let j = 0; j < slots; j++) add(src[l + j], c.pos[a], rows.subarray(j * d, (j + 1) * d), c.activation[a]);
    } else if (s < lay.tokenStart) {
      const l = Math.floor((s - lay.errorStart) / P);
      const p = (s - lay.errorStart) % P;
      add(src[l], p, c.errors[l].subarray(p * d, (p + 1) * d));
    } else {
      const p = s - lay.tokenStart;
      add(embed, p, c.tokens.subarray(p * d, (p + 1) * d));
    }
  });

  const skip = tc.hasSkip;
  const corr = Array.from({ length: L }, () => new Float32Array(B * P * d));
  let out!: ForwardResult[];
  for (let pass = 0; pass < (skip ? L + 1 : 1); pass++) {
    const feed: Feed = { ...frozen, [N.embedDelta]: { data: embed, dims: [B, P, d] } };
    for (let l = 0; l < L; l++) {
      const delta = Float32Array.from(src[l], (v, i) => v + corr[l][i]);
      feed[N.mlpOutDelta(l)] = { data: delta, dims: [B, P, d] };
    }
    const raw = await session.run(feed);
    out = splitBatch(raw, fwd.ids, L, B);
    if (!skip) break;
    for (let l = 0; l < L; l++) {
      const W = tc.skip(l)!;
      const u0 = transcoderInput(tc, out[0], l, d);
      for (let b = 1; b < B; b++) {
        const u = transcoderInput(tc, out[b], l, d);
        for (let p = 0; p < P; p++) {
          for (let r = 0; r < d; r++) {
            let acc = 0;
            for (let k = 0; k < d; k++) acc += (u[p * d + k] - u0[p * d + k]) * W[r * d + k];
            corr[l][(b * P + p) * d + r] = acc;
          }
        }
      }
    }
  }

  const adj = graph.adjacency;
  const entry = (t: number, s: number) => {
    for (let e = adj.rowPtr[t]; e < adj.rowPtr[t + 1]; e++) if (adj.cols[e] === s) return adj.vals[e];
    return 0;
  };
  const pre = (r: ForwardResult, a: number) => {
    const l = c.layer[a];
    const u = transcoderInput(tc, r, l, d);
    const f = c.feature[a];
    let v = tc.layers[l].b_enc[f];
    const row = tc.encoderRows(l, [f]);
    for (let k = 0; k < d; k++) v += u[c.pos[a] * d + k] * row[k];
    return v;
  };
  // the change of a demeaned logit, as the demeaned change (the same number; the clean means cancel exactly in float64)
  const demeanedChange = (r: ForwardResult, base: ForwardResult, id: number) => {
    const row = r.logits.subarray((P - 1) * V, P * V);
    const clean = base.logits.subarray((P - 1) * V, P * V);
    let mean = 0;
    for (let v = 0; v < V; v++) mean += row[v] - clean[v];
    return row[id] - clean[id] - mean / V;
  };
  let featureExcess = -Infinity;
  let logitExcess = -Infinity;
  let worst = '';
  sources.forEach((s, i) => {
    const r = out[i + 1];
    for (let t = 0; t < lay.nFeatures; t++) {
      const a = graph.selectedFeatures[t];
      const delta = (pre(r, a) - pre(out[0], a)) / amplify;
      const want = entry(t, s);
      const ex = excess(delta, want, tol.featureAtol, tol.featureRtol);
      if (ex > featureExcess) featureExcess = ex;
      if (ex > 0 && ex >= featureExcess) worst = `feature ${t} <- ${s}: Δ ${delta} vs ${want}`;
    }
    graph.logitTargets.forEach((lt, k) => {
      const delta = demeanedChange(r, out[0], lt.vocabIdx) / amplify;
      const want = entry(lay.logitStart + k, s);
      const ex = excess(delta, want, tol.logitAtol, tol.logitRtol);
      if (ex > 0 && ex >= logitExcess) worst = `logit ${k} <- ${s}: Δ ${delta} vs ${want}`;
      if (ex > logitExcess) logitExcess = ex;
    });
  });
  return { sources: sources.length, featureExcess, logitExcess, worst };
}

/** how far |got − want| exceeds atol + rtol·|want| (NaN counts as failing) */
function excess(got: number, want: number, atol: number, rtol: number): number {
  const e = Math.abs(got - want) - (atol + rtol * Math.abs(want));
  return Number.isNaN(e) ? Infinity : e;
}

function splitBatch(raw: Record<string, { data: Float32Array; dims: number[] }>, ids: number[], L: number, B: number): ForwardResult[] {
  return Array.from({ length: B }, (_, b) => {
    const one: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const [name, t] of Object.entries(raw)) {
      // frozen values come back with batch 1 and stand for every row
      const per = t.data.length / t.dims[0];
      const row = t.dims[0] === 1 ? 0 : b;
      one[name] = { data: t.data.subarray(row * per, (row + 1) * per), dims: [1, ...t.dims.slice(1)] };
    }
    return unpackForward(one, ids, L);
  });
}
