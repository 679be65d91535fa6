// The corpus of a feature-index build, streamed: one context per non-empty line of a text file, or per line of a
// JSONL file (`.jsonl`: objects with a string `text`, which may span lines, as the organism's corpus is written).
// The file is read in chunks, never whole; a line is cut at `maxChars` while it is read (a 20 MB line costs 20 MB
// of reading, not 20 MB of memory or tokenizing). A first pass counts and hashes the contexts (the key that lets
// an interrupted build resume); each later pass streams them again.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { EngineError } from '../errors';
import { checkRegularFile } from '../files';

const CHUNK = 1 << 20;

/** Lines of a file, each cut to `maxChars` characters (the rest of an over-long line is read and dropped). */
export function* streamLines(file: string, maxChars: number): Generator<{ line: string; cut: boolean }> {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    const decoder = new StringDecoder('utf8');
    let line = '';
    let cut = false;
    const take = (piece: string) => {
      if (line.length + piece.length <= maxChars) line += piece;
      else {
        line += piece.slice(0, Math.max(0, maxChars - line.length));
        cut = true;
      }
    };
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      const text = n > 0 ? decoder.write(buf.subarray(0, n)) : decoder.end();
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        take(text.slice(from, nl));
        yield { line: line.endsWith('\r') ? line.slice(0, -1) : line, cut };
        line = '';
        cut = false;
        from = nl + 1;
      }
      take(text.slice(from));
      if (n === 0) break;
    }
    if (line.length > 0) yield { line, cut };
  } finally {
    fs.closeSync(fd);
  }
}

export class Corpus {
  private constructor(
    readonly file: string,
    private readonly maxChars: number,
    /** contexts the build uses (after --max-contexts) */
    readonly length: number,
    /** sha-256 of the contexts as the build sees them */
    readonly hash: string,
    /** JSONL lines too long to parse whole, skipped */
    readonly skipped: number,
  ) {}

  /** Checks and counts the corpus in one streamed pass; `maxChars` cuts each context (see charsAtMost). */
  static open(file: string, maxChars: number, max?: number): Corpus {
    try {
      checkRegularFile(file, 'corpus file');
    } catch (err) {
      throw EngineError.is(err, 'fileNotFound') ? new EngineError('fileNotFound', `Corpus file not found: ${file}`) : err;
    }
    const probe = new Corpus(file, maxChars, Number.POSITIVE_INFINITY, '', 0);
    const h = crypto.createHash('sha256');
    let n = 0;
    let skipped = 0;
    for (const t of probe.read(max)) {
      if (t === null) skipped++;
      else {
        h.update(t).update('\n');
        n++;
      }
    }
    if (n === 0) throw new EngineError('badInput', `${file} holds no text: the corpus needs one context per line.`);
    return new Corpus(file, maxChars, n, h.digest('hex'), skipped);
  }

  /** The contexts in order, streamed from the file. */
  *texts(): Generator<string> {
    for (const t of this.read(this.length)) if (t !== null) yield t;
  }

  /** texts, or null for a skipped JSONL line; stops after `max` texts */
  private *read(max = Number.POSITIVE_INFINITY): Generator<string | null> {
    const jsonl = this.file.endsWith('.jsonl');
    // a JSONL line holds its text escaped (\uXXXX is 6 characters): it may be longer before it is parsed
    const limit = jsonl ? this.maxChars * 6 + 1024 : this.maxChars;
    let lineNo = 0;
    let n = 0;
    for (const { line, cut } of streamLines(this.file, limit)) {
      lineNo++;
      if (n >= max) return;
      if (line.trim().length === 0) continue;
      if (!jsonl) {
        n++;
        yield line;
        continue;
      }
      if (cut) {
        yield null;
        continue;
      }
      n++;
      yield jsonlText(line, this.file, lineNo).slice(0, this.maxChars);
    }
  }
}

function jsonlText(line: string, file: string, lineNo: number): string {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (e) {
    throw new EngineError('badFile', `${file}:${lineNo}: not JSON (${(e as Error).message}).`);
  }
  const text = (doc as { text?: unknown })?.text;
  if (typeof text !== 'string') throw new EngineError('badFile', `${file}:${lineNo}: each JSONL line needs a string "text".`);
  return text;
}
