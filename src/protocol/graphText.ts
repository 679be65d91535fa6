// Graph files as text: reading them (including the bare NaN / Infinity Python's json module writes) and writing
// them in a layout git diffs well and both viewers still read: metadata and qParams pretty-printed with a stable
// key order, then one node and one link per line. Imports only the protocol.
import { parseGraphJson, type GraphJson, type GraphParse } from './graph-json';

/** Graph files larger than this are refused with a message rather than freezing the window. */
export const MAX_GRAPH_BYTES = 200 * 1024 * 1024;

/**
 * `JSON.parse`, except that bare `NaN`, `Infinity` and `-Infinity` outside strings (Python's json.dump writes
 * them for non-finite floats) read as null; `replaced` counts them.
 */
export function parseJsonLenient(text: string): { value: unknown; replaced: number } {
  try {
    return { value: JSON.parse(text), replaced: 0 };
  } catch (first) {
    if (!/NaN|Infinity/.test(text)) throw first;
    const parts: string[] = [];
    let replaced = 0;
    let from = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 92) i++; // backslash: skip the escaped character
        else if (c === 34) inString = false;
        continue;
      }
      if (c === 34) { inString = true; continue; }
      const word = text.startsWith('NaN', i) ? 3 : text.startsWith('-Infinity', i) ? 9 : text.startsWith('Infinity', i) ? 8 : 0;
      if (word) {
        parts.push(text.slice(from, i), 'null');
        from = i + word;
        i += word - 1;
        replaced++;
      }
    }
    parts.push(text.slice(from));
    return { value: JSON.parse(parts.join('')), replaced };
  }
}

/** Parses a graph file's text: JSON errors and schema problems become a reason; NaNs a warning with a count. */
export function parseGraphText(text: string, options: { cap?: boolean } = {}): GraphParse {
  let value: unknown;
  let replaced = 0;
  try {
    ({ value, replaced } = parseJsonLenient(text));
  } catch (err) {
    return { ok: false, reason: `not valid JSON (${(err as Error).message})` };
  }
  const parsed = parseGraphJson(value, options);
  if (parsed.ok && replaced > 0) parsed.warnings.unshift(`${replaced} NaN/Infinity value(s) (as Python writes them) were read as null`);
  return parsed;
}

const TOP_ORDER = ['metadata', 'qParams', 'nodes', 'links'];
const METADATA_ORDER = ['slug', 'scan', 'transcoder_list', 'prompt_tokens', 'prompt', 'node_threshold', 'schema_version', 'feature_details', 'info', 'generation_settings', 'pruning_settings'];
const QPARAMS_ORDER = ['pinnedIds', 'supernodes', 'linkType', 'clickedId', 'sg_pos', 'pruningThreshold', 'clerps'];

/** Known keys first in their usual order, then the rest as they came: the same object always writes the same way. */
function ordered<T extends object>(o: T, order: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in o) out[k] = (o as Record<string, unknown>)[k];
  for (const [k, v] of Object.entries(o)) if (!(k in out)) out[k] = v;
  return out as T;
}

const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);

/**
 * The diff-friendly layout: a pin or a label changes one line of qParams; a re-trace changes only the nodes and
 * links that changed. Plain JSON, so circuit-tracer's and Neuronpedia's readers take it as they take any file.
 */
export function writeGraphText(graph: GraphJson): string {
  const top = ordered(graph as unknown as Record<string, unknown>, TOP_ORDER);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(top)) {
    if (value === undefined) continue;
    let body: string;
    if ((key === 'nodes' || key === 'links') && Array.isArray(value)) {
      body = value.length === 0 ? '[]' : `[\n${value.map((v) => `    ${JSON.stringify(v)}`).join(',\n')}\n  ]`;
    } else if (key === 'metadata' && value && typeof value === 'object') {
      body = indent(JSON.stringify(ordered(value, METADATA_ORDER), null, 2), '  ');
    } else if (key === 'qParams' && value && typeof value === 'object') {
      body = indent(JSON.stringify(ordered(value, QPARAMS_ORDER), null, 2), '  ');
    } else {
      body = indent(JSON.stringify(value, null, 2), '  ');
    }
    lines.push(`  ${JSON.stringify(key)}: ${body}`);
  }
  return `{\n${lines.join(',\n')}\n}\n`;
}

/** [start, end) of the value of top-level `key` in a JSON object's text, or null when the key is absent. */
export function topLevelValueRange(text: string, key: string): { start: number; end: number } | null {
  let depth = 0;
  let i = 0;
  const n = text.length;
  const skipString = (at: number): number => {
    for (let j = at + 1; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 92) j++;
      else if (c === 34) return j + 1;
    }
    return n;
  };
  const skipWs = (at: number) => {
    while (at < n && /\s/.test(text[at])) at++;
    return at;
  };
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      const end = skipString(i);
      if (depth === 1) {
        const colon = skipWs(end);
        if (text[colon] === ':' && JSON.parse(text.slice(i, end)) === key) {
          const start = skipWs(colon + 1);
          let j = start;
          let d = 0;
          while (j < n) {
            const v = text[j];
            if (v === '"') { j = skipString(j); if (d === 0) break; continue; }
            if (v === '{' || v === '[') d++;
            else if (v === '}' || v === ']') { if (d === 0) break; d--; if (d === 0) { j++; break; } }
            else if (d === 0 && (v === ',' || /\s/.test(v))) break;
            j++;
          }
          return { start, end: j };
        }
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return null;
}

/**
 * The file's text with only the value of top-level `key` replaced (every other byte as it was), or the key added
 * before the closing brace: a pin, a label or a kept intervention is a small diff whatever layout wrote the file.
 */
export function replaceTopLevelValueText(text: string, key: string, value: unknown): string {
  const range = topLevelValueRange(text, key);
  const body = (lead: string) => indent(JSON.stringify(key === 'qParams' ? ordered(value as object, QPARAMS_ORDER) : value, null, 2), lead);
  if (range) {
    const lineStart = text.lastIndexOf('\n', range.start) + 1;
    const lead = /^[ \t]*/.exec(text.slice(lineStart))![0];
    return text.slice(0, range.start) + body(lead) + text.slice(range.end);
  }
  const close = text.lastIndexOf('}');
  const before = text.slice(0, close).replace(/\s*$/, '');
  return `${before},\n  ${JSON.stringify(key)}: ${body('  ')}\n${text.slice(close)}`;
}

/** The file's text with only its qParams replaced (see replaceTopLevelValueText). */
export function replaceQParamsText(text: string, _graph: GraphJson, qParams: GraphJson['qParams']): string {
  return replaceTopLevelValueText(text, 'qParams', qParams);
}
