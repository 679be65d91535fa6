// Names for graph nodes in reports: the graph JSON's node ids (so the panel can select them) and short readable
// descriptions (internal.ts: stepName).
import { type AttributionGraph, graphLayout } from '../attribution/graph';

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
