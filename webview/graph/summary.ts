// The panel's summary: target output, graph scores, and the prompt as a strip of tokens shaded by their
// attribution to the target (the same signed scale as the editor heatmap, so it doubles as its legend).
import { select } from 'd3';
import { displayToken, formatNumber } from './format';
import { axisName } from './overlay';
import { targetNode, type GraphModel } from './model';
import type { Store } from './store';

export function renderSummary(el: HTMLElement, model: GraphModel, store: Store): void {
  const root = select(el).attr('class', 'summary');
  root.selectAll('*').remove();
  const target = targetNode(model);
  const extras = model.extras;
  const head = root.append('div').attr('class', 'summary-head');
  const targetText = extras?.target?.contrast
    ? `"${displayToken(extras.target.token)}" versus "${displayToken(extras.target.contrast.token)}"`
    : target ? `"${displayToken(target.token)}"${target.prob !== null ? ` (p = ${formatNumber(target.prob)})` : ''}` : 'none';
  head.append('span').attr('class', 'target').text(`Target ${targetText}`);
  const scores = extras?.scores;
  if (scores?.replacement !== undefined) head.append('span').attr('class', 'score replacement').attr('title', 'Share of the graph\'s influence that flows through features rather than error nodes').text(`Replacement ${formatNumber(scores.replacement, 2)}`);
  if (scores?.completeness !== undefined) head.append('span').attr('class', 'score completeness').attr('title', 'Share of each node\'s input explained by features and tokens').text(`Completeness ${formatNumber(scores.completeness, 2)}`);

  const values = extras?.tokenScores?.total;
  const max = values ? Math.max(1e-12, ...values.map(Math.abs)) : 1;
  const strip = root.append('div').attr('class', 'token-strip').attr('role', 'list').attr('aria-label', 'Prompt tokens shaded by attribution to the target');
  // one list, no Tab stops: the tokens do nothing when focused; each item says its position and attribution
  strip.selectAll<HTMLSpanElement, unknown>('span.tok').data(model.tokens.map((t, i) => ({ t, i, v: values?.[i] })))
    .join('span').attr('role', 'listitem')
    .attr('aria-label', (d) => `${axisName(d.t, d.i) || 'empty token'}, position ${d.i}${d.v !== undefined ? `, attribution ${formatNumber(d.v)}` : ''}`)
    .attr('class', (d) => `tok${d.v === undefined ? '' : d.v >= 0 ? ' pos' : ' neg'}`)
    .attr('data-ctx', (d) => d.i)
    .attr('title', (d) => `${axisName(d.t, d.i) === 'BOS' ? `${d.t}: the beginning-of-sequence token the tracer puts first · ` : ''}position ${d.i}${d.v !== undefined ? ` · attribution ${formatNumber(d.v)} (logit units)` : ''}`)
    .each(function (d) {
      this.style.setProperty('--heat', String(d.v === undefined ? 0 : Math.abs(d.v) / max));
    })
    .text((d) => axisName(d.t, d.i) || '∅')
    .on('mouseenter', (_e, d) => store.set({ cursorPosition: d.i }))
    .on('mouseleave', () => store.set({ cursorPosition: null }));
  if (values) {
    const legend = root.append('div').attr('class', 'legend muted');
    legend.append('span').text('suppresses');
    legend.append('span').attr('class', 'legend-bar');
    legend.append('span').text('promotes the target · links: ');
    legend.append('span').attr('class', 'swatch pos');
    legend.append('span').text('excite ');
    legend.append('span').attr('class', 'swatch neg');
    legend.append('span').text('inhibit');
  }
}
