// Runs interventions on the current trace's prompt: the graph panel's form (nodes or a supernode → Ablate, Amplify,
// Set value, Steer) and the hover's "Ablate the top feature here". Graph nodes become engine interventions, the
// worker runs them under cancellable progress with the graph's outputs as targets, and each result is kept in the
// graph and shown in the panel's results view.
import * as vscode from 'vscode';
import { EngineError } from '../../engine/errors';
import { interventionsForNodes } from '../../engine/interventions/nodes';
import type { GraphJson, InterventionRecord } from '../../protocol/graph-json';
import type { FromWebview } from '../../protocol/messages';
import type { Engine } from '../engine';
import { showEngineError } from '../engineErrors';
import type { GraphPanel } from '../graphPanel';
import type { PanelAccess } from '../tracePanel';
import { missingModel } from '../selectionTracer';
import { modelLocation } from '../settings';
import { clerpPairs } from '../trace/featureLabels';
import type { TraceView, TracedModel } from '../trace/traceView';
import { effectInWords, graphTargets, interventionRecord, nodeName, targetChangeSentence, topFeatureAt, type InterventionRequest } from './interventionRecord';
import { withEngineProgress } from '../engineProgress';

/** How many next-token candidates a result lists, clean and intervened. */
const TOP_K = 10;

type Outcome = { record: InterventionRecord } | { error: EngineError };

/** Where an intervention runs: a graph, the model to run it on, and where its result goes. */
export interface InterventionTarget {
  readonly traceId: string;
  readonly graph: GraphJson;
  readonly model?: TracedModel;
  /** Keeps the result with the graph (the trace's graph, or an edit of the graph file). */
  keep(record: InterventionRecord): void | Promise<void>;
  readonly panel: GraphPanel | undefined;
}

interface Deps {
  readonly engine: Engine;
  readonly traces: TraceView;
  /** The trace panel: results of the current trace's interventions go to the panel open now. */
  readonly panel: Pick<PanelAccess, 'current'>;
  readonly log: vscode.LogOutputChannel;
  readonly extensionPath: string;
}

export class InterventionRunner {
  private readonly running = new Map<string, AbortController>();
  private count = 0;

  constructor(private readonly deps: Deps) {}

  /** The panel's form: the answer goes back to the panel, engine trouble also to a notification with its action. */
  async fromPanel(message: FromWebview.Intervene): Promise<void> {
    const { traceId, requestId, type: _type, ...request } = message;
    const outcome = await this.run(traceId, request, requestId);
    if ('record' in outcome) return;
    const { error } = outcome;
    this.deps.panel.current?.interventionFailed(traceId, requestId, error.message, error.code === 'cancelled');
    // the panel shows a wrong choice inline; a model or engine problem needs the notification's action
    if (error.code !== 'badInput') void showEngineError(error, this.deps.log);
  }

  /**
   * The form of a graph file's panel: runs on the settings' model (the embedded one by default), which must split
   * the prompt as the graph did; the result is kept by `target.keep` (an edit of the file).
   */
  async fromFile(message: FromWebview.Intervene, target: Omit<InterventionTarget, 'traceId'>): Promise<void> {
    const { traceId, requestId, type: _type, ...request } = message;
    const outcome = await this.runOn({ ...target, traceId }, request, requestId);
    if ('record' in outcome) return;
    target.panel?.interventionFailed(traceId, requestId, outcome.error.message, outcome.error.code === 'cancelled');
    if (outcome.error.code !== 'badInput' && outcome.error.code !== 'cancelled') void showEngineError(outcome.error, this.deps.log);
  }

  cancel(requestId: string): void {
    this.running.get(requestId)?.abort();
  }

  /** The hover's link: ablates the graph's most active feature at a prompt position and says what changed. */
  async ablateTopFeature(arg?: { traceId?: string; ctx?: number }): Promise<InterventionRecord | undefined> {
    const t = this.deps.traces.current;
    if (!t || arg?.traceId !== t.traceId || arg.ctx === undefined) return undefined;
    const token = t.graph.metadata.prompt_tokens[arg.ctx] ?? '';
    const clerps = new Map(clerpPairs(t.qParams.clerps, t.graph.nodes));
    const node = topFeatureAt(t.graph, arg.ctx, clerps);
    // messages are not awaited: a notification resolves only when the user dismisses it
    if (!node) {
      void vscode.window.showWarningMessage(`Self-Tracing: the graph has no feature at ${JSON.stringify(token)} (position ${arg.ctx}) to ablate.`);
      return undefined;
    }
    const name = nodeName(node, clerps);
    const title = `Ablate "${name}" (L${node.layer}) at ${JSON.stringify(token)}`;
    const outcome = await this.run(t.traceId, { nodeIds: [node.node_id], op: { kind: 'scale', factor: 0 }, where: 'node', generate: 0, title });
    if ('error' in outcome) {
      void showEngineError(outcome.error, this.deps.log);
      return undefined;
    }
    const panel = this.deps.panel.current;
    panel?.selectNode(t.traceId, node.node_id);
    panel?.reveal();
    const targetId = t.graph.selfTracing?.target?.tokenId;
    const sentence = targetChangeSentence(outcome.record, targetId);
    void vscode.window.showInformationMessage(`Self-Tracing: ${title}: ${sentence}. ${effectInWords(outcome.record, targetId)}`.trim());
    return outcome.record;
  }

