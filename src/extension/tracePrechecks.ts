// Checks before a trace that save a new user a long wait for nothing: text the model's vocabulary mostly lacks
// (each character of it becomes several byte tokens the model never learned), and a selection longer than the
// model's context (offer its last part instead). No `vscode` import.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BYTE_OF_CHAR } from '../engine/model/byteLevel';

interface Vocabulary {
  /** Non-ASCII characters some token spells whole. */
  readonly chars: Set<string>;
  /** Every token's text (for "is this one token?"). */
  readonly tokens: Set<string>;
}

const vocabCache = new Map<string, Vocabulary | null>();

/**
 * The non-ASCII characters some token of a byte-level vocabulary spells whole (from `tokenizer.json`), or null when
 * the tokenizer is not byte-level or cannot be read (then nothing is checked). Cached per model folder.
 */
export function vocabularyCharacters(modelDir: string): Set<string> | null {
  return readVocabulary(modelDir)?.chars ?? null;
}

/** Every token's text of a byte-level vocabulary, or null when it cannot be read. */
export function vocabularyTokens(modelDir: string): Set<string> | null {
  return readVocabulary(modelDir)?.tokens ?? null;
}

function readVocabulary(modelDir: string): Vocabulary | null {
  if (vocabCache.has(modelDir)) return vocabCache.get(modelDir)!;
  let chars: Set<string> | null = null;
  const tokens = new Set<string>();
  try {
    const json = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')) as { model?: { vocab?: Record<string, number> }; pre_tokenizer?: unknown; decoder?: unknown };
    const byteLevel = JSON.stringify(json.pre_tokenizer ?? null).includes('ByteLevel') || JSON.stringify(json.decoder ?? null).includes('ByteLevel');
    const vocab = json.model?.vocab;
    if (byteLevel && vocab && typeof vocab === 'object') {
      chars = new Set();
      const decoder = new TextDecoder('utf-8', { fatal: true });
      for (const token of Object.keys(vocab)) {
        const bytes: number[] = [];
        for (const ch of token) {
          const b = BYTE_OF_CHAR.get(ch);
          if (b === undefined) break;
          bytes.push(b);
        }
        try {
          const text = decoder.decode(Uint8Array.from(bytes));
          tokens.add(text);
          for (const ch of text) if (ch.codePointAt(0)! >= 0x80) chars.add(ch);
        } catch {
          // part of a character: this token does not spell it whole
        }
      }
    }
  } catch {
    chars = null;
  }
  const vocabulary = chars ? { chars, tokens } : null;
  vocabCache.set(modelDir, vocabulary);
  return vocabulary;
}

/**
 * Choose Target's "Another token…": the token as typed when it is one token, else the same with a leading space
 * when that is one (the usual case: " Austin", not "Austin"); `reason` says why otherwise. Unknown vocabulary: as typed.
 */
export function targetToken(typed: string, tokens: ReadonlySet<string> | null): { token?: string; note?: string; reason?: string } {
  if (!tokens || tokens.has(typed)) return { token: typed };
  const spaced = ` ${typed.trimStart()}`;
  if (tokens.has(spaced)) return { token: spaced, note: `"${typed}" is not one token for this model; "${spaced}" (with its leading space) is, and will be used.` };
  return { reason: `"${typed}" is not one token for this model${typed.startsWith(' ') ? '' : `, nor is "${spaced}"`}; a target must be exactly one token.` };
}

export interface VocabularyCheck {
  /** Non-space characters of the text. */
  readonly characters: number;
  /** Of those, characters no single token spells: each becomes 2–4 byte tokens. */
  readonly outside: number;
  /** A few of them, for the message. */
  readonly examples: string[];
  /** Rough count of the tokens the text becomes. */
  readonly estimatedTokens: number;
}

export function checkVocabulary(text: string, known: ReadonlySet<string>): VocabularyCheck {
  let characters = 0;
  let outside = 0;
  let bytesOutside = 0;
  const examples = new Set<string>();
  for (const ch of text) {
    if (/\s/u.test(ch)) continue;
    characters++;
    if (ch.codePointAt(0)! < 0x80 || known.has(ch)) continue;
    outside++;
    bytesOutside += new TextEncoder().encode(ch).length;
    if (examples.size < 4) examples.add(ch);
  }
  return { characters, outside, examples: [...examples], estimatedTokens: Math.round(bytesOutside + (characters - outside) / 3.5) + 1 };
}

/** Worth a warning: most of the text is outside the vocabulary and it is more than a few characters. */
export const mostlyOutside = (c: VocabularyCheck): boolean => c.characters >= 4 && c.outside / c.characters > 0.5;

/** The engine's "too long" error, read back: how long the prompt is and the model's context, in tokens. */
export function tooLong(message: string): { tokens: number; context: number } | undefined {
  const m = /The prompt is (\d+) tokens long; this model's context is (\d+) tokens/.exec(message);
  return m ? { tokens: Number(m[1]), context: Number(m[2]) } : undefined;
}

/**
 * The end of a text that fits a context of `context` tokens, judged from its length in tokens, starting at a line
 * or word boundary. Returns its offset in the text.
 */
export function lastPartStart(text: string, tokens: number, context: number): number {
  const keep = Math.max(1, Math.floor(text.length * ((context - 2) / tokens) * 0.9));
  let start = text.length - keep;
  const line = text.indexOf('\n', start);
  if (line >= 0 && line < text.length - keep / 2) return line + 1;
  while (start < text.length && !/\s/.test(text[start - 1] ?? ' ')) start++;
  while (start < text.length && /\s/.test(text[start])) start++;
  return start >= text.length ? text.length - keep : start;
}
