// Names for graph nodes in reports: the graph JSON's node ids (so the panel can select them) and short readable
// descriptions (feature labels, token text).
import { type AttributionGraph, graphLayout } from '../attribution/graph';
import type { EvidenceLookup } from './match';

/** The node id the graph JSON writer gives node i (formats/graphJson.ts). */
export function graphNodeId(g: AttributionGraph, i: number): string {
  const lay = graphLayout(g);
  const P = lay.nPos;
  if (i < lay.errorStart) {
    const a = g.selectedFeatures[i];
    return `${g.activeFeatures.layer[a]}_${g.activeFeatures.feature[a]}_${g.activeFeatures.pos[a]}`;
  }
  if (i < lay.tokenStart) return `${Math.floor((i - lay.errorStart) / P)}_-1_${(i - lay.errorStart) % P}`;
  if (i < lay.logitStart) return `E_${g.inputTokens[i - lay.tokenStart]}_${i - lay.tokenStart}`;
  return `${g.nLayers + 1}_${g.logitTargets[i - lay.logitStart].vocabIdx}_${P - 1}`;
}

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
