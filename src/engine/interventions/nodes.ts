// Graph nodes → interventions: what the graph panel's Ablate / Amplify ×k / Set value / Steer actions send for a
// selection or a supernode. Each feature node changes its feature at its own position (or at every position, or on
// generated tokens); nodes of one position share one intervention.
import { EngineError } from '../errors';
import type { GraphJson } from '../../protocol/graph-json';
import { featureOf, nodeKind } from '../formats/graphJson';
import type { Intervention, InterventionOp } from './spec';

/** 'node': each node's own position (its ctx_idx) */
export type NodePositions = 'node' | 'all' | 'generated';

export function interventionsForNodes(file: GraphJson, nodeIds: readonly string[], op: InterventionOp, where: NodePositions = 'node'): Intervention[] {
  if (nodeIds.length === 0) throw new EngineError('badInput', 'Select at least one feature node to change.');
  const byId = new Map(file.nodes.map((n) => [n.node_id, n]));
  const groups = new Map<string, Intervention>();
  for (const id of nodeIds) {
    const node = byId.get(id);
    if (!node) throw new EngineError('badInput', `The graph has no node "${id}".`);
    const f = featureOf(file, node);
    if (!f) {
      const kind = nodeKind(node);
      const what = kind === 'error' ? 'an error node' : kind === 'embedding' ? 'a token' : kind === 'logit' ? 'an output logit' : `a "${node.feature_type}" node`;
      throw new EngineError('badInput', `Only transcoder features can be changed; "${id}" is ${what}.`);
    }
    const key = where === 'node' ? String(node.ctx_idx) : where;
    const iv = groups.get(key) ?? { features: [], positions: where === 'node' ? [node.ctx_idx] : where, op };
    if (!iv.features.some((x) => x.layer === f.layer && x.feature === f.feature)) iv.features.push(f);
    groups.set(key, iv);
  }
  return [...groups.values()];
}
