// Names for graph nodes in reports: the graph JSON's node ids (so the panel can select them) and short readable
// descriptions (internal.ts: stepName).
import type { AttributionGraph } from '../attribution/graph';
import { graphNodeIds } from '../formats/graphJson';

/** The node id the graph file gives node i (formats/graphJson.ts, ids from src/protocol/nodes.ts). */
export const graphNodeId = (g: AttributionGraph, i: number): string => graphNodeIds(g)[i];
