// Shared by the case-study tests (docs/case-studies.md): the shipped embedded model traced through the engine's real
// path (tracePrompt with its default pruning, the feature index's labels, as the panel and `self-trace trace` do) and
// intervened on with the same Intervener the panel and `self-trace intervene` use. Features are read off the pruned
// graph, never named by id, so the tests run unchanged on a retrained model.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Attributor } from '../../../../src/engine/attribution/attribute';
import { continuation } from '../../../../src/engine/generate';
import { FeatureIndex } from '../../../../src/engine/features/records';
import { featureOf } from '../../../../src/engine/formats/graphJson';
import { Intervener, type InterveneOptions, type InterventionResult } from '../../../../src/engine/interventions/intervene';
import type { Intervention, InterventionMode } from '../../../../src/engine/interventions/spec';
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

/** a feature's position shifted by `shift`; the Intervener reads a negative position from the end, so a shift past BOS is a bug */
function shifted(f: FeatureNode, shift: number): number {
  const p = f.pos + shift;
  if (p < 1) throw new Error(`L${f.layer}/${f.feature}@${f.pos} shifted by ${shift} lands on position ${p}, before the first token`);
  return p;
}

/** ablate (scale 0) each feature at its own position, shifted by `shift` */
export const ablate = (fs: readonly FeatureNode[], shift = 0): Intervention[] =>
  fs.map((f) => ({ features: [{ layer: f.layer, feature: f.feature }], positions: [shifted(f, shift)], op: { kind: 'scale', factor: 0 } }));

/** set each feature to `mult` × its activation on its own graph, at its position shifted by `shift` */
export const setTo = (fs: readonly FeatureNode[], shift = 0, mult = 1): Intervention[] =>
  fs.map((f) => ({ features: [{ layer: f.layer, feature: f.feature }], positions: [shifted(f, shift)], op: { kind: 'set', value: mult * f.activation } }));

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

// ---- sweeps: each claim measured over many prompts of its theme, with a control ----

/**
 * The sweeps (each theme's claim over the build's own evaluation prompts, with a control and, where a claim fails, a
 * bound) take minutes: they run when SELF_TRACE_CASES_SWEEP is set (tools/case-studies.mjs sets it).
 */
export const skipNoSweep: string | false = skipNoModel || (process.env.SELF_TRACE_CASES_SWEEP ? false : 'a sweep over many prompts (minutes): run with SELF_TRACE_CASES_SWEEP=1, as tools/case-studies.mjs does');

/** one of the build's evaluation prompts (tools/organism/gen-corpus.mjs writes them to eval.jsonl) */
export interface EvalPrompt { theme: string; family: string; prompt: string; answer: string; rhymes?: string[] }
/** the corpus generator's fact tables and held-out sets (facts.json) */
export interface Facts { states: { state: string; capital: string; cities: string[] }[]; heldOutCities: string[]; oodCities: string[]; opposites: string[][] }

const generated = new Map<string, string>();
/**
 * Runs the corpus generator with the seed and recipe the shipped build recorded (models/organism/SHA256SUMS.env; run
 * from the repo root, as DIR is) into a temporary folder, removed when the process exits. `full`: with the build's
 * DOCS too, so that its evaluation prompts are the build's own (the couplets and chains depend on DOCS: the documents
 * and the evaluation draw from one random stream; 2-3 s and 20 MB); otherwise no documents, enough for the fact tables
 * (the same whatever DOCS is).
 */
