// The user's feature labels (clerps), kept in the workspace per model (`selfTracing.model`, else `metadata.scan`),
// so a label given in one graph names the same feature in every later graph of that model. The panel edits them
// per node; files keep them in qParams in their own form (src/protocol/graphForms.ts); here they are per feature.
import type * as vscode from 'vscode';
import type { GraphJson, GraphNode, GraphQParams } from '../../protocol/graph-json';
import { formOf, readSavedView, writeSavedView } from '../../protocol/graphForms';
import { featureIdOf, featureKeyOf } from '../../protocol/nodes';

const KEY = 'selfTracing.featureLabels';

type Labels = Record<string, Record<string, string>>;

/** qParams `clerps` in either form as `[featureId, label]` pairs (circuit-tracer's feature keys expanded). */
export function clerpPairs(clerps: GraphQParams['clerps'], nodes: readonly GraphNode[]): [string, string][] {
  return Object.entries(readSavedView({ qParams: { clerps }, nodes }).clerps);
}

/** Whose labels these are: our graphs name their model; others their transcoder set. */
const scopeOf = (graph: GraphJson): string => graph.selfTracing?.model ?? graph.metadata.scan;

export class FeatureLabels {
  constructor(private readonly memento: vscode.Memento) {}

  private all(): Labels {
    return this.memento.get<Labels>(KEY) ?? {};
  }

  /** The graph's qParams with the stored labels of its feature nodes added, in the file's form (the file's win). */
  withStoredLabels(graph: GraphJson): GraphQParams {
    const stored = this.all()[scopeOf(graph)] ?? {};
    if (Object.keys(stored).length === 0) return graph.qParams;
    const view = readSavedView(graph);
    let added = 0;
    for (const node of graph.nodes) {
      const key = featureKeyOf(node, graph.metadata.schema_version ?? 0);
      const label = key && Object.prototype.hasOwnProperty.call(stored, key) ? stored[key] : undefined;
      if (label !== undefined && !(featureIdOf(node) in view.clerps)) {
        view.clerps[featureIdOf(node)] = label;
        added++;
      }
    }
    return added ? writeSavedView(view, formOf(graph), graph.nodes, graph.qParams).qParams : graph.qParams;
  }

  /** Records what the panel changed between two versions of the graph's clerps: new labels, edits and removals. */
  update(graph: GraphJson, before: GraphQParams['clerps'], after: GraphQParams['clerps']): Thenable<void> | undefined {
    const old = new Map(clerpPairs(before, graph.nodes));
    const now = new Map(clerpPairs(after, graph.nodes));
    const keyOf = new Map(graph.nodes.map((n) => [featureIdOf(n), featureKeyOf(n, graph.metadata.schema_version ?? 0)]));
    const all = this.all();
    const scope = scopeOf(graph);
    const mine = { ...(all[scope] ?? {}) };
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
    return this.memento.update(KEY, { ...all, [scope]: mine });
  }
}
