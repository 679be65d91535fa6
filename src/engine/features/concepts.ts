// What a feature's evidence names as a concept, for its automatic label (labels.ts): the concept under a token of an
// example (the typed lexicon's entity, a number, or a content word, read across the token's neighbours so that a
// piece of a word names the whole word), and the reduction of many examples to the one concept or kind they share.
// Deterministic: plain string rules, no model, no randomness.
import type { Lexicon } from '../reasoning/lexicon';
import { NUMBER_KIND } from '../reasoning/lexicon';

/** A concept a label can name: an entity of the lexicon, a number, a content word, or a kind shared by several. */
export interface Concept {
  text: string;
  /** the lexicon's kinds of the text ('number' for numbers, a word class); [] for a plain word */
  kinds: readonly string[];
  /** a function word of a word class (" he": a pronoun): the class can be shared, the word alone names no concept */
  kindOnly?: boolean;
}

/**
 * Function words of the embedded model's languages (English, Spanish, French): they carry grammar, not a concept, so a
 * label naming only one of them names no concept (`on " is"`). Compared lower-case.
 */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the of in on at to by for from with into about as is are was were be been am do does did has have had not no ' +
    'and or but so then than that this these those there here it its he she they we you i me him her them us my his ' +
    'their our your who what which when where how all some any if up out down one ' +
    'el la los las lo un una unos unas de del al en es son era y o que se su sus por para con ' +
    'le les l d du des une et est sont était ou qui ce sa son ses au aux pour par avec dans sur'
  ).split(' '),
);

/**
 * Word classes among the function words that still name a concept when several examples share one: personal pronouns
 * (who acts or speaks). Articles, prepositions and the like stay grammar.
 */
export const WORD_CLASSES: Readonly<Record<string, readonly string[]>> = {
  pronoun: 'i you he she it we they yo tú él ella nosotros ellos je tu il elle nous vous ils elles'.split(' '),
};
const CLASS_OF = new Map(Object.entries(WORD_CLASSES).flatMap(([k, ws]) => ws.map((w) => [w, k] as const)));

