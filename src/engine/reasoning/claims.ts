// Claims and concepts: each reasoning step is split into sentences (the claims), and each claim into the concepts
// it names: numbers, entities (runs of capitalised words) and content words; function words name nothing.
import { type ReasoningDocument, type SourceRange, stepRange } from './markdown';

export type ConceptKind = 'number' | 'entity' | 'word';

export interface Concept {
  text: string;
  kind: ConceptKind;
  /** [start, end) within the claim text */
  span: [number, number];
}

export interface Claim {
  index: number;
  step: number;
  text: string;
  /** [start, end) within the step text */
  span: [number, number];
  /** where the claim is in the markdown source */
  range: SourceRange;
  concepts: Concept[];
}

// English function words, and the few French/Spanish ones the embedded model's languages bring
const STOPWORDS = new Set(
  (
    'a an the this that these those it its it\'s is are was were be been being am do does did done has have had ' +
    'i me my we our you your he him his she her they them their there here what which who whom whose when where why how ' +
    'and or but not no nor so then than thus hence therefore because since as if else also too very just only ' +
    'of in on at by for with from to into onto about over under between among after before than up down out ' +
    'can could will would shall should may might must let lets us one ones same other such all any each both ' +
    'answer reasoning step first second next finally so therefore means mean meaning given know known ' +
    'le la les de des du un une et est en el los las es del y que'
  ).split(/\s+/),
);

const WORD = /[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*/gu;
const NUMBER = /^\p{N}+(?:[.,]\p{N}+)*$/u;

/** Articles that begin place names in the embedded model's languages. */
const NAME_ARTICLES = new Set(['des', 'de', 'du', 'la', 'le', 'les', 'los', 'las', 'el']);

export function isStopword(w: string): boolean {
  return STOPWORDS.has(w.toLowerCase());
}

export function extractClaims(doc: ReasoningDocument): Claim[] {
  const claims: Claim[] = [];
  doc.steps.forEach((step, si) => {
    for (const [a, b] of sentences(step.text)) {
      const text = step.text.slice(a, b);
      claims.push({ index: claims.length, step: si, text, span: [a, b], range: stepRange(step, a, b), concepts: extractConcepts(text) });
    }
  });
  return claims;
}

/** Sentence spans: a split after . ! ? followed by space and a capital or digit; decimals and initials stay whole. */
export function sentences(text: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /[.!?]+["')\]]*\s+(?=["'(]?[\p{Lu}\p{N}])/gu;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = m.index + m[0].trimEnd().length;
    // "U.S. capital": a single capital letter before the dot is an initial, not a sentence end
    if (/(^|\s)\p{Lu}$/u.test(text.slice(start, m.index))) continue;
    push(out, text, start, end);
    start = m.index + m[0].length;
  }
  push(out, text, start, text.length);
  return out;
}

function push(out: [number, number][], text: string, a: number, b: number): void {
  while (a < b && /\s/.test(text[a])) a++;
  while (b > a && /\s/.test(text[b - 1])) b--;
  if (b > a) out.push([a, b]);
}

export function extractConcepts(claim: string): Concept[] {
  const words = [...claim.matchAll(WORD)].map((m) => ({ text: m[0].replace(/\.$/, ''), start: m.index! }));
  const out: Concept[] = [];
  const seen = new Set<string>();
  const add = (text: string, kind: ConceptKind, start: number) => {
    const key = kind === 'word' ? text.toLowerCase() : text;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ text, kind, span: [start, start + text.length] });
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (NUMBER.test(w.text)) {
      add(w.text, 'number', w.start);
      continue;
    }
    const joined = (j: number) => j + 1 < words.length && /^\p{Lu}/u.test(words[j + 1].text) && claim.slice(words[j].start + words[j].text.length, words[j + 1].start) === ' ';
    // a capitalised French/Spanish article before a capitalised word starts a name ("Des Moines", "Los Angeles", "La Paz")
    const article = /^\p{Lu}/u.test(w.text) && NAME_ARTICLES.has(w.text.toLowerCase()) && joined(i) && !isStopword(words[i + 1].text);
    if ((/^\p{Lu}/u.test(w.text) && !isStopword(w.text)) || article) {
      // an entity: capitalised words separated by single spaces ("New York", "Salt Lake City")
      let j = i;
      while (joined(j) && !isStopword(words[j + 1].text)) j++;
      const end = words[j].start + words[j].text.length;
      add(claim.slice(w.start, end), 'entity', w.start);
      i = j;
      continue;
    }
    if (isStopword(w.text) || w.text.length < 3) continue;
    add(w.text, 'word', w.start);
  }
  return out;
}

/** Whether a word of the context spells the concept: exact for numbers and entities; words ignore case and a plural s. */
export function spells(concept: Concept, word: string): boolean {
  if (concept.kind !== 'word') return word === concept.text;
  const a = concept.text.toLowerCase();
  const b = word.toLowerCase();
  return a === b || a === b + 's' || b === a + 's' || a === b + 'es' || b === a + 'es';
}

/** Every occurrence of the concept in `text` as a whole word (or run of words): [start, end) pairs. */
export function occurrences(concept: Concept, text: string): [number, number][] {
  const out: [number, number][] = [];
  if (concept.kind === 'word') {
    for (const m of text.matchAll(WORD)) if (spells(concept, m[0].replace(/\.$/, ''))) out.push([m.index!, m.index! + m[0].replace(/\.$/, '').length]);
    return out;
  }
  for (let i = text.indexOf(concept.text); i >= 0; i = text.indexOf(concept.text, i + 1)) {
    const before = text[i - 1];
    const after = text[i + concept.text.length];
    const alnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
    if (!alnum(before) && !alnum(after)) out.push([i, i + concept.text.length]);
  }
  return out;
}

/**
 * Problems a comparison cannot measure, each pointing at its line: a stated answer of several words (the model
 * writes one word, number or name after the answer prefix; a phrase has no single probability to test), and a
 * reasoning that names no concept (nothing a claim could be grounded in, contradicted by or mistaken about).
 */
export function contentProblems(doc: ReasoningDocument, claims: Claim[] = extractClaims(doc)): { line: number; message: string }[] {
  const out: { line: number; message: string }[] = [];
  if (doc.answer !== undefined) {
    const concepts = extractConcepts(doc.answer);
    const words = doc.answer.trim().split(/\s+/).length;
    const one = words === 1 || (concepts.length === 1 && concepts[0].kind !== 'word' && concepts[0].text.length >= doc.answer.trim().replace(/[.!?]$/, '').length);
    if (!one) {
      out.push({
        line: doc.headings.answer ?? doc.headings.reasoning,
        message: `The answer “${doc.answer.trim()}” is ${words} words; state the one word, number or name the model would write (e.g. \`Austin\`), as the comparison measures that answer's probability.`,
      });
    }
  }
  if (claims.length > 0 && claims.every((c) => c.concepts.length === 0)) {
    out.push({
      line: doc.headings.reasoning,
      message: 'The reasoning names no concept (no number, name or content word), so nothing in it can be checked against the computation; state the steps, e.g. `- Dallas is in Texas.`',
    });
  }
  return out;
}
