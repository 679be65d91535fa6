// Shared by the case-study tests (docs/case-studies.md): the shipped embedded model traced through the engine's real
// path (tracePrompt with its default pruning, the feature index's labels, as the panel and `self-trace trace` do) and
// intervened on with the same Intervener the panel and `self-trace intervene` use. Features are read off the pruned
// graph, never named by id, so the tests run unchanged on a retrained model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { continuation } from '../../../../src/engine/generate';
import { FeatureIndex } from '../../../../src/engine/features/records';
import { featureOf } from '../../../../src/engine/formats/graphJson';
import { Intervener, type InterveneOptions, type InterventionResult } from '../../../../src/engine/interventions/intervene';
import type { Intervention } from '../../../../src/engine/interventions/spec';
import { loadModel, type Model } from '../../../../src/engine/model/model';
import { loadTranscoders, type TranscoderSet } from '../../../../src/engine/model/transcoders';
import { attributionModel, tracePrompt, type TraceOptions, type TraceResult } from '../../../../src/engine/trace';
import type { GraphJson } from '../../../../src/protocol/graph-json';

export const DIR = path.resolve('models/organism');
const present = ['config.json', 'transcoders', 'features/index.json.gz'].every((f) => fs.existsSync(path.join(DIR, f)));
export const skipNoModel: string | false = present ? false : `the embedded model is not in ${DIR} (needs config.json, transcoders/, features/)`;

/** one feature node of a pruned graph, with what the feature index says about it */
export interface FeatureNode {
  nodeId: string;
  layer: number;
  feature: number;
  /** token position (BOS is 0) */
  pos: number;
  /** its own share of the graph's total logit influence (influenceShares) */
  influence: number;
  activation: number;
  label: string;
  /** the tokens its decoder promotes most, strongest first */
  promotes: string[];
}

export interface Trace extends TraceResult {
  prompt: string;
  ids: number[];
  features: FeatureNode[];
}

/** The model, its attributor, intervener and feature index, loaded once per test file (1 onnxruntime thread). */
export class Organism {
  private constructor(
    readonly model: Model,
    private readonly tc: TranscoderSet,
    private readonly attributor: Attributor,
    readonly intervener: Intervener,
    readonly index: FeatureIndex,
  ) {}

  static async load(): Promise<Organism> {
    const model = await loadModel(DIR, { threads: 1 });
    const tc = loadTranscoders(path.join(DIR, 'transcoders'));
    const am = attributionModel(model);
    return new Organism(model, tc, await Attributor.create(am, tc, { threads: 1 }), await Intervener.create(am, tc, { threads: 1 }), FeatureIndex.open(path.join(DIR, 'features')));
  }

  ids(text: string): number[] {
    return this.model.tokenize(text).map((t) => t.id);
  }

  /** the id of the first token of `text` (as an answer after a prompt, e.g. " Paris") */
  firstToken(text: string): number {
    return this.model.tokenize(text).filter((t) => t.id !== this.model.tokenizer.bosId)[0].id;
  }

  decode(id: number): string {
    return this.model.tokenizer.decode(id);
  }

  /** the prompt's pruned graph with default options, as the panel shows it */
  async trace(prompt: string, opts: TraceOptions = {}): Promise<Trace> {
    const r = await tracePrompt({ model: this.model, attributor: this.attributor, features: this.index }, prompt, opts);
    return { ...r, prompt, ids: r.tokens.map((t) => t.id), features: featureNodes(r.graph) };
  }

  intervene(ids: number[], interventions: Intervention[], opts: InterveneOptions = {}): Promise<InterventionResult> {
    return this.intervener.intervene(ids, interventions, opts);
  }

  /** the model's own greedy continuation of `n` tokens (no intervention) */
  async greedy(ids: number[], n: number): Promise<string> {
    const cfg = this.model.config;
    const next = async (seq: number[]) => {
      const l = await this.model.logits(seq);
      return l.subarray(l.length - cfg.dVocab);
    };
    const decode = (id: number) => this.decode(id);
    return (await continuation(ids, n, { nCtx: cfg.nCtx, eos: cfg.eosTokenIds ?? cfg.eosTokenId, decode, decodeAll: (x) => this.model.tokenizer.decodeAll(x), first: await next(ids) }, next)).text;
  }

  /** the tokens a feature's decoder promotes most, from the feature index */
  promotes(layer: number, feature: number): string[] {
    return this.index.get(layer, feature).top_logits ?? [];
  }

  dispose(): void {
    this.intervener.dispose();
    this.attributor.dispose();
    this.tc.close();
    this.model.dispose();
  }
}

