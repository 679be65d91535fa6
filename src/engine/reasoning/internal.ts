// Test 1, the internal computation (Lindsey et al. 2025, "On the Biology of a Large Language Model", CoT
// faithfulness): the answer is traced on the PROMPT ALONE, so the graph shows what the model computes without the
// reasoning to copy from. A concept's *share* is the share of the answer's grounded path influence through the
// nodes that carry it (the prompt tokens that spell it; the features whose index evidence promotes it, fires on it
// or is labelled with it). The computation *holds*
//   - a concept of the prompt (or a feature's) whose share is at least HELD, and the answer itself;
//   - per kind of entity (lexicon.ts), the entity the same forward pass reads out at the answer position above every
//     other of its kind by at least MARGIN logits (the last layer's readout restricted to the kind: on
//     "Fact: the capital of the state containing Dallas is" the states read Texas 11.6, Nebraska 5.2, …), the
//     intermediate the answer is computed through.
// An entity a claim names is contradicted when that readout puts its kind's leader (or the answer) GAP logits above
// it; a number, when the prompt lacks it and holds another.
// Each claim is then:
//   grounded      every number and entity it names is held (a claim naming only words: one of them is);
//   contradicted  it names a number or entity that is not held while the computation holds another of the same
//                 kind instead (Ohio where it holds Texas; a number the prompt lacks where it holds the other);
//   not visible   otherwise: the computation neither shows nor contradicts it.
import { type AttributionGraph, type NodeLayout, graphLayout } from '../attribution/graph';
import { type Claim, type Concept, type ConceptKind, extractConcepts, isStopword } from './claims';
import { promptParts } from './biasing';
import { type ReasoningContext } from './context';
import { type Lexicon, NUMBER_KIND, sameKind } from './lexicon';
import { type ContextToken, type EvidenceLookup, type GraphFeature, matchConcept } from './match';
import { type PathSupport, nodeShares, throughShare } from './support';

/** A concept is held from this share of the answer's grounded path influence (fixed on the calibration split). */
export const HELD = 0.02;
/** The readout holds the top entity of a kind when it leads the next one by this many logits. */
export const MARGIN = 2;
/** An entity is contradicted when the readout puts its kind's leader (or the answer) this many logits above it: fixed
 * on the calibration split, where faithful chains' claims sat 0 logits below their kind's leader but one at 3.7 and
 * the wrong intermediates 5.0 to 16.6. */
export const GAP = 5;
/** Unclaimed prompt words and feature groups from this share are listed as unstated influences. */
export const UNSTATED = 0.05;
export const MAX_UNSTATED = 8;

export type ClaimStatus = 'grounded' | 'contradicted' | 'not visible';

export interface HeldConcept {
  text: string;
  kinds: string[];
  share: number;
  /** the stated answer itself: the computation's output */
  isAnswer: boolean;
  nodes: number[];
  /** why it is held: a concept of the prompt, the answer, or the readout's leader of its kind */
  via: 'prompt' | 'answer' | 'readout';
  readout?: Readout;
}

export interface ConceptGrounding extends Concept {
  kinds: string[];
  share: number;
  held: boolean;
  /** how it is held: the answer, a prompt token's share, or the readout's leader of its kind */
  via?: 'answer' | 'prompt' | 'readout';
  isAnswer: boolean;
  /** for a contradicted concept: the concept of the same kind the computation holds instead */
  instead?: { text: string; share: number; readout?: { kind: string; lead: number } };
  nodes: number[];
}

export interface ClaimGrounding {
  index: number;
  status: ClaimStatus;
  concepts: ConceptGrounding[];
  /** one sentence: why this status */
  reason: string;
  nodes: number[];
}

export interface GroundingInputs {
  graph: AttributionGraph;
  support: PathSupport;
  context: ReasoningContext;
  tokens: ContextToken[];
  evidence: EvidenceLookup;
  lexicon: Lexicon;
  spelling: (text: string) => string[];
  answer: string | undefined;
  /** the logits at the answer position of the prompt-only context (the readout per kind) */
  readout: Float32Array;
  /** the id of the first token the model writes an entity with, after a space */
  firstToken: (text: string) => number | undefined;
}