function generatedDir(full: boolean): string {
  const key = full ? 'full' : 'facts';
  let dir = generated.get(key);
  if (!dir) {
    const env = fs.readFileSync(path.join(DIR, 'SHA256SUMS.env'), 'utf8');
    const param = (k: string) => {
      const m = new RegExp(`\\b${k}=(\\S+)`).exec(env);
      if (!m) throw new Error(`models/organism/SHA256SUMS.env does not record ${k}`);
      return m[1];
    };
    const made = fs.mkdtempSync(path.join(os.tmpdir(), 'case-corpus-'));
    process.on('exit', () => fs.rmSync(made, { recursive: true, force: true }));
    execFileSync(process.execPath, [path.resolve('tools/organism/gen-corpus.mjs'), made, param('SEED'), full ? param('DOCS') : '0'], { env: { ...process.env, RECIPE: param('RECIPE') }, stdio: ['ignore', 'ignore', 'inherit'] });
    generated.set(key, made);
    dir = made;
  }
  return dir;
}
export const corpusFacts = (): Facts => JSON.parse(fs.readFileSync(path.join(generatedDir(false), 'facts.json'), 'utf8'));
export function evalPrompts(family: string): EvalPrompt[] {
  const lines = fs.readFileSync(path.join(generatedDir(true), 'eval.jsonl'), 'utf8').trim().split('\n');
  const out = lines.map((l) => JSON.parse(l) as EvalPrompt).filter((r) => r.family === family);
  if (out.length === 0) throw new Error(`the build's evaluation has no prompts of family ${family}`);
  return out;
}

/** `n` items spread evenly over `xs` (every k-th), so a sweep covers the whole list, not its first block */
export function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}

