// Ranges a graph file must keep for the panel to draw it, checked after the schema (graph-json.ts): a file can be
// valid JSON with the right fields and still freeze or crash the panel (a node on layer 1e9 makes 1e9 rows, 1e6
// prompt tokens 1e6 columns, 10^6 nodes overflow spreads and the canvas). Out-of-range values refuse the file with a
// reason; sizes above what the panel draws are cut to the most influential part, with a warning that says so.
// Imports nothing (shared by the host, the CLI and the webview).

/** More prompt tokens than any traced context: the layout gets one column each. */
export const MAX_PROMPT_TOKENS = 8192;
/** Layers of the deepest models traced (a row each). */
export const MAX_LAYERS = 1024;
/** Nodes the panel draws; above it the most influential are kept (embeddings and logits always). */
export const MAX_DRAWN_NODES = 50_000;
/** Links the panel draws; above it the strongest (by |weight|) are kept. */
export const MAX_DRAWN_LINKS = 500_000;

interface NodeLike {
  node_id: string;
  layer: unknown;
  ctx_idx: unknown;
  feature_type: string;
  influence?: unknown;
}
interface LinkLike {
  source: string;
  target: string;
  weight: number;
}

/** The layer as a number when it is one (a number or a numeric string such as "3"), else null ("E", "Lgt"). */
function numericLayer(layer: unknown): number | null {
  if (typeof layer === 'number') return layer;
  if (typeof layer === 'string' && layer.trim() !== '' && Number.isFinite(Number(layer))) return Number(layer);
  return null;
}

/** The first out-of-range value as a reason (for `{ ok: false, reason }`), or undefined when all fit. */
export function graphRangeProblem(promptTokens: readonly unknown[], nodes: readonly NodeLike[]): string | undefined {
  if (promptTokens.length > MAX_PROMPT_TOKENS) {
    return `metadata.prompt_tokens has ${promptTokens.length} tokens; the panel shows graphs of up to ${MAX_PROMPT_TOKENS} tokens`;
  }
  for (const n of nodes) {
    const ctx = n.ctx_idx as number;
    if (ctx < 0 || ctx >= MAX_PROMPT_TOKENS) return `node ${n.node_id}: ctx_idx ${ctx} is not a position from 0 to ${MAX_PROMPT_TOKENS - 1}`;
    const layer = numericLayer(n.layer);
    if (layer !== null && (!Number.isInteger(layer) || layer < -1 || layer > MAX_LAYERS)) {
      return `node ${n.node_id}: layer ${JSON.stringify(n.layer)} is not a layer number from 0 to ${MAX_LAYERS}`;
    }
  }
  return undefined;
}

const rank = (n: NodeLike): number => (typeof n.influence === 'number' && Number.isFinite(n.influence) ? n.influence : Number.POSITIVE_INFINITY);
const always = (n: NodeLike) => n.feature_type === 'embedding' || n.feature_type === 'logit';

/**
 * Cuts a graph above the panel's limits: keeps embeddings, logits and then the nodes of smallest cumulative influence
 * (most important) up to MAX_DRAWN_NODES, the links between kept nodes, and of those the strongest MAX_DRAWN_LINKS.
 * Returns the arrays (the same ones when nothing was cut) and a warning per cut.
 */
export function capGraph<N extends NodeLike, L extends LinkLike>(nodes: N[], links: L[]): { nodes: N[]; links: L[]; warnings: string[] } {
  const warnings: string[] = [];
  let keptNodes = nodes;
  let keptLinks = links;
  if (nodes.length > MAX_DRAWN_NODES) {
    const order = nodes.map((_, i) => i).sort((a, b) => Number(always(nodes[b])) - Number(always(nodes[a])) || rank(nodes[a]) - rank(nodes[b]) || a - b);
    const keep = new Uint8Array(nodes.length);
    for (let k = 0; k < MAX_DRAWN_NODES; k++) keep[order[k]] = 1;
    keptNodes = nodes.filter((_, i) => keep[i]);
    const ids = new Set(keptNodes.map((n) => n.node_id));
    keptLinks = links.filter((l) => ids.has(l.source) && ids.has(l.target));
    warnings.push(`the graph has ${nodes.length} nodes; the panel draws the ${MAX_DRAWN_NODES} most influential (prune the file with a lower node threshold to see a chosen part)`);
  }
  if (keptLinks.length > MAX_DRAWN_LINKS) {
    const n = keptLinks.length;
    keptLinks = [...keptLinks].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, MAX_DRAWN_LINKS);
    warnings.push(`the graph has ${n} links between drawn nodes; the panel draws the ${MAX_DRAWN_LINKS} strongest`);
  }
  return { nodes: keptNodes, links: keptLinks, warnings };
}
