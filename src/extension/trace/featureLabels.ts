// The user's feature labels (clerps), kept in the workspace per transcoder set (`metadata.scan`), so a label given in
// one graph names the same feature in every later graph of that model. The panel edits them per node (qParams
// `clerps`, keyed `${layer}_${feature}_${ctx}` as circuit-tracer keys them); here they are kept per feature.
import type * as vscode from 'vscode';
import { featureIdOf, featureKeyOf, type GraphJson, type GraphQParams } from '../../protocol/graph-json';

const KEY = 'selfTracing.featureLabels';

type Labels = Record<string, Record<string, string>>;

/** qParams `clerps` as pairs, whether stored as an array or as circuit-tracer's JSON string. */
export function clerpPairs(clerps: GraphQParams['clerps']): [string, string][] {
  let value: unknown = clerps;
  if (typeof value === 'string') {
    try {
      value = value.trim() ? JSON.parse(value) : [];
    } catch {
      return [];
    }
  }
  return Array.isArray(value) ? value.filter((p): p is [string, string] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string') : [];
}

export class FeatureLabels {
  constructor(private readonly memento: vscode.Memento) {}

  private all(): Labels {
    return this.memento.get<Labels>(KEY) ?? {};
  }

  /** The graph's qParams with the stored labels of its feature nodes added (labels already in the file win). */
  withStoredLabels(graph: GraphJson): GraphQParams {
    const stored = this.all()[graph.metadata.scan] ?? {};
    const pairs = new Map(clerpPairs(graph.qParams.clerps));
    for (const node of graph.nodes) {
      const key = featureKeyOf(node, graph.metadata.schema_version ?? 0);
      const label = key ? stored[key] : undefined;
      if (label !== undefined && !pairs.has(featureIdOf(node))) pairs.set(featureIdOf(node), label);
    }
    return pairs.size ? { ...graph.qParams, clerps: [...pairs] } : graph.qParams;
  }

  /** Records what the panel changed between two versions of the graph's clerps: new labels, edits and removals. */
  update(graph: GraphJson, before: GraphQParams['clerps'], after: GraphQParams['clerps']): Thenable<void> | undefined {
    const old = new Map(clerpPairs(before));
    const now = new Map(clerpPairs(after));
    const keyOf = new Map(graph.nodes.map((n) => [featureIdOf(n), featureKeyOf(n, graph.metadata.schema_version ?? 0)]));
    const all = this.all();
    const mine = { ...(all[graph.metadata.scan] ?? {}) };
    let changed = false;
    for (const id of new Set([...old.keys(), ...now.keys()])) {
      const key = keyOf.get(id);
      if (!key || old.get(id) === now.get(id)) continue;
      const label = now.get(id);
      if (label === undefined) delete mine[key];
      else mine[key] = label;
      changed = true;
    }
    if (!changed) return undefined;
    return this.memento.update(KEY, { ...all, [graph.metadata.scan]: mine });
  }
}