/** a deterministic generator in [0, 1) (mulberry32), for the controls' random picks; a string seed (prompt and arm) is hashed */
export function seeded(seed: number | string): () => number {
  let a = typeof seed === 'number' ? seed >>> 0 : [...seed].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** every feature active (activation > 0) on the clean run of `ids` at `positions`, as feature nodes (no graph fields) */
export async function activeAt(o: Organism, ids: number[], positions: readonly number[]): Promise<FeatureNode[]> {
  for (const p of positions) if (!Number.isInteger(p) || p < 1 || p >= ids.length) throw new Error(`position ${p} is not a token of the ${ids.length}-token prompt (BOS is 0)`);
  const acts = await o.intervener.activations(ids);
  const n = o.intervener.transcoders.dTranscoder;
  const out: FeatureNode[] = [];
  for (let l = 0; l < acts.act.length; l++) {
    for (const p of positions) {
      for (let f = 0; f < n; f++) {
        const a = acts.act[l][p * n + f];
        if (a > 0) out.push({ nodeId: '', layer: l, feature: f, pos: p, influence: 0, activation: a, label: '', promotes: [] });
      }
    }
  }
  return out;
}

/**
 * The control for a feature set: as many features, at the same positions (the same number at each), drawn at random
 * from `pool` (default: every feature active there) minus the set itself and `avoid`, each matched in activation: for
 * each chosen feature, one of the NEAREST candidates closest to its activation. With an ordered pool (`differential`)
 * the candidates at a position are the first 2 × as many as the set has there. Throws when a position has fewer
 * candidates than the set, so a control is never smaller than its set, unless `allowShort` (then it takes them all:
 * where the set is most of the features active at a position, the control cannot match it).
 */
export async function controlFor(
  o: Organism,
  ids: number[],
  chosen: readonly FeatureNode[],
  rand: () => number,
  opts: { avoid?: readonly FeatureNode[]; pool?: readonly FeatureNode[]; allowShort?: boolean } = {},
): Promise<FeatureNode[]> {
  const NEAREST = 5;
  const taken = new Set([...chosen, ...(opts.avoid ?? [])].map((f) => `${featureKey(f)}@${f.pos}`));
  const positions = [...new Set(chosen.map((f) => f.pos))];
  const pool = (opts.pool ?? (await activeAt(o, ids, positions))).filter((f) => !taken.has(`${featureKey(f)}@${f.pos}`));
  const out: FeatureNode[] = [];
  for (const pos of positions) {
    const mine = chosen.filter((f) => f.pos === pos).sort((a, b) => b.activation - a.activation);
    let here = pool.filter((f) => f.pos === pos);
    if (opts.pool) here = here.slice(0, 2 * mine.length);
    if (here.length < mine.length && !opts.allowShort) throw new Error(`the control needs ${mine.length} features at position ${pos}; only ${here.length} are active there`);
    for (const f of mine.slice(0, here.length)) {
      here.sort((a, b) => Math.abs(a.activation - f.activation) - Math.abs(b.activation - f.activation));
      const j = Math.floor(rand() * Math.min(NEAREST, here.length));
      out.push(here.splice(j, 1)[0]);
    }
  }
  return out;
}

/**
 * The features active on prompt `a` at `positions`, most changed first: by their activation on `a` minus that on `b` at
 * the position the same distance from the end (0 where `b` has no such position or the feature is inactive there). A
 * swap's control draws from the front of this list (`controlFor`'s `pool`), so it changes features that differ between
 * the prompts, as the rule does, rather than features both prompts share at about the same value.
 */
export async function differential(o: Organism, a: number[], b: number[], positions: readonly number[]): Promise<FeatureNode[]> {
  const shift = a.length - b.length;
  const actsB = await o.intervener.activations(b);
  const n = o.intervener.transcoders.dTranscoder;
  const onB = (f: FeatureNode) => (f.pos - shift >= 1 ? actsB.act[f.layer][(f.pos - shift) * n + f.feature] : 0);
  const diff = (f: FeatureNode) => f.activation - onB(f);
  return (await activeAt(o, a, positions)).sort((x, y) => diff(y) - diff(x));
}

/**
 * The full feature patch: every transcoder feature active on either prompt at `positions` of `target` set to its
 * activation on `source` at the position the same distance from the end (0 where it is inactive there, or where
 * `source` has no such position). It reaches what any choice of features at those positions and at values the model
 * produces could reach, and no more: the token embeddings, the attention reading them and each MLP's error term (the
 * part its transcoder does not reconstruct) stay those of `target`, and positions outside `positions` are untouched.
 */
export async function fullPatch(o: Organism, target: number[], source: number[], positions: readonly number[]): Promise<Intervention[]> {
  const shift = target.length - source.length;
  const [a, b] = [await o.intervener.activations(target), await o.intervener.activations(source)];
  const n = o.intervener.transcoders.dTranscoder;
  const out: Intervention[] = [];
  for (let l = 0; l < a.act.length; l++) {
    for (const p of positions) {
      const q = p - shift;
      for (let f = 0; f < n; f++) {
        const x = a.act[l][p * n + f];
        const y = q >= 1 ? b.act[l][q * n + f] : 0;
        if (x > 0 || y > 0) out.push({ features: [{ layer: l, feature: f }], positions: [p], op: { kind: 'set', value: y } });
      }
    }
  }
  return out;
}

/** the top next token after an intervention, and with `generate` the greedy continuation with it held */
export async function topAfter(o: Organism, ids: number[], iv: Intervention[], mode: InterventionMode = 'free', generate = 0): Promise<{ id: number; token: string; prob: number; text: string }> {
  const r = await o.intervene(ids, iv, { mode, topK: 3, generate });
  return { ...r.intervened.top[0], text: r.intervened.continuation?.text ?? '' };
}

export const positionsFrom = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

/** a sweep's tally: for each measure (the claim, its control, its bound), how many tries and how many held */
export class Tally {
  private readonly tries = new Map<string, [number, number]>();
  /** prompts left out, with why (the model does not give the expected answer on them) */
  readonly excluded: string[] = [];
  add(what: string, held: boolean): void {
    const [k, n] = this.tries.get(what) ?? [0, 0];
    this.tries.set(what, [k + (held ? 1 : 0), n + 1]);
  }
  tried(what: string): number {
    return this.tries.get(what)?.[1] ?? 0;
  }
  rate(what: string): number {
    const t = this.tries.get(what);
    if (!t || t[1] === 0) throw new Error(`nothing was measured as ${JSON.stringify(what)} (measured: ${[...this.tries.keys()].join('; ')})`);
    return t[0] / t[1];
  }
  /** `k/n (rate)` per measure, for the doc */
  summary(): Record<string, string> {
    return Object.fromEntries([...this.tries].map(([w, [k, n]]) => [w, `${k}/${n} (${((100 * k) / n).toFixed(0)} %)`]));
  }
}
