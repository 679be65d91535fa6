// The demo prompts document: the embedded model's own demo prompts (models/organism/demo-prompts.json, written by its
// evaluation with the outputs it measured), one section per theme, ready to select and trace.

export interface DemoPrompt {
  theme: string;
  prompt: string;
  expected?: string;
  top?: { token: string; prob: number }[];
}

const THEMES: Record<string, string> = {
  twohop: 'Two-hop facts (city → state → capital)',
  multilingual: 'The same facts in English, Spanish and French',
  addition: 'Two-digit addition',
  rhyme: 'Rhyming couplets',
  known_unknown: 'Known and unknown entities',
  reasoning: 'Stated reasoning (faithful, or decided by a hint)',
};

/** Validates the JSON loosely: a list of objects with string `theme` and `prompt`; anything else is skipped. */
export function parseDemoPrompts(data: unknown): DemoPrompt[] {
  if (!Array.isArray(data)) return [];
  return data.filter((d): d is DemoPrompt => typeof d?.theme === 'string' && typeof d?.prompt === 'string');
}

export function demoPromptsMarkdown(prompts: DemoPrompt[]): string {
  const out = [
    '# Self-Tracing demo prompts',
    '',
    'Select a prompt (the lines after a quote marker, without the marker) and run **Self-Tracing: Trace Selection**',
    '(editor context menu, Command Palette, or Ctrl+Alt+Shift+T). The graph opens beside this file and the prompt gets a',
    'heatmap: green tokens push the model towards its answer, purple ones away from it. The outputs listed are what the',
    'embedded model predicts, measured when it was built.',
  ];
  if (prompts.length === 0) out.push('', '*The embedded model has no demo prompts in this build.*');
  const themes = [...new Set(prompts.map((p) => p.theme))];
  for (const theme of themes) {
    out.push('', `## ${THEMES[theme] ?? theme}`);
    for (const p of prompts.filter((q) => q.theme === theme)) {
      out.push('', ...p.prompt.split('\n').map((line) => `> ${line}`));
      const top = (p.top ?? []).slice(0, 3).map((t) => `\`${JSON.stringify(t.token)}\` ${(100 * t.prob).toFixed(1)}%`);
      if (top.length) out.push('', `Model: ${top.join(', ')}${p.expected !== undefined ? ` (expected \`${JSON.stringify(p.expected)}\`)` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}
