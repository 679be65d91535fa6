// How tokens and numbers read in the panel: whitespace made visible the way circuit-tracer's frontend shows it.

const WHITESPACE: Record<string, string> = { '\n': '⏎', '\t': '→', '\r': '↵' };

export const displayToken = (token: string): string => token.replace(/[\n\t\r]/g, (c) => WHITESPACE[c]);

export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toExponential(1);
  return value.toFixed(digits);
}

export const formatSigned = (value: number, digits = 3): string => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;

export const formatPercent = (fraction: number): string => `${Math.round(fraction * 100)}%`;

/**
 * A token probability as a label shows it: whole percents between 10% and 99%, one decimal outside them, so 0.7%
 * does not read "1%" and 99.8% does not read "100%"; under 0.05% "<0.1%", not "0.0%" (the header has the value).
 */
export const formatProbability = (p: number): string => (p > 0 && p < 0.0005 ? '<0.1%' : `${(p * 100).toFixed(p >= 0.1 && p < 0.995 ? 0 : 1).replace(/^100\.0$/, '100')}%`);

export const formatCount = (n: number): string => n.toLocaleString('en-US');
