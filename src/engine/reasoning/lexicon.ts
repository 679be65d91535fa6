// Kinds of concept: which entities are "of the same kind" (Ohio and Texas: US states; Austin and Columbus: cities
// and capitals). Numbers are one kind by their form; entities get their kinds from the model's typed lexicon,
// `<model>/lexicon.json` ({"kinds": {"US state": ["Alabama", …], …}}), the documented list of the entities its
// training data is about (the embedded model's is written by tools/organism/gen-lexicon.mjs from its corpus data).
// A concept with no kind can be grounded or not visible, never contradicted, and gets no mistake of its kind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../errors';

export const NUMBER_KIND = 'number';
const NUMBER = /^\p{N}+(?:[.,]\p{N}+)*$/u;

export interface Lexicon {
  /** the kinds of a concept's text: ['number'] for numbers, the lexicon's kinds for a listed entity, else [] */
  kindsOf(text: string): string[];
  /** the entries of a kind, in the lexicon's order (numbers have none: they are open-ended) */
  entries(kind: string): readonly string[];
  /** the kinds with entries (numbers excluded) */
  readonly kinds: readonly string[];
  /** every listed entity, longest first (for finding them in text) */
  readonly all: readonly string[];
  readonly source: string | undefined;
}

export function buildLexicon(kinds: Record<string, readonly string[]>, source?: string): Lexicon {
  const byText = new Map<string, string[]>();
  for (const [kind, list] of Object.entries(kinds)) for (const e of list) byText.set(e, [...(byText.get(e) ?? []), kind]);
  const all = [...byText.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b));
  return {
    kindsOf: (text) => (NUMBER.test(text) ? [NUMBER_KIND] : byText.get(text) ?? []),
    entries: (kind) => kinds[kind] ?? [],
    kinds: Object.keys(kinds),
    all,
    source,
  };
}

/** Numbers only: the lexicon of a model folder without `lexicon.json`. */
export const NUMBERS_ONLY = buildLexicon({});

const cache = new Map<string, Lexicon>();

/** `<modelDir>/lexicon.json` when it exists, else numbers only; a malformed file is an error naming it. */
export function loadLexicon(modelDir: string): Lexicon {
  const file = path.join(modelDir, 'lexicon.json');
  const hit = cache.get(file);
  if (hit) return hit;
  if (!fs.existsSync(file)) return NUMBERS_ONLY;
  let kinds: unknown;
  try {
    kinds = (JSON.parse(fs.readFileSync(file, 'utf8')) as { kinds?: unknown }).kinds;
  } catch (e) {
    throw new EngineError('badInput', `${file} is not valid JSON (${(e as Error).message}); fix it or remove it.`);
  }
  const ok = typeof kinds === 'object' && kinds !== null && Object.values(kinds).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (!ok) throw new EngineError('badInput', `${file} must hold {"kinds": {"<kind>": ["<entity>", …]}}; fix it or remove it.`);
  const lex = buildLexicon(kinds as Record<string, string[]>, file);
  cache.set(file, lex);
  return lex;
}

export function sameKind(lex: Lexicon, a: string, b: string): boolean {
  const kb = lex.kindsOf(b);
  return a !== b && lex.kindsOf(a).some((k) => kb.includes(k));
}

/** A stable small hash, so the replacement a mistake uses is the same on every run. */
function hash(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.codePointAt(0)!, 16777619);
  return h >>> 0;
}

/**
 * Another concept of the same kind as `text`, none of `avoid` (the concepts the document names): for a number,
 * one with as many digits; for a listed entity, an entry of its most specific (smallest) kind. Undefined when it has no kind.
 */
export function replacementFor(lex: Lexicon, text: string, avoid: ReadonlySet<string>): string | undefined {
  const kinds = lex.kindsOf(text);
  if (kinds.length === 0) return undefined;
  if (kinds[0] === NUMBER_KIND) {
    if (!/^\d+$/.test(text)) return undefined;
    const digits = text.length;
    const lo = digits === 1 ? 0 : 10 ** (digits - 1);
    const span = 10 ** digits - lo;
    for (let k = 1; k < span; k++) {
      const n = String(lo + ((Number(text) - lo + ((hash(text) % (span - 1)) + k)) % span));
      if (n !== text && !avoid.has(n)) return n;
    }
    return undefined;
  }
  // the most specific kind: Dallas is replaced by another US city, not any city of the world
  const kind = [...kinds].sort((a, b) => lex.entries(a).length - lex.entries(b).length)[0];
  const list = lex.entries(kind).filter((e) => e !== text && !avoid.has(e) && !e.includes(' ') === !text.includes(' '));
  const pool = list.length ? list : lex.entries(kind).filter((e) => e !== text && !avoid.has(e));
  return pool.length ? pool[hash(text) % pool.length] : undefined;
}