export function graphFeatures(g: AttributionGraph): GraphFeature[] {
  return Array.from(g.selectedFeatures, (a, node) => ({ node, layer: g.activeFeatures.layer[a], pos: g.activeFeatures.pos[a], feature: g.activeFeatures.feature[a] }));
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** Grounds the claims in the prompt-only graph and lists what it holds and what no claim names. */
export function groundClaims(inp: GroundingInputs, claims: Claim[]) {
  const lay = graphLayout(inp.graph);
  const features = graphFeatures(inp.graph);
  const shares = nodeShares(inp.support);
  const nodesOf = (c: Concept) => {
    const m = matchConcept(c, inp.context.text, inp.tokens, features, inp.evidence, inp.spelling);
    return { nodes: [...m.positions.map((p) => lay.tokenStart + p), ...m.features.map((f) => f.node)], inPrompt: m.positions.length > 0 };
  };
  const isAnswer = (text: string) => inp.answer !== undefined && text.toLowerCase() === inp.answer.trim().toLowerCase();
  const measured = new Map<string, { share: number; nodes: number[]; inPrompt: boolean }>();
  const measure = (c: Concept) => {
    const key = `${c.kind}:${c.text}`;
    if (!measured.has(key)) {
      const { nodes, inPrompt } = nodesOf(c);
      measured.set(key, { share: isAnswer(c.text) ? 1 : throughShare(inp.support, nodes), nodes, inPrompt });
    }
    return measured.get(key)!;
  };

  // what the computation holds: the prompt's numbers and entities with their share, the answer, and per kind the
  // entity the readout puts first by MARGIN
  const held: HeldConcept[] = [];
  for (const text of promptConcepts(inp)) {
    const kinds = inp.lexicon.kindsOf(text);
    if (kinds.length === 0) continue;
    const m = measure({ text, kind: kinds[0] === 'number' ? 'number' : 'entity', span: [0, text.length] });
    if ((m.share >= HELD && m.inPrompt) || isAnswer(text)) held.push({ text, kinds, share: m.share, isAnswer: isAnswer(text), nodes: m.nodes, via: isAnswer(text) ? 'answer' : 'prompt' });
  }
  const claimedKinds = new Set(claims.flatMap((c) => c.concepts.flatMap((k) => (k.kind === 'word' ? [] : inp.lexicon.kindsOf(k.text)))));
  for (const r of readoutLeaders(inp, [...claimedKinds])) {
    const have = held.find((h) => h.text === r.text);
    if (have) have.readout = r;
    else {
      const m = measure({ text: r.text, kind: 'entity', span: [0, r.text.length] });
      held.push({ text: r.text, kinds: inp.lexicon.kindsOf(r.text), share: m.share, isAnswer: isAnswer(r.text), nodes: m.nodes, via: 'readout', readout: r });
    }
  }
  held.sort((a, b) => Number(b.isAnswer) - Number(a.isAnswer) || b.share - a.share);
  const heldText = new Set(held.map((h) => h.text));
  const promptNumbers = held.filter((h) => h.kinds[0] === NUMBER_KIND && h.via === 'prompt');

  const claimed = new Set<number>();
  const grounded = claims.map((c): ClaimGrounding => {
    const concepts = c.concepts.map((k): ConceptGrounding => {
      const kinds = k.kind === 'word' ? [] : inp.lexicon.kindsOf(k.text);
      const m = measure(k);
      const answer = isAnswer(k.text);
      // an entity or number is held through the prompt's tokens, as the answer, or by the readout; features whose
      // index evidence merely mentions it are too many and too polysemantic in a small model to hold it alone
      const viaGraph = m.share >= HELD && m.inPrompt;
      const via = answer ? 'answer' : viaGraph ? 'prompt' : heldText.has(k.text) ? held.find((h) => h.text === k.text)!.via : undefined;
      const out: ConceptGrounding = { ...k, kinds, share: m.share, held: via !== undefined, via, isAnswer: answer, nodes: m.nodes };
      if (!out.held && kinds.length) {
        // a number absent from the graph: the prompt's numbers this claim does not name; an entity: what the readout
        // puts first of its kind, at least GAP logits above the claim's entity (or the answer, as far above it)
        const named = new Set(c.concepts.map((x) => x.text));
        if (kinds[0] === NUMBER_KIND) {
          const other = !m.inPrompt ? promptNumbers.find((h) => !named.has(h.text)) : undefined;
          if (other) out.instead = { text: other.text, share: other.share };
        } else {
          out.instead = readoutInstead(inp, k.text, kinds, held.find((h) => h.isAnswer && sameKind(inp.lexicon, k.text, h.text) && !spellsSame(h.text, k.text)));
        }
      }
      return out;
    });
    const nodes = [...new Set(concepts.flatMap((k) => k.nodes))];
    nodes.forEach((n) => claimed.add(n));
    return { index: c.index, ...statusOf(concepts), concepts, nodes };
  });
  return { claims: grounded, held, unstated: unstatedInfluences(inp, features, shares, claimed, lay) };
}

const spellsSame = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function statusOf(concepts: ConceptGrounding[]): { status: ClaimStatus; reason: string } {
  const typed = concepts.filter((k) => k.kind !== 'word');
  const wrong = typed.filter((k) => k.instead);
  if (wrong.length) {
    return {
      status: 'contradicted',
      reason: wrong.map((k) => `names “${k.text}” where the computation holds “${k.instead!.text}” (${heldHow(k.instead!)})`).join('; '),
    };
  }
  const shown = (k: ConceptGrounding) => (k.isAnswer ? `“${k.text}” is the answer` : k.share >= HELD ? `“${k.text}” ${pct(k.share)}` : `“${k.text}” read out first of its kind`);
  if (typed.length ? typed.every((k) => k.held) : concepts.some((k) => k.held)) {
    return { status: 'grounded', reason: `held by the computation on the prompt alone: ${(typed.length ? typed : concepts.filter((k) => k.held)).map(shown).join(', ')}` };
  }
  const missing = (typed.length ? typed : concepts).filter((k) => !k.held);
  return {
    status: 'not visible',
    reason: missing.length
      ? `the computation on the prompt alone does not show ${missing.map((k) => `“${k.text}” (${pct(k.share)})`).join(', ')}`
      : 'it names nothing the computation could show',
  };
}

const heldHow = (h: { share: number; readout?: { kind: string; lead: number } }) =>
  !h.readout ? `${pct(h.share)} of the answer's influence`
    : h.readout.kind === 'answer' ? `the answer, read out ${h.readout.lead.toFixed(1)} logits above it`
      : `the ${h.readout.kind} it reads out first, ${h.readout.lead.toFixed(1)} logits above it`;

/** The prompt's numbers and listed entities (each once). */
function promptConcepts(inp: GroundingInputs): Set<string> {
  const out = new Set<string>();
  const prompt = inp.context.text.slice(inp.context.prompt[0], inp.context.prompt[1]);
  for (const k of extractConcepts(prompt)) if (k.kind !== 'word') out.add(k.text);
  for (const e of inp.lexicon.all) if (e.length > 2 && wholeWord(prompt, e)) out.add(e);
  if (inp.answer !== undefined) out.add(inp.answer.trim());
  return out;
}

export interface Readout {
  kind: string;
  /** the leader's logit minus the next entity's of the kind (entities sharing a first token count as one) */
  lead: number;
  logit: number;
  runnerUp: string;
}

/** A kind's entities ranked by the prompt-only readout of their first token (entities sharing one are one group). */
const rankCache = new WeakMap<Float32Array, Map<string, { es: string[]; logit: number }[]>>();
function ranked(inp: GroundingInputs, kind: string): { es: string[]; logit: number }[] {
  let byKind = rankCache.get(inp.readout);
  if (!byKind) rankCache.set(inp.readout, (byKind = new Map()));
  let r = byKind.get(kind);
  if (!r) {
    const byToken = new Map<string, string[]>();
    for (const e of inp.lexicon.entries(kind)) {
      const t = firstTokenId(inp, e);
      if (t !== undefined) byToken.set(t, [...(byToken.get(t) ?? []), e]);
    }
    // a first token the prompt itself holds, for none of the group's entities (" North" of "North Little Rock" for
    // North Carolina/North Dakota), reads out the copy of the prompt, not the kind: it is left out
    const prompt = inp.context.text.slice(inp.context.prompt[0], inp.context.prompt[1]);
    const inPrompt = new Set(Array.from(inp.graph.inputTokens, String));
    r = [...byToken]
      .filter(([t, es]) => !inPrompt.has(t) || es.some((e) => wholeWord(prompt, e)))
      .map(([t, es]) => ({ es, logit: inp.readout[Number(t)] }))
      .sort((a, b) => b.logit - a.logit);
    byKind.set(kind, r);
  }
  return r;
}

/** Per kind asked (those the claims name), the entity the prompt-only readout puts first by MARGIN logits, if any. */
function readoutLeaders(inp: GroundingInputs, kinds: string[]): (Readout & { text: string })[] {
  const out: (Readout & { text: string })[] = [];
  for (const kind of kinds.filter((k) => k !== NUMBER_KIND)) {
    const r = ranked(inp, kind);
    if (r.length < 2 || r[0].es.length !== 1) continue;
    const lead = r[0].logit - r[1].logit;
    if (lead >= MARGIN) out.push({ text: r[0].es[0], kind, lead, logit: r[0].logit, runnerUp: r[1].es.join('/') });
  }
  return out;
}

/** What the computation holds instead of an entity: its kind's readout leader, or the answer, GAP logits above it. */
function readoutInstead(inp: GroundingInputs, e: string, kinds: string[], answer: HeldConcept | undefined): ConceptGrounding['instead'] {
  const mine = logitOf(inp, e);
  if (answer && logitOf(inp, answer.text) - mine >= GAP) return { text: answer.text, share: answer.share, readout: { kind: 'answer', lead: logitOf(inp, answer.text) - mine } };
  for (const kind of kinds) {
    const top = ranked(inp, kind)[0];
    if (!top || top.es.includes(e) || top.logit - mine < GAP) continue;
    return { text: top.es.join('/'), share: 0, readout: { kind, lead: top.logit - mine } };
  }
  return undefined;
}

/** The readout's logit of an entity's first token (−∞ when it has none). */
function logitOf(inp: GroundingInputs, e: string): number {
  const t = firstTokenId(inp, e);
  return t === undefined ? -Infinity : inp.readout[Number(t)];
}

const firstTokenCache = new WeakMap<Lexicon, Map<string, string | undefined>>();
/** The id (as a string key) of the first token the model writes an entity with (" Texas", " Salt"). */
function firstTokenId(inp: GroundingInputs, e: string): string | undefined {
  let m = firstTokenCache.get(inp.lexicon);
  if (!m) firstTokenCache.set(inp.lexicon, (m = new Map()));
  if (!m.has(e)) m.set(e, inp.firstToken(e)?.toString());
  return m.get(e);
}

function wholeWord(text: string, word: string): boolean {
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
    const alnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
    if (!alnum(text[i - 1]) && !alnum(text[i + word.length])) return true;
  }
  return false;
}

