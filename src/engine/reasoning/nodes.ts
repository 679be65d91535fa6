// Names for graph nodes in reports: the graph JSON's node ids (so the panel can select them) and short readable
// descriptions (feature labels, token text).
import { type AttributionGraph, graphLayout } from '../attribution/graph';
import { graphNodeIds } from '../formats/graphJson';
import type { EvidenceLookup } from './match';

/** The node id the graph file gives node i (formats/graphJson.ts, ids from src/protocol/nodes.ts). */
export const graphNodeId = (g: AttributionGraph, i: number): string => graphNodeIds(g)[i];

/** A short description: a feature's label (or L{layer}/{feature}) with its layer, a token's text, an error's place. */
export function describeNode(g: AttributionGraph, i: number, evidence: EvidenceLookup): string {
  const lay = graphLayout(g);
  if (i < lay.errorStart) {
    const a = g.selectedFeatures[i];
    const l = g.activeFeatures.layer[a];
    const f = g.activeFeatures.feature[a];
    const label = evidence(l, f)?.label;
    return label && !/^L\d+\/\d+$/.test(label) ? `[${label}] (L${l})` : `[L${l}/${f}]`;
  }
  if (i < lay.tokenStart) return `[error L${Math.floor((i - lay.errorStart) / lay.nPos)}]`;
  if (i < lay.logitStart) return JSON.stringify(g.promptTokens[i - lay.tokenStart]);
  return `output ${JSON.stringify(g.logitTargets[i - lay.logitStart].token)}`;
}
