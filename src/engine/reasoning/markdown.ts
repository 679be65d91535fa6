// The stated-reasoning markdown format: `## Prompt`, `## Reasoning` (a list of steps) and `## Answer`, with an
// optional front matter `template` saying how the three are laid out in the model's context. Parsing never throws:
// it returns the document or the problems, each pointing at a line, so the editor can show them as diagnostics.
import { parse as parseYaml } from 'yaml';

/** How prompt, reasoning and answer sit in the context; the embedded model's training layout. */
export const DEFAULT_TEMPLATE = '{prompt}\nReasoning: {reasoning}\nA: {answer}';
/** Steps are joined with this in the context (the embedded model writes its sentences on one line). */
export const STEP_SEPARATOR = ' ';

/** A place in the markdown source: 0-based line and UTF-16 column, end exclusive. */
export interface SourceRange {
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
}

export interface ReasoningProblem {
  /** 0-based line (editors count from 0; messages say line + 1) */
  line: number;
  message: string;
}

export interface ReasoningStep {
  text: string;
  /** where each character of `text` comes from: text[i] is at (lines[i], cols[i]) of the source */
  lines: Int32Array;
  cols: Int32Array;
}

export interface ReasoningDocument {
  prompt: string;
  steps: ReasoningStep[];
  /** undefined: the model's own most likely answer is traced */
  answer: string | undefined;
  template: string;
  /** 0-based lines of the section headings, for messages that point at a section */
  headings: { prompt: number; reasoning: number; answer?: number };
}

export type ParseResult = { ok: true; document: ReasoningDocument } | { ok: false; problems: ReasoningProblem[] };

type SectionName = 'prompt' | 'reasoning' | 'answer';
interface Section {
  heading: number;
  /** 0-based line numbers of the body, heading excluded */
  lines: number[];
}

const HEADING = /^\s{0,3}##\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s{0,3}(```+|~~~+)/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])(\s+|$)/;

export function parseReasoningMarkdown(source: string): ParseResult {
  const lines = source.split(/\r\n|\r|\n/);
  const problems: ReasoningProblem[] = [];
  const { template, bodyStart } = frontMatter(lines, problems);

  const sections = new Map<SectionName, Section>();
  let current: Section | undefined;
  let inFence = false;
  for (let i = bodyStart; i < lines.length; i++) {
    if (FENCE.test(lines[i])) inFence = !inFence;
    const h = inFence ? null : HEADING.exec(lines[i]);
    if (h) {
      const name = h[1].toLowerCase().replace(/:$/, '') as SectionName;
      if (name === 'prompt' || name === 'reasoning' || name === 'answer') {
        if (sections.has(name)) problems.push({ line: i, message: `A second \`## ${h[1]}\` section; keep one (the first is on line ${sections.get(name)!.heading + 1}).` });
        current = { heading: i, lines: [] };
        if (!sections.has(name)) sections.set(name, current);
      } else current = undefined; // other sections (notes, sources) are the author's own and are ignored
      continue;
    }
    current?.lines.push(i);
  }

  const promptSec = sections.get('prompt');
  const reasoningSec = sections.get('reasoning');
  const answerSec = sections.get('answer');
  let prompt = '';
  if (!promptSec) problems.push({ line: 0, message: 'No `## Prompt` section: add a `## Prompt` heading followed by the prompt text.' });
  else {
    prompt = blockText(lines, promptSec.lines);
    if (prompt.trim() === '') problems.push({ line: promptSec.heading, message: 'The prompt is empty: write the prompt text under `## Prompt`.' });
  }
  let steps: ReasoningStep[] = [];
  if (!reasoningSec) problems.push({ line: 0, message: 'No `## Reasoning` section: add a `## Reasoning` heading followed by a list of steps.' });
  else {
    steps = reasoningSteps(lines, reasoningSec.lines);
    if (steps.length === 0) problems.push({ line: reasoningSec.heading, message: 'The reasoning is empty: list at least one step under `## Reasoning` (e.g. `- Dallas is in Texas.`).' });
  }
  let answer: string | undefined;
  if (answerSec) {
    answer = blockText(lines, answerSec.lines).trim();
    if (answer === '') problems.push({ line: answerSec.heading, message: 'The answer is empty: write the answer under `## Answer`, or remove the section to trace the model\'s own answer.' });
    else if (answer.includes('\n')) problems.push({ line: answerSec.heading, message: 'The answer spans several lines: keep it to one line.' });
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return {
    ok: true,
    document: { prompt, steps, answer, template, headings: { prompt: promptSec!.heading, reasoning: reasoningSec!.heading, answer: answerSec?.heading } },
  };
}

/** A document written in the format, e.g. from the model's own generation (Explain). */
export function formatReasoningMarkdown(doc: { prompt: string; steps: string[]; answer?: string; template?: string; title?: string }): string {
  const out: string[] = [];
  if (doc.template !== undefined && doc.template !== DEFAULT_TEMPLATE) out.push('---', `template: ${JSON.stringify(doc.template)}`, '---', '');
  if (doc.title) out.push(`# ${doc.title}`, '');
  // a prompt that a paragraph would not keep exactly (leading spaces, blank lines, markdown headings) goes in a fence
  const fenced = /^\s|\s$|\n\s*\n|^\s{0,3}#|```/.test(doc.prompt);
  out.push('## Prompt', '', ...(fenced ? ['```text', doc.prompt, '```'] : [doc.prompt]), '', '## Reasoning', '');
  for (const s of doc.steps) out.push(`- ${s.replace(/\s*\n\s*/g, ' ')}`);
  if (doc.answer !== undefined) out.push('', '## Answer', '', doc.answer);
  return out.join('\n') + '\n';
}

function frontMatter(lines: string[], problems: ReasoningProblem[]): { template: string; bodyStart: number } {
  if (lines[0]?.trim() !== '---') return { template: DEFAULT_TEMPLATE, bodyStart: 0 };
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) {
    problems.push({ line: 0, message: 'The front matter opened with `---` is never closed: add a `---` line after it.' });
    return { template: DEFAULT_TEMPLATE, bodyStart: lines.length };
  }
  let data: unknown;
  try {
    data = parseYaml(lines.slice(1, end).join('\n')) ?? {};
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    problems.push({ line: line === undefined ? 0 : line, message: `The front matter is not valid YAML: ${(e as Error).message.split('\n')[0]}` });
    return { template: DEFAULT_TEMPLATE, bodyStart: end + 1 };
  }
  const t = (data as { template?: unknown }).template;
  if (t === undefined) return { template: DEFAULT_TEMPLATE, bodyStart: end + 1 };
  const line = Math.max(0, lines.findIndex((l) => /^\s*template\s*:/.test(l)));
  if (typeof t !== 'string') problems.push({ line, message: 'The front matter `template` must be a string such as "{prompt}\\nReasoning: {reasoning}\\nA: {answer}".' });
  else {
    const at = ['{prompt}', '{reasoning}', '{answer}'].map((k) => t.indexOf(k));
    if (at.some((i) => i < 0) || !(at[0] < at[1] && at[1] < at[2]) || !t.trimEnd().endsWith('{answer}')) {
      problems.push({ line, message: 'The template must contain {prompt}, {reasoning} and {answer} in that order, and end with {answer}.' });
    } else return { template: t, bodyStart: end + 1 };
  }
  return { template: DEFAULT_TEMPLATE, bodyStart: end + 1 };
}

