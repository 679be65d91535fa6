// What an intervention is: set, scale (0 = ablate) or steer one feature or a supernode (several features) at chosen
// positions, in one of circuit-tracer's three modes. Requests are checked against the transcoders and the prompt here,
// and turned into graph columns, one per (feature, operation) with its position mask.
import { ZERO_POSITIONS } from '../model/config';
import { EngineError } from '../errors';

/**
 * free: the real model plus the change; frozen: attention patterns frozen to their clean values; constrained:
 * patterns, norm scales and MLP outputs frozen, so only direct effects propagate (the attribution graph's edges).
 */
export type InterventionMode = 'free' | 'frozen' | 'constrained';
export const INTERVENTION_MODES: readonly InterventionMode[] = ['free', 'frozen', 'constrained'];
export const DEFAULT_INTERVENTION_MODE: InterventionMode = 'free';
export const DEFAULT_TOP_K = 10;
/** how many downstream features with the largest activation change a result lists */
export const DEFAULT_MAX_CHANGES = 20;

/**
 * The new activation, as circuit-tracer's absolute `value` (delta = value − current): `set` to a value, `scale` the
 * current activation (0 ablates), `steer` adds `strength` × the feature's decoder direction (current + strength).
 */
export type InterventionOp = { kind: 'set'; value: number } | { kind: 'scale'; factor: number } | { kind: 'steer'; strength: number };

export interface FeatureRef {
  layer: number;
  feature: number;
}

/**
 * token positions (BOS is 0; negative counts from the end of the prompt); 'all': every position after BOS (where the
 * attribution graph has features) and every generated token; 'generated': generated tokens only
 */
export type Positions = number[] | 'all' | 'generated';

export interface Intervention {
  /** one feature, or several for a supernode */
  features: FeatureRef[];
  /** default 'all' */
  positions?: Positions;
  op: InterventionOp;
}

/** One graph column: a feature, the affine map from its current activation to its delta, and where it applies. */
export interface Column {
  layer: number;
  feature: number;
  /** delta = alpha + beta · current */
  alpha: number;
  beta: number;
  /** prompt positions, or every position ≥ `from` (generated tokens included) */
  positions: { list: number[] } | { from: number };
}

/** delta = alpha + beta·current for each operation */
export function affine(op: InterventionOp): { alpha: number; beta: number } {
  switch (op.kind) {
    case 'set':
      return { alpha: op.value, beta: -1 };
    case 'scale':
      return { alpha: 0, beta: op.factor - 1 };
    case 'steer':
      return { alpha: op.strength, beta: 0 };
  }
}

export const describeOp = (op: InterventionOp): string =>
  op.kind === 'set' ? `= ${op.value}` : op.kind === 'scale' ? (op.factor === 0 ? 'ablated' : `× ${op.factor}`) : `steered by ${op.strength}`;

/**
 * Checks every intervention against the transcoders (n_layers × d_transcoder features) and the prompt length, and
 * returns the graph columns. Errors name the intervention and say what is allowed.
 */
