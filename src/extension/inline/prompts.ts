// The prompts of a file for "Trace All Prompts in File": one per non-blank line, or one per JSONL record (a string,
// or an object's `prompt`, `text` or `input`). Each keeps where it sits in the file: its exact characters when the
// file holds the prompt verbatim, else (a JSON string with escapes) the record's line, which the trace then marks
// without per-token positions. Pure; no `vscode` import.

export interface FilePrompt {
  /** The text to trace. */
  readonly text: string;
  /** Offsets of what the inline views mark, [start, end). */
  readonly start: number;
  readonly end: number;
  /** The marked range holds `text` verbatim, so per-token offsets map onto the document. */
  readonly exact: boolean;
  /** 0-based line of the prompt. */
  readonly line: number;
}

export interface PromptScan {
  readonly prompts: FilePrompt[];
  /** Lines skipped, with why ("line 4: not JSON"). */
  readonly skipped: string[];
  readonly format: 'lines' | 'jsonl';
}

const FIELDS = ['prompt', 'text', 'input'];

/** JSONL when the file's name says so, or when every non-blank line is a JSON object or string. */
export function isJsonl(fileName: string, text: string): boolean {
  if (/\.jsonl$/i.test(fileName)) return true;
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.length > 0 && lines.every((l) => /^[{"]/.test(l) && parses(l));
}

function parses(s: string): boolean {
  try { JSON.parse(s); return true; } catch { return false; }
}

export function promptsInText(fileName: string, text: string): PromptScan {
  const format = isJsonl(fileName, text) ? 'jsonl' : 'lines';
  const prompts: FilePrompt[] = [];
  const skipped: string[] = [];
  let offset = 0;
  text.split('\n').forEach((raw, line) => {
    const lineStart = offset;
    offset += raw.length + 1;
    const content = raw.replace(/\r$/, '');
    const lead = content.length - content.trimStart().length;
    const trimmed = content.trim();
    if (trimmed === '') return;
    const start = lineStart + lead;
    const end = start + trimmed.length;
    if (format === 'lines') {
      prompts.push({ text: trimmed, start, end, exact: true, line });
      return;
    }
    let record: unknown;
    try {
      record = JSON.parse(trimmed);
    } catch {
      skipped.push(`line ${line + 1}: not JSON`);
      return;
    }
    const value = typeof record === 'string' ? record
      : record && typeof record === 'object' ? FIELDS.map((f) => (record as Record<string, unknown>)[f]).find((v) => typeof v === 'string') : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      skipped.push(`line ${line + 1}: no "prompt", "text" or "input" string`);
      return;
    }
    // the prompt verbatim between its quotes (no escapes in it), else the whole record
    const quoted = JSON.stringify(value);
    let at = trimmed.indexOf(quoted);
    while (at > 0 && !trimmed.slice(0, at).trimEnd().endsWith(':')) at = trimmed.indexOf(quoted, at + 1); // a value, not a key
    if (at >= 0 && quoted === `"${value}"`) prompts.push({ text: value, start: start + at + 1, end: start + at + 1 + value.length, exact: true, line });
    else prompts.push({ text: value, start, end, exact: false, line });
  });
  return { prompts, skipped, format };
}