/** the feature nodes of a graph file, most influential first */
export function featureNodes(graph: GraphJson): FeatureNode[] {
  const details = graph.selfTracing?.features ?? {};
  const shares = influenceShares(graph);
  const out: FeatureNode[] = [];
  for (const n of graph.nodes) {
    const f = featureOf(graph, n);
    if (!f || n.feature_type !== 'cross layer transcoder') continue;
    const d = details[`${f.layer}_${f.feature}`];
    const influence = shares.get(n.node_id) ?? 0;
    out.push({ nodeId: n.node_id, layer: f.layer, feature: f.feature, pos: n.ctx_idx, influence, activation: n.activation ?? 0, label: d?.label ?? n.clerp ?? '', promotes: d?.top_logits ?? [] });
  }
  return out.sort((a, b) => b.influence - a.influence);
}

/**
 * Each node's own share of the graph's total logit influence. A graph file's `influence` is circuit-tracer's
 * cumulative score (the share held by the nodes at least as influential, so small = important); sorted, a node's own
 * share is its value minus the one before it (a node the edge pruning dropped adds its share to the next one).
 */
export function influenceShares(graph: GraphJson): Map<string, number> {
  const nodes = graph.nodes.filter((n) => typeof n.influence === 'number').sort((a, b) => a.influence! - b.influence!);
  return new Map(nodes.map((n, i) => [n.node_id, n.influence! - (i ? nodes[i - 1].influence! : 0)]));
}

export const fmt = (x: number, d = 3): string => x.toFixed(d);

/** `feature L/F @pos "label"` for printing */
export const name = (f: Pick<FeatureNode, 'layer' | 'feature' | 'pos' | 'label'>): string => `L${f.layer}/${f.feature}@${f.pos} ${JSON.stringify(f.label)}`;

/**
 * The numbers docs/case-studies.md is written from: printed when SELF_TRACE_CASES is set, and appended as one JSON line
 * to $SELF_TRACE_CASES_OUT/measured.jsonl when that is set (tools/case-studies.mjs reads it).
 */
export function report(theme: string, data: Record<string, unknown>): void {
  if (process.env.SELF_TRACE_CASES) console.log(`CASE ${theme} ${JSON.stringify(data)}`);
  const dir = process.env.SELF_TRACE_CASES_OUT;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    fs.appendFileSync(path.join(dir, 'measured.jsonl'), `${JSON.stringify({ theme, ...data })}\n`);
  }
}

/** ablate (scale 0) each feature at its own position, shifted by `shift` */
export const ablate = (fs: readonly FeatureNode[], shift = 0): Intervention[] =>
  fs.map((f) => ({ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos + shift], op: { kind: 'scale', factor: 0 } }));

/** set each feature to `mult` × its activation on its own graph, at its position shifted by `shift` */
export const setTo = (fs: readonly FeatureNode[], shift = 0, mult = 1): Intervention[] =>
  fs.map((f) => ({ features: [{ layer: f.layer, feature: f.feature }], positions: [f.pos + shift], op: { kind: 'set', value: mult * f.activation } }));

/** the graph's feature nodes with their direct edge weight into the logit node of `tokenId`, largest first */
export function directInto(t: Trace, tokenId: number): { f: FeatureNode; weight: number }[] {
  const logit = t.graph.nodes.find((n) => n.feature_type === 'logit' && n.feature === tokenId);
  if (!logit) return [];
  const w = new Map<string, number>();
  for (const l of t.graph.links) if (l.target === logit.node_id) w.set(l.source, l.weight);
  return t.features.map((f) => ({ f, weight: w.get(f.nodeId) ?? 0 })).sort((a, b) => b.weight - a.weight);
}

/** `layer/feature` (position-free), to match the same feature across prompts */
export const featureKey = (f: Pick<FeatureNode, 'layer' | 'feature'>): string => `${f.layer}/${f.feature}`;

/** sum of the feature nodes' own influence shares */
export const influenceOf = (fs: readonly FeatureNode[]): number => fs.reduce((s, f) => s + f.influence, 0);

/** the top next tokens of an intervention result, for printing */
export const tops = (top: readonly { token: string; prob: number }[], n = 3): string => top.slice(0, n).map((x) => `${JSON.stringify(x.token)} ${x.prob.toFixed(3)}`).join(', ');

/**
 * With SELF_TRACE_CASES_OUT set, writes the case's graph there (temp file + rename) for the screenshot script
 * (test/browser/caseStudies.test.ts), with the node to select in the panel.
 */
export function saveGraph(slug: string, t: Trace, selectNode?: string): void {
  const dir = process.env.SELF_TRACE_CASES_OUT;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${slug}.case.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ slug, selectNode, graph: t.graph }));
  fs.renameSync(`${file}.tmp`, file);
}