/** A section's text: the inside of its first fenced block if it has one, else its lines with blank edges trimmed. */
function blockText(lines: string[], body: number[]): string {
  const open = body.findIndex((i) => FENCE.test(lines[i]));
  if (open >= 0) {
    const marker = FENCE.exec(lines[body[open]])![1];
    const close = body.findIndex((i, k) => k > open && lines[i].trim().startsWith(marker));
    return body.slice(open + 1, close < 0 ? undefined : close).map((i) => lines[i]).join('\n');
  }
  const text = body.map((i) => lines[i].trimEnd());
  while (text.length && text[0].trim() === '') text.shift();
  while (text.length && text[text.length - 1].trim() === '') text.pop();
  return text.join('\n');
}

/** List items are steps (continuation lines join with a space); without a list, each paragraph is a step. */
function reasoningSteps(lines: string[], body: number[]): ReasoningStep[] {
  const steps: { lines: number[]; cols: number[]; text: string }[] = [];
  let cur: (typeof steps)[number] | undefined;
  const append = (line: number, col: number, text: string) => {
    if (!cur) return;
    if (cur.text.length > 0) {
      cur.text += ' ';
      cur.lines.push(line);
      cur.cols.push(col);
    }
    for (let k = 0; k < text.length; k++) {
      cur.lines.push(line);
      cur.cols.push(col + k);
    }
    cur.text += text;
  };
  const hasList = body.some((i) => LIST_ITEM.test(lines[i]) && lines[i].replace(LIST_ITEM, '').trim() !== '');
  for (const i of body) {
    const raw = lines[i];
    if (FENCE.test(raw)) continue;
    if (raw.trim() === '') {
      if (!hasList) cur = undefined;
      continue;
    }
    const item = LIST_ITEM.exec(raw);
    if (hasList && item) {
      cur = { lines: [], cols: [], text: '' };
      steps.push(cur);
      const start = item[0].length;
      const content = raw.slice(start).trimEnd();
      append(i, start, content);
      continue;
    }
    if (!cur) {
      if (hasList) continue; // prose before the first item introduces the list
      cur = { lines: [], cols: [], text: '' };
      steps.push(cur);
    }
    const lead = raw.length - raw.trimStart().length;
    append(i, lead, raw.trim());
  }
  return steps
    .filter((s) => s.text.trim() !== '')
    .map((s) => ({ text: s.text, lines: Int32Array.from(s.lines), cols: Int32Array.from(s.cols) }));
}

/** The source range of characters [start, end) of a step. */
export function stepRange(step: ReasoningStep, start: number, end: number): SourceRange {
  const last = Math.max(start, end - 1);
  return { startLine: step.lines[start], startCol: step.cols[start], endLine: step.lines[last], endCol: step.cols[last] + 1 };
}