/** Letters or digits, joined by inner hyphens ("Lexington-Fayette"): the words of an example's text */
// (a character split across tokens decodes as U+FFFD: it stays inside its word, which then names nothing), and
// apostrophes inside a word ("don't") except after a French elided article or pronoun ("l'", "d'", "qu'" …), which
// stands apart ("l'Australie" → "l'", "Australie")
const WORD = /(?:[ldjmnstc]|qu)['’](?=\p{L})|[\p{L}\p{N}\uFFFD]+(?:['’-][\p{L}\p{N}\uFFFD]+)*/giu;
const LETTERS = /^\p{L}+(?:['’-]\p{L}+)*$/u;
const NUMBER = /^\p{N}+$/u;
/** how many words an entity of the lexicon may span ("Salt Lake City", "Metairie Terrace" …) */
const MAX_ENTITY_WORDS = 4;

/** The concept a whole word or phrase names: a lexicon entity, a number, or a content word of ≥ 2 letters. */
export function conceptOf(text: string, lex: Lexicon): Concept | undefined {
  const kinds = lex.kindsOf(text);
  if (kinds.length) return { text, kinds };
  if (NUMBER.test(text)) return { text, kinds: [NUMBER_KIND] };
  const cls = CLASS_OF.get(text.toLowerCase());
  if (cls) return { text, kinds: [cls], kindOnly: true };
  if (!LETTERS.test(text) || text.length < 2 || FUNCTION_WORDS.has(text.toLowerCase())) return undefined;
  const rhyme = rhymeOf(text);
  return { text, kinds: rhyme ? [`${RHYME}${rhyme}`] : [] };
}

/** The kind of words that end alike: "rhyme in -ent" (went, spent, cent). */
export const RHYME = 'rhyme in -';
/** A name the lexicon does not list (a made-up place in the embedded model's unknown-entity questions). */
export const UNKNOWN_NAME = 'unknown name';

/**
 * A word's spelled rhyme: from its last vowel to the end, doubled letters as one and a silent final e kept with the
 * vowel before it (slide → ide, dress → es, went → ent); at least two letters, else none.
 */
export function rhymeOf(word: string): string | undefined {
  const w = word.toLowerCase().replace(/(\p{L})\1+/gu, '$1');
  if (!/^[a-z]+$/.test(w)) return undefined;
  const m = /[aeiouy][^aeiouy]+e$|[aeiouy][^aeiouy]*$/.exec(w);
  return m && m[0].length >= 2 ? m[0] : undefined;
}

/** A promoted token's concept: the token without its spaces, when it names one and (for a word) the corpus has it whole. */
export function tokenConcept(token: string, lex: Lexicon, isWord: (w: string) => boolean): Concept | undefined {
  const t = token.trim();
  const c = conceptOf(t, lex);
  return c && (c.kindOnly || lex.kindsOf(t).length || isWord(t)) ? c : undefined;
}

/** Adds to `seen` each word of `text` that is one of `wanted`. */
export function markWords(text: string, wanted: ReadonlySet<string>, seen: Set<string>): void {
  if (wanted.size === 0) return;
  for (const m of text.matchAll(WORD)) if (wanted.has(m[0])) seen.add(m[0]);
}

/** The words of a text with their character spans. */
export function wordsOf(text: string): { w: string; start: number; end: number }[] {
  return [...text.matchAll(WORD)].map((m) => ({ w: m[0], start: m.index!, end: m.index! + m[0].length }));
}

/**
 * The concept under token `pos` of an example: the longest lexicon entity among the words around it, else the whole
 * word it is part of when that names a concept (" Collin" + "s" → Collins). Special tokens (`<|…|>`) are gaps.
 */
export function conceptAt(tokens: readonly string[], pos: number, lex: Lexicon): Concept | undefined {
  const ex = exampleText(tokens);
  return pos >= 0 && pos < tokens.length ? findAt(ex, ex.spans[pos], lex)?.concept : undefined;
}

/** The concept that starts after token `pos`: the next token's, unless the word or entity at `pos` goes on into it. */
export function conceptAfter(tokens: readonly string[], pos: number, lex: Lexicon): Concept | undefined {
  if (pos < 0 || pos + 1 >= tokens.length) return undefined;
  const ex = exampleText(tokens);
  const here = findAt(ex, ex.spans[pos], lex);
  const next = ex.spans[pos + 1];
  if (here && here.to > next[0]) return undefined;
  return findAt(ex, next, lex)?.concept;
}

interface ExampleText {
  text: string;
  spans: [number, number][];
  words: { w: string; start: number; end: number }[];
}

function exampleText(tokens: readonly string[]): ExampleText {
  const spans: [number, number][] = [];
  let text = '';
  for (const t of tokens) {
    const piece = /^<\|.*\|>$/.test(t) ? ' ' : t;
    spans.push([text.length, text.length + piece.length]);
    text += piece;
  }
  return { text, spans, words: wordsOf(text) };
}

/** The concept over the characters [s, e) and its span: entities of up to MAX_ENTITY_WORDS words first. */
function findAt({ text, words }: ExampleText, [s, e]: [number, number], lex: Lexicon): { concept?: Concept; to: number } | undefined {
  const hit = words.map((w, i) => (w.start < e && w.end > s ? i : -1)).filter((i) => i >= 0);
  if (hit.length === 0) return undefined;
  const [i0, i1] = [hit[0], hit[hit.length - 1]];
  for (let n = Math.min(MAX_ENTITY_WORDS, words.length); n >= 1; n--) {
    for (let a = Math.max(0, i1 - n + 1); a <= i0 && a + n <= words.length; a++) {
      const [from, to] = [words[a].start, words[a + n - 1].end];
      const phrase = text.slice(from, to);
      if (n > 1 && !/^[\p{L}\p{N}\- .]+$/u.test(phrase)) continue; // an entity never spans a line or a comma
      const kinds = lex.kindsOf(phrase);
      if (kinds.length && !(n === 1 && kinds.includes(NUMBER_KIND))) return { concept: { text: phrase, kinds }, to };
      if (n === 1) return { concept: withName(conceptOf(phrase, lex), text, from, lex), to };
    }
  }
  return undefined;
}

/** A capitalized content word inside a sentence (after a letter, digit or comma) that the lexicon lacks is a name. */
function withName(c: Concept | undefined, text: string, from: number, lex: Lexicon): Concept | undefined {
  const plain = c && !c.kindOnly && !lex.kindsOf(c.text).length;
  if (!plain || !/^\p{Lu}/u.test(c.text) || !/[\p{L}\p{N},]\s+$/u.test(text.slice(Math.max(0, from - 40), from))) return c;
  return { ...c, kinds: [lex.kinds.length ? UNKNOWN_NAME : 'name'] };
}

/**
 * What most examples share: the concept text that ≥ half (and ≥ 2) of them name, else the most specific lexicon
 * kind (fewest entries; numbers: "digit" when all are one digit) that ≥ half (and ≥ 2) of them have; `of` is the number
 * of examples (those with no concept count against the share).
 */
export function sharedConcept(found: (Concept | undefined)[], of: number, lex: Lexicon): { text: string; kind: boolean } | undefined {
  const enough = (n: number) => n >= 2 && n / of >= 0.5;
  const byText = countFirst(found.flatMap((c) => (c && !c.kindOnly ? [c.text] : [])));
  if (byText && enough(byText.n)) return { text: byText.value, kind: false };
  const kinds = new Map<string, number>();
  for (const c of found) for (const k of c?.kinds ?? []) kinds.set(k, (kinds.get(k) ?? 0) + 1);
  // lexicon kinds first, the smallest (most specific) first; then word classes, names, rhymes, numbers
  const rank = (k: string) =>
    WORD_CLASSES[k] ? 1e6 : k === UNKNOWN_NAME || k === 'name' ? 2e6 : k.startsWith(RHYME) ? 3e6 : k === NUMBER_KIND ? 4e6 : lex.entries(k).length;
  const size = rank;
  const best = [...kinds].filter(([, n]) => enough(n)).sort((a, b) => size(a[0]) - size(b[0]))[0];
  if (!best) return undefined;
  if (best[0] !== NUMBER_KIND) return { text: best[0], kind: true };
  const numbers = found.filter((c) => c?.kinds.includes(NUMBER_KIND));
  return { text: numbers.every((c) => c!.text.length === 1) ? 'digit' : NUMBER_KIND, kind: true };
}

/** The most frequent value and its count; the first seen wins ties. */
export function countFirst<T>(xs: readonly T[]): { value: T; n: number } | undefined {
  const counts = new Map<T, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best: { value: T; n: number } | undefined;
  for (const [value, n] of counts) if (!best || n > best.n) best = { value, n };
  return best;
}