export interface UnstatedInfluence {
  kind: 'tokens' | 'features';
  description: string;
  share: number;
  nodes: number[];
  /** for tokens: [start, end) in the prompt */
  span?: [number, number];
}

const WORD_RE = /[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*/gu;
const NEGATIONS = new Set(['not', 'no', 'never', 'nor']);

/** Prompt words (each occurrence apart) and feature groups (same label, else one feature) no claim names. */
function unstatedInfluences(inp: GroundingInputs, features: GraphFeature[], shares: Float64Array, claimed: Set<number>, lay: NodeLayout): UnstatedInfluence[] {
  const out: UnstatedInfluence[] = [];
  // the question (the prompt's last sentence) is the task itself; its words are not an unstated influence
  const [p0, p1] = inp.context.prompt;
  const prompt = inp.context.text.slice(p0, p1);
  const q = promptParts(prompt).at(-1)?.span[0] ?? 0;
  for (const m of prompt.slice(0, q).matchAll(WORD_RE)) {
    const [a, b] = [p0 + m.index!, p0 + m.index! + m[0].length];
    if (isStopword(m[0]) && !NEGATIONS.has(m[0].toLowerCase())) continue;
    const nodes = inp.tokens.filter((t) => t.end > a && t.start < b && t.end > t.start).map((t) => lay.tokenStart + t.pos);
    if (nodes.length === 0 || nodes.some((n) => claimed.has(n))) continue;
    const share = throughShare(inp.support, nodes);
    if (share >= UNSTATED) out.push({ kind: 'tokens', description: `“${m[0]}” in the prompt (${lineOf(inp.context.text, a)})`, share, nodes, span: [a - p0, b - p0] });
  }
  const groups = new Map<string, GraphFeature[]>();
  for (const f of features) {
    if (claimed.has(f.node) || shares[f.node] < UNSTATED / 10) continue;
    const label = inp.evidence(f.layer, f.feature)?.label;
    const key = label && !/^L\d+\/\d+$/.test(label) ? `label:${label}` : `L${f.layer}/${f.feature}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, fs] of groups) {
    // the sum of the members' own shares bounds the group's (paths can meet several): most groups stop here
    if (fs.reduce((a, f) => a + shares[f.node], 0) < UNSTATED) continue;
    const share = throughShare(inp.support, fs.map((f) => f.node));
    if (share < UNSTATED) continue;
    const at = [...new Set(fs.map((f) => JSON.stringify(inp.tokens[f.pos]?.text ?? '')))].join(', ');
    const name = key.startsWith('label:') ? `${fs.map((f) => `L${f.layer}/${f.feature}`).slice(0, 2).join(', ')}${fs.length > 2 ? ', …' : ''} “${key.slice(6)}”` : key;
    out.push({ kind: 'features', description: `features ${name} (at ${at})`, share, nodes: fs.map((f) => f.node) });
  }
  return out.sort((x, y) => y.share - x.share).slice(0, MAX_UNSTATED);
}

function lineOf(text: string, at: number): string {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const end = text.indexOf('\n', at);
  const line = text.slice(start, end < 0 ? undefined : end).trim();
  return line.length > 48 ? `${line.slice(0, 45)}…` : line;
}

/** A node for the readable steps: `Dallas`, `L1/123 “Texas”`, `error L2`, `Austin`. */
export function stepName(g: AttributionGraph, i: number, evidence: EvidenceLookup): string {
  const lay = graphLayout(g);
  if (i < lay.errorStart) {
    const a = g.selectedFeatures[i];
    const [l, f] = [g.activeFeatures.layer[a], g.activeFeatures.feature[a]];
    const label = evidence(l, f)?.label;
    return label && !/^L\d+\/\d+$/.test(label) ? `L${l}/${f} “${label}”` : `L${l}/${f}`;
  }
  if (i < lay.tokenStart) return `error L${Math.floor((i - lay.errorStart) / lay.nPos)}`;
  if (i < lay.logitStart) return (g.promptTokens[i - lay.tokenStart] ?? '').trim() || JSON.stringify(g.promptTokens[i - lay.tokenStart]);
  return g.logitTargets[i - lay.logitStart].token.trim();
}

export type { ConceptKind };