export function planColumns(
  interventions: readonly Intervention[],
  nLayers: number,
  dTranscoder: number,
  nPrompt: number,
  /** 'all' starts here: after the BOS, or after a chat prefix the model's zero positions cover (gemma-3 -it) */
  zeroPositions = ZERO_POSITIONS,
): Column[] {
  if (interventions.length === 0) throw new EngineError('badInput', 'No intervention given: name at least one feature to set, scale or steer.');
  const cols: Column[] = [];
  const seen = new Map<string, { where: string; positions: Column['positions'] }[]>();
  interventions.forEach((iv, i) => {
    const where = `Intervention ${i + 1}`;
    if (iv.features.length === 0) throw new EngineError('badInput', `${where} names no feature.`);
    const amount = iv.op.kind === 'set' ? iv.op.value : iv.op.kind === 'scale' ? iv.op.factor : iv.op.strength;
    if (typeof amount !== 'number' || !Number.isFinite(amount)) {
      throw new EngineError('badInput', `${where}: the ${iv.op.kind === 'set' ? 'value' : iv.op.kind === 'scale' ? 'factor' : 'strength'} ${String(amount)} is not a finite number.`);
    }
    const positions = resolvePositions(iv.positions ?? 'all', nPrompt, where, zeroPositions);
    for (const { layer, feature } of iv.features) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= nLayers) {
        throw new EngineError('badInput', `${where}: feature ${layer}:${feature} does not exist; layers are 0…${nLayers - 1}.`);
      }
      if (!Number.isInteger(feature) || feature < 0 || feature >= dTranscoder) {
        throw new EngineError('badInput', `${where}: feature ${layer}:${feature} does not exist; layer ${layer} has features 0…${dTranscoder - 1}.`);
      }
      const id = `${layer}:${feature}`;
      for (const other of seen.get(id) ?? []) {
        const at = overlap(positions, other.positions);
        if (at !== undefined) {
          throw new EngineError('badInput', `${other.where} and ${where} both change feature ${id} at position ${at}; give each feature and position one operation.`);
        }
      }
      seen.set(id, [...(seen.get(id) ?? []), { where, positions }]);
      cols.push({ layer, feature, ...affine(iv.op), positions });
    }
  });
  return cols;
}

function resolvePositions(p: Positions, nPrompt: number, where: string, zeroPositions: number): Column['positions'] {
  if (p === 'all') return { from: zeroPositions };
  if (p === 'generated') return { from: nPrompt };
  if (!Array.isArray(p) || p.length === 0) throw new EngineError('badInput', `${where}: give at least one position, 'all' or 'generated'.`);
  const list = p.map((x) => {
    if (!Number.isInteger(x) || x >= nPrompt || x < -nPrompt) {
      throw new EngineError('badInput', `${where}: position ${x} is outside the prompt, which has ${nPrompt} tokens (0…${nPrompt - 1}, or −1…−${nPrompt} from the end).`);
    }
    return x < 0 ? nPrompt + x : x;
  });
  return { list: [...new Set(list)].sort((a, b) => a - b) };
}

/** a position both apply to, if any */
function overlap(a: Column['positions'], b: Column['positions']): number | undefined {
  if ('from' in a && 'from' in b) return Math.max(a.from, b.from);
  if ('list' in a && 'list' in b) return a.list.find((p) => b.list.includes(p));
  const [list, from] = 'list' in a ? [a.list, (b as { from: number }).from] : [(b as { list: number[] }).list, a.from];
  return list.find((p) => p >= from);
}

/** the [P, K] mask of the columns over P positions (1 where a column applies) */
export function columnMask(cols: readonly Column[], P: number): Float32Array {
  const K = cols.length;
  const mask = new Float32Array(P * K);
  cols.forEach((c, k) => {
    if ('list' in c.positions) for (const p of c.positions.list) mask[p * K + k] = 1;
    else for (let p = c.positions.from; p < P; p++) mask[p * K + k] = 1;
  });
  return mask;
}

/** a JSON value that is a well-formed intervention list (for the worker protocol) */
export function isInterventionList(v: unknown): v is Intervention[] {
  const rec = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  const num = (x: unknown) => typeof x === 'number';
  return (
    Array.isArray(v) &&
    v.every(
      (iv) =>
        rec(iv) &&
        Array.isArray(iv.features) &&
        iv.features.every((f) => rec(f) && num(f.layer) && num(f.feature)) &&
        (iv.positions === undefined || iv.positions === 'all' || iv.positions === 'generated' || (Array.isArray(iv.positions) && iv.positions.every(num))) &&
        rec(iv.op) &&
        ((iv.op.kind === 'set' && num(iv.op.value)) || (iv.op.kind === 'scale' && num(iv.op.factor)) || (iv.op.kind === 'steer' && num(iv.op.strength)))
    )
  );
}
