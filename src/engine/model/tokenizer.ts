// Prompt tokenization: `tokenizer.json` through @huggingface/tokenizers, circuit-tracer's BOS rule, and the
// character range of each token in the source text (the editor heatmap needs them; the library gives no offsets).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../errors';
import { checkRegularFile } from '../files';
import { BYTE_OF_CHAR } from './byteLevel';
import type { ModelConfig } from './config';

export interface PromptToken {
  id: number;
  /** the token decoded on its own */
  text: string;
  /** UTF-16 range in the prompt, end exclusive; a prepended BOS has start = end = 0 */
  start: number;
  end: number;
}

export class PromptTokenizer {
  private readonly special: Set<number>;
  private readonly added: Map<number, string>;
  private readonly pieces: TokenPieces;

  private constructor(
    private readonly tok: Tokenizer,
    json: Record<string, unknown>,
    /** the token circuit-tracer prepends: the first of bos, pad, eos, other special tokens */
    readonly bosId: number | undefined,
    /** transformers' `all_special_ids`: a prompt starting with one of these gets no BOS (circuit-tracer) */
    private readonly noBosAfter?: Set<number>,
  ) {
    const added = (json.added_tokens ?? []) as { id: number; content: string; special?: boolean }[];
    this.added = new Map(added.map((t) => [t.id, t.content]));
    this.special = new Set(added.filter((t) => t.special).map((t) => t.id));
    const byteLevel = JSON.stringify(json.pre_tokenizer ?? null).includes('"ByteLevel"') || JSON.stringify(json.decoder ?? null).includes('"ByteLevel"');
    // SentencePiece-style BPE (Gemma, Llama 2): spaces are stored as ▁ and unknown bytes as <0xNN> tokens
    const model = (json.model ?? {}) as { byte_fallback?: boolean };
    const spaceMark = JSON.stringify([json.normalizer ?? null, json.pre_tokenizer ?? null, json.decoder ?? null]).includes('\u2581');
    this.pieces = byteLevel ? 'byteLevel' : { metaspace: spaceMark, byteFallback: model.byte_fallback === true };
    this.longestToken = longestPiece(json);
  }

  /** characters of the longest vocabulary entry (a token never covers more of a text, less a normalizer's slack) */
  readonly longestToken: number;

  /**
   * A text longer than this holds more than `nTokens` tokens for sure (each token covers at most `longestToken`
   * characters; twice that for a normalizer's slack): callers refuse or cut such a text before tokenizing it, so a
   * 10 MB prompt is never tokenized only to be found too long.
   */
  charsAtMost(nTokens: number): number {
    return 2 * nTokens * this.longestToken;
  }

  static load(dir: string, cfg: Pick<ModelConfig, 'bosTokenId' | 'eosTokenId' | 'padTokenId'>): PromptTokenizer {
    const file = path.join(dir, 'tokenizer.json');
    if (!fs.existsSync(file)) throw new EngineError('fileNotFound', `No tokenizer.json in the model folder ${dir}.`);
    const json = readJson(file);
    const configFile = path.join(dir, 'tokenizer_config.json');
    const tokConfig = fs.existsSync(configFile) ? readJson(configFile) : {};
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(json, tokConfig);
    } catch (e) {
      throw new EngineError('badFile', `${file} could not be read as a tokenizer: ${(e as Error).message}.`);
    }
    const named = (key: string): number | undefined => {
      const v = tokConfig[key];
      const content = typeof v === 'string' ? v : (v as { content?: unknown } | undefined)?.content;
      return typeof content === 'string' ? tok.token_to_id(content) : undefined;
    };
    const specials = ((json.added_tokens ?? []) as { id: number; special?: boolean }[]).filter((t) => t.special).map((t) => t.id);
    const bosId = [named('bos_token'), named('pad_token'), named('eos_token'), cfg.bosTokenId, cfg.padTokenId, cfg.eosTokenId, ...specials].find(
      (id) => id !== undefined,
    );
    // all_special_ids: the named special tokens and additional_special_tokens of tokenizer_config.json (not every
    // added token marked special: Llama 3's <|start_header_id|> is not one, so such a prompt still gets its BOS)
    let noBosAfter: Set<number> | undefined;
    if (fs.existsSync(configFile)) {
      const extra = Array.isArray(tokConfig.additional_special_tokens) ? tokConfig.additional_special_tokens : [];
      const contents = [...['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'].map((k) => tokConfig[k]), ...extra];
      noBosAfter = new Set(
        contents
          .map((v) => (typeof v === 'string' ? v : (v as { content?: unknown } | null | undefined)?.content))
          .filter((c): c is string => typeof c === 'string')
          .map((c) => tok.token_to_id(c))
          .filter((id): id is number => id !== undefined && id !== null),
      );
    }
    return new PromptTokenizer(tok, json, bosId, noBosAfter);
  }

  /** Tokens of a prompt as circuit-tracer builds them: no added specials, BOS prepended unless it starts with a special token. */
  encode(text: string): PromptToken[] {
    if (text.length === 0) throw new EngineError('badInput', 'The prompt is empty.');
    const enc = this.tok.encode(text, { add_special_tokens: false });
    const offsets = tokenOffsets(text, enc.tokens, enc.ids, (id) => this.added.get(id), this.pieces);
    const tokens = enc.ids.map((id, i) => ({ id, text: this.decode(id), start: offsets[i][0], end: offsets[i][1] }));
    const startsSpecial = tokens.length > 0 && (this.noBosAfter ?? this.special).has(tokens[0].id);
    if (this.bosId !== undefined && !startsSpecial) {
      tokens.unshift({ id: this.bosId, text: this.decode(this.bosId), start: 0, end: 0 });
    }
    return tokens;
  }

  decode(id: number): string {
    return this.tok.decode([id], { skip_special_tokens: false });
  }

  /** a whole id sequence decoded at once (multi-byte characters split across tokens come out whole) */
  decodeAll(ids: number[]): string {
    return this.tok.decode(ids, { skip_special_tokens: false });
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }
}

