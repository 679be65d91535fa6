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

export const formatCount = (n: number): string => n.toLocaleString('en-US');
