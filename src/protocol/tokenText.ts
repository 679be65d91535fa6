// What a prompt token spells, for people: byte-level tokenizers split a character that is not in the vocabulary
// (Chinese, emoji, "ñ" in some vocabularies) over several tokens, and each of those decodes alone to "�". Given the
// prompt text and each token's character range (a token holding part of a character covers all of it, see
// src/engine/model/tokenizer.ts), this shows the character instead, marked as a part: `⟨ñ 1/2⟩` is the first of the
// two tokens that together spell "ñ". Also says BOS plainly. Pure; shared by the panel, the hovers and the CLI.

const REPLACEMENT = '\uFFFD';

export interface SpelledToken {
  /** The token's text with each partial character shown as `⟨c k/n⟩`. */
  readonly text: string;
  /** Characters this token holds only part of, with which part (k of the n tokens that spell each). */
  readonly partial: readonly { readonly char: string; readonly part: number; readonly of: number }[];
}

/** The token text of every position, with split characters shown as the characters they are part of. */
export function spellTokens(
  tokens: readonly string[],
  offsets: readonly (readonly [number, number])[] | undefined,
  source: string | undefined,
): SpelledToken[] {
  return tokens.map((token, i) => {
    const range = offsets?.[i];
    if (!token.includes(REPLACEMENT) || !range || source === undefined || range[1] <= range[0] || range[1] > source.length) {
      return { text: token, partial: [] };
    }
    const chars = [...source.slice(range[0], range[1])];
    const first = chars[0];
    const last = chars[chars.length - 1];
    const holders = (charStart: number) => {
      // the tokens whose range covers the character at charStart, in order
      const list: number[] = [];
      offsets!.forEach(([s, e], j) => { if (s <= charStart && charStart < e && tokens[j].includes(REPLACEMENT)) list.push(j); });
      return list;
    };
    const partial: { char: string; part: number; of: number }[] = [];
    const mark = (char: string, at: number) => {
      const list = holders(at);
      const p = { char, part: list.indexOf(i) + 1, of: Math.max(list.length, 1) };
      partial.push(p);
      return `⟨${char} ${p.part}/${p.of}⟩`;
    };
    const middle = token.replace(/^\uFFFD+/, '').replace(/\uFFFD+$/, '');
    // one token holding only part of one character: the whole token is that part
    if (middle === '' && chars.length === 1) return { text: mark(first, range[0]), partial };
    let head = '';
    let tail = '';
    if (token.startsWith(REPLACEMENT)) head = mark(first, range[0]);
    if (token.endsWith(REPLACEMENT) && chars.length > 1) tail = mark(last, range[1] - last.length);
    return { text: `${head}${middle}${tail}`, partial };
  });
}

/** Whether position `ctx` is a beginning-of-sequence token the tracer prepended (empty range at 0, or its name). */
export function isBos(token: string, ctx: number, offsets?: readonly (readonly [number, number])[]): boolean {
  if (ctx !== 0) return false;
  const r = offsets?.[0];
  if (r && r[0] === 0 && r[1] === 0 && /^<[^>]*>$/.test(token)) return true;
  return /^(<\|endoftext\|>|<\|begin_of_text\|>|<s>|<bos>|<\|startoftext\|>)$/.test(token);
}

/** A short plain label for a prompt token: "BOS" for a prepended beginning-of-sequence token. */
export const plainToken = (token: string, ctx: number, offsets?: readonly (readonly [number, number])[]): string =>
  isBos(token, ctx, offsets) ? 'BOS' : token;
