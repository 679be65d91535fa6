import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { extractClaims, extractConcepts, sentences } from '../../../../src/engine/reasoning/claims';
import { contextProblem, problemsError } from '../../../../src/engine/reasoning/compare';
import { contentMask, layoutContext } from '../../../../src/engine/reasoning/context';
import { DEFAULT_TEMPLATE, formatReasoningMarkdown, parseReasoningMarkdown, type ReasoningDocument } from '../../../../src/engine/reasoning/markdown';

const GOOD = `# Dallas

## Prompt

Q: What is the capital of the state containing Dallas?

## Reasoning

1. Dallas is in Texas.
2. The capital of Texas is
   Austin. So the answer is Austin.

## Answer

Austin
`;

function parsed(src: string): ReasoningDocument {
  const r = parseReasoningMarkdown(src);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  return r.document;
}

function problems(src: string) {
  const r = parseReasoningMarkdown(src);
  assert.equal(r.ok, false, 'expected problems');
  return r.ok ? [] : r.problems;
}

test('parses prompt, list steps (continuation lines joined) and answer', () => {
  const d = parsed(GOOD);
  assert.equal(d.prompt, 'Q: What is the capital of the state containing Dallas?');
  assert.deepEqual(d.steps.map((s) => s.text), ['Dallas is in Texas.', 'The capital of Texas is Austin. So the answer is Austin.']);
  assert.equal(d.answer, 'Austin');
  assert.equal(d.template, DEFAULT_TEMPLATE);
  assert.deepEqual(d.headings, { prompt: 2, reasoning: 6, answer: 12 });
});

test('lays the document out in the template, the answer keeping the space before it', () => {
  const ctx = layoutContext(parsed(GOOD));
  assert.equal(ctx.text, 'Q: What is the capital of the state containing Dallas?\nReasoning: Dallas is in Texas. The capital of Texas is Austin. So the answer is Austin.\nA:');
  assert.equal(ctx.answer, ' Austin');
  assert.equal(ctx.text.slice(...ctx.steps[0]), 'Dallas is in Texas.');
  const mask = contentMask(ctx);
  assert.equal(mask[ctx.text.indexOf('Reasoning:')], 0, 'template text is not content');
  assert.equal(mask[0], 1);
});

test('claims are sentences with source ranges pointing into the markdown', () => {
  const d = parsed(GOOD);
  const claims = extractClaims(d);
  assert.deepEqual(claims.map((c) => c.text), ['Dallas is in Texas.', 'The capital of Texas is Austin.', 'So the answer is Austin.']);
  const lines = GOOD.split('\n');
  const c1 = claims[1];
  assert.equal(c1.range.startLine, 9);
  assert.equal(lines[9].slice(c1.range.startCol), 'The capital of Texas is');
  assert.equal(c1.range.endLine, 10);
  assert.equal(lines[10].slice(0, c1.range.endCol).trim(), 'Austin.');
  assert.deepEqual(c1.concepts.map((k) => [k.text, k.kind]), [['capital', 'word'], ['Texas', 'entity'], ['Austin', 'entity']]);
});

test('concepts: numbers, multi-word entities, content words; function words and sentence-initial "The" name nothing', () => {
  assert.deepEqual(extractConcepts('71 is larger than 34.').map((k) => k.text), ['71', 'larger', '34']);
  assert.deepEqual(extractConcepts('The capital of New York is Albany.').map((k) => [k.text, k.kind]), [['capital', 'word'], ['New York', 'entity'], ['Albany', 'entity']]);
  assert.deepEqual(extractConcepts('I compared the two numbers.').map((k) => k.text), ['compared', 'two', 'numbers']);
  const text = 'It is 3.5 in the U.S. today. Then 7 follows! Done';
  assert.deepEqual(sentences(text).map(([a, b]) => text.slice(a, b)), ['It is 3.5 in the U.S. today.', 'Then 7 follows!', 'Done']);
});

test('a paragraph without a list is one step per paragraph; fenced prompts are kept exactly', () => {
  const d = parsed('## Prompt\n\n```\n  two  spaces\n\nand a blank line\n```\n\n## Reasoning\n\nFirst thought.\nSame step.\n\nSecond step.\n');
  assert.equal(d.prompt, '  two  spaces\n\nand a blank line');
  assert.deepEqual(d.steps.map((s) => s.text), ['First thought. Same step.', 'Second step.']);
  assert.equal(d.answer, undefined);
});

test('front matter sets the template; a bad template points at its line', () => {
  const d = parsed('---\ntemplate: "{prompt} => {reasoning} so {answer}"\n---\n## Prompt\nx\n## Reasoning\n- y\n');
  assert.equal(layoutContext(d).text, 'x => y so');
  const p = problems('---\ntitle: t\ntemplate: "{answer} {prompt}"\n---\n## Prompt\nx\n## Reasoning\n- y\n');
  assert.equal(p[0].line, 2);
  assert.match(p[0].message, /\{prompt\}, \{reasoning\} and \{answer\}/);
});

test('malformed markdown: each problem points at its line', () => {
  const noPrompt = problems('# t\n\n## Reasoning\n- a step\n');
  assert.equal(noPrompt.length, 1);
  assert.equal(noPrompt[0].line, 0);
  assert.match(noPrompt[0].message, /No `## Prompt` section/);

  const empty = problems('## Prompt\nQ: hi?\n\n## Reasoning\n\n## Answer\nx\n');
  assert.equal(empty[0].line, 3);
  assert.match(empty[0].message, /reasoning is empty/);

  const emptyPrompt = problems('## Prompt\n\n## Reasoning\n- s\n');
  assert.equal(emptyPrompt[0].line, 0);
  assert.match(emptyPrompt[0].message, /prompt is empty/);

  const dup = problems('## Prompt\na\n## Reasoning\n- s\n## Prompt\nb\n');
  assert.equal(dup[0].line, 4);
  assert.match(dup[0].message, /second `## Prompt`.*line 1/);

  const twoLines = problems('## Prompt\na\n## Reasoning\n- s\n## Answer\nx\ny\n');
  assert.equal(twoLines[0].line, 4);

  const err = problemsError(empty, 'q.md');
  assert.equal(err.code, 'badInput');
  assert.match(err.message, /^q\.md:4: The reasoning is empty/);
  assert.deepEqual(JSON.parse(err.detail!).problems, empty);
});

test('a prompt too long for the model points at the prompt heading', () => {
  const d = parsed('# t\n\n## Prompt\nQ\n## Reasoning\n- s\n');
  assert.equal(contextProblem(d, 128, 128), undefined);
  const p = contextProblem(d, 129, 128)!;
  assert.equal(p.line, 2);
  assert.match(p.message, /129 tokens.*at most 128/);
});

test('the format round-trips through the writer', () => {
  const md = formatReasoningMarkdown({ prompt: 'Hint: the answer is 34.\nQ: Which is larger, 34 or 71?', steps: ['I compared the two numbers.'], answer: '34' });
  const d = parsed(md);
  assert.equal(d.prompt, 'Hint: the answer is 34.\nQ: Which is larger, 34 or 71?');
  assert.deepEqual(d.steps.map((s) => s.text), ['I compared the two numbers.']);
  assert.equal(d.answer, '34');
  const fenced = parsed(formatReasoningMarkdown({ prompt: '## not a heading\n\n  indented', steps: ['x'] }));
  assert.equal(fenced.prompt, '## not a heading\n\n  indented');
});