/** The longest entry of a tokenizer.json vocabulary (BPE/WordPiece: an object; Unigram: [piece, score] pairs). */
function longestPiece(json: Record<string, unknown>): number {
  let longest = 1;
  const vocab = (json.model as { vocab?: unknown } | undefined)?.vocab;
  const pieces = Array.isArray(vocab) ? vocab.map((v) => (Array.isArray(v) ? v[0] : v)) : vocab && typeof vocab === 'object' ? Object.keys(vocab) : [];
  for (const p of pieces) if (typeof p === 'string' && p.length > longest) longest = p.length;
  for (const t of (json.added_tokens ?? []) as { content?: unknown }[]) if (typeof t.content === 'string' && t.content.length > longest) longest = t.content.length;
  return longest;
}

function readJson(file: string): Record<string, unknown> {
  checkRegularFile(file, 'tokenizer file'); // a FIFO would block the read for ever
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new EngineError('badFile', `${file} is not valid JSON: ${(e as Error).message}.`);
  }
}

/** how token strings spell their bytes: GPT-2's byte-level table, or SentencePiece pieces (▁ = space, <0xNN> = byte) */
export type TokenPieces = 'byteLevel' | { metaspace: boolean; byteFallback: boolean };

/**
 * [start, end) of each token in `text` (UTF-16 units). Token bytes are recovered from the byte-level token
 * strings (or an added token's content, or its SentencePiece piece, or its plain string), matched against the UTF-8
 * bytes of the text, and mapped back to whole characters: a token holding part of a character covers all of it.
 */
export function tokenOffsets(
  text: string,
  tokens: string[],
  ids: number[],
  addedContent: (id: number) => string | undefined,
  pieces: TokenPieces | boolean,
): [number, number][] {
  const utf8 = new TextEncoder();
  const textBytes = utf8.encode(text);
  // charStart[b] / charEnd[b]: the UTF-16 range of the character that byte b belongs to
  const charStart = new Int32Array(textBytes.length + 1);
  const charEnd = new Int32Array(textBytes.length + 1);
  let b = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const n = utf8.encode(String.fromCodePoint(cp)).length;
    for (let k = 0; k < n; k++, b++) {
      charStart[b] = i;
      charEnd[b] = i + units;
    }
    i += units;
  }
  charStart[textBytes.length] = charEnd[textBytes.length] = text.length;

  const out: [number, number][] = [];
  let cursor = 0;
  tokens.forEach((token, i) => {
    const added = addedContent(ids[i]);
    let bytes = added !== undefined ? utf8.encode(added) : tokenBytes(token, pieces);
    let at = bytes ? findBytes(textBytes, bytes, cursor) : -1;
    if (at < 0 && bytes && bytes[0] === 0x20 && i === 0) at = findBytes(textBytes, (bytes = bytes.subarray(1)), cursor); // a prepended ▁
    if (!bytes || at < 0 || bytes.length === 0) {
      const here = charStart[cursor];
      out.push([here, here]); // cannot place it (a normalizer changed the text): an empty range where we are
      return;
    }
    out.push([charStart[at], charEnd[at + bytes.length - 1]]);
    cursor = at + bytes.length;
  });
  return out;
}

function tokenBytes(token: string, pieces: TokenPieces | boolean): Uint8Array | undefined {
  if (pieces === true || pieces === 'byteLevel') return byteLevelBytes(token);
  if (pieces === false) return new TextEncoder().encode(token);
  const byte = pieces.byteFallback ? /^<0x([0-9A-Fa-f]{2})>$/.exec(token) : null;
  if (byte) return Uint8Array.of(parseInt(byte[1], 16));
  return new TextEncoder().encode(pieces.metaspace ? token.replace(/\u2581/g, ' ') : token);
}

function byteLevelBytes(token: string): Uint8Array | undefined {
  const out: number[] = [];
  for (const ch of token) {
    const byte = BYTE_OF_CHAR.get(ch);
    if (byte === undefined) return undefined;
    out.push(byte);
  }
  return Uint8Array.from(out);
}

/** first index ≥ from where `needle` occurs in `hay` (normally `from` itself) */
function findBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
