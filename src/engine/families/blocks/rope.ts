// Rotary position embeddings, rotate-half (GPT-NeoX) convention, as transformers' `LlamaRotaryEmbedding`:
// inv_freq[i] = 1 / θ^(2i/d) in fp32, optionally rescaled (`rope_scaling`: linear, llama3), angles p·inv_freq,
// x' = x·cos + rotate_half(x)·sin with cos/sin over cat(angles, angles). Applied to q and k, never v.
// Reference: transformers/modeling_rope_utils.py (_compute_default / _linear / _llama3 parameters).
import { EngineError } from '../../errors';
import type { GraphBuilder } from '../../onnx/builder';

export type RopeScaling =
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number };

export interface RopeParams {
  theta: number;
  /** rotated dimensions (= head_dim for every family here) */
  dim: number;
  scaling?: RopeScaling;
}

const f32 = Math.fround;

/** inv_freq [dim/2], rounded to fp32 at each step as torch computes it */
export function ropeInvFreq(p: RopeParams): Float32Array {
  const half = p.dim / 2;
  const inv = Float32Array.from({ length: half }, (_, i) => f32(1 / f32(Math.pow(p.theta, f32(f32(2 * i) / p.dim)))));
  const s = p.scaling;
  if (!s) return inv;
  if (s.type === 'linear') return inv.map((v) => f32(v / s.factor));
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  return inv.map((v) => {
    const wavelen = f32((2 * Math.PI) / v);
    if (wavelen > lowWavelen) return f32(v / s.factor);
    if (wavelen < highWavelen) return v;
    const smooth = f32((s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor));
    return f32(f32(f32(1 - smooth) * f32(v / s.factor)) + f32(smooth * v));
  });
}

/** reads `rope_scaling` of a config.json (null/absent: none); `file` names the config in errors */
export function parseRopeScaling(raw: unknown, file: string): RopeScaling | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw !== 'object') throw new EngineError('badFile', `${file}: "rope_scaling" must be an object or null.`);
  const r = raw as Record<string, unknown>;
  const type = r.rope_type ?? r.type;
  const num = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new EngineError('badFile', `${file}: "rope_scaling.${key}" must be a positive number for rope_type "${type}", got ${JSON.stringify(v)}.`);
    }
    return v;
  };
  if (type === 'default') return undefined;
  if (type === 'linear') return { type: 'linear', factor: num('factor') };
  if (type === 'llama3') {
    return {
      type: 'llama3',
      factor: num('factor'),
      lowFreqFactor: num('low_freq_factor'),
      highFreqFactor: num('high_freq_factor'),
      originalMaxPositionEmbeddings: num('original_max_position_embeddings'),
    };
  }
  throw new EngineError('unsupported', `${file}: rope_scaling type ${JSON.stringify(type)} is not supported; supported: default, linear, llama3.`);
}

/** cos and sin [P, dim] for positions [P] (int64) */
export function ropeTables(g: GraphBuilder, positions: string, invFreq: Float32Array): { cos: string; sin: string } {
  const pos = g.unsqueeze(g.op('Cast', [positions], { to: 1 }), [1]); // [P, 1] float
  const angles = g.mul(pos, g.constant(invFreq, [1, invFreq.length])); // [P, dim/2]
  const emb = g.concat([angles, angles], -1);
  return { cos: g.op('Cos', [emb]), sin: g.op('Sin', [emb]) };
}

/** x' = x·cos + rotate_half(x)·sin, x [B, H, P, dim] */
export function applyRope(g: GraphBuilder, x: string, t: { cos: string; sin: string }, dim: number): string {
  const [x1, x2] = g.split(x, [dim / 2, dim / 2], -1);
  return g.add(g.mul(x, t.cos), g.mul(g.concat([g.neg(x2), x1], -1), t.sin));
}