  /** "Ablate this step" of the inline paths: one feature node of the current trace; the caller writes the effect. */
  async ablateNode(arg?: { traceId?: string; nodeId?: string }): Promise<InterventionRecord | undefined> {
    const t = this.deps.traces.current;
    const node = t?.graph.nodes.find((n) => n.node_id === arg?.nodeId);
    if (!t || arg?.traceId !== t.traceId || !node) return undefined;
    const token = t.graph.metadata.prompt_tokens[node.ctx_idx] ?? '';
    const title = `Ablate ${nodeName(node, new Map(clerpPairs(t.qParams.clerps, t.graph.nodes)))} at ${JSON.stringify(token)}`;
    const outcome = await this.run(t.traceId, { nodeIds: [node.node_id], op: { kind: 'scale', factor: 0 }, where: 'node', generate: 0, title });
    if ('error' in outcome) {
      if (outcome.error.code !== 'cancelled') void showEngineError(outcome.error, this.deps.log);
      return undefined;
    }
    return outcome.record;
  }

  private async run(traceId: string, request: InterventionRequest, requestId?: string): Promise<Outcome> {
    const t = this.deps.traces.current;
    if (t?.traceId !== traceId) return { error: new EngineError('badInput', 'That graph is no longer the current trace; trace again to intervene on it.') };
    return this.runOn({
      traceId, graph: t.graph, model: t.model, panel: this.deps.panel.current,
      keep: (record) => this.deps.traces.recordIntervention(traceId, record),
    }, request, requestId);
  }

  private async runOn(target: InterventionTarget, request: InterventionRequest, requestId?: string): Promise<Outcome> {
    const { traceId, graph } = target;
    const t = { graph };
    const model = this.modelFor(target.model);
    if ('error' in model) return model;
    let interventions;
    try {
      interventions = interventionsForNodes(t.graph, request.nodeIds, request.op, request.where);
    } catch (err) {
      return { error: EngineError.from(err) };
    }
    const prompt = t.graph.selfTracing?.source?.text ?? t.graph.metadata.prompt;
    const controller = new AbortController();
    const key = requestId ?? `editor-${++this.count}`;
    this.running.set(key, controller);
    this.deps.log.info(`intervention "${request.title}" on ${request.nodeIds.length} node(s), ${request.mode ?? 'default'} mode, ${request.generate} tokens`);
    try {
      const result = await withEngineProgress(
        `Self-Tracing: ${request.title}`,
        (call) =>
          this.deps.engine.request('intervene', {
            ...model, prompt, interventions, mode: request.mode, generate: request.generate, topK: TOP_K, targets: graphTargets(t.graph),
          }, call),
        controller,
      );
      const traced = t.graph.selfTracing?.tokenIds;
      if (traced && traced.join() !== result.tokens.map((x) => x.id).join()) {
        throw new EngineError('badInput', "This model splits the graph's prompt into other tokens than the graph has, so its nodes' positions do not apply; open the graph with the model it was traced with.");
      }
      const record = interventionRecord(`iv-${Date.now().toString(36)}-${++this.count}`, request, result);
      await target.keep(record);
      target.panel?.interventionResult(traceId, record, requestId);
      this.deps.log.info(`intervention "${request.title}": ${targetChangeSentence(record, t.graph.selfTracing?.target?.tokenId)}`);
      return { record };
    } catch (err) {
      const error = EngineError.from(err);
      if (error.code === 'cancelled') this.deps.log.info(`intervention "${request.title}" cancelled`);
      else this.deps.log.error(`intervention failed [${error.code}]: ${error.message}${error.detail ? `\n${error.detail}` : ''}`);
      return { error };
    } finally {
      this.running.delete(key);
    }
  }

  /** The trace's own model; a graph opened from a file runs on the model in the settings. */
  private modelFor(traced: TracedModel | undefined): { modelDir: string; transcodersDir?: string } | { error: EngineError } {
    if (traced) return { modelDir: traced.modelDir, transcodersDir: traced.transcodersDir };
    const location = modelLocation(this.deps.extensionPath);
    const missing = missingModel(location);
    if (missing) return { error: new EngineError('fileNotFound', missing) };
    return { modelDir: location.modelPath, transcodersDir: location.transcoderPath || undefined };
  }
}
