import type { Verdict } from '../../../src-core/matching/types.js';

export function pct(v: number, digits = 1): string {
  return `${(v * 100).toFixed(digits)} %`;
}

export function fixed(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  match: 'Match',
  ambiguous: 'Ambiguous',
  'no-match': 'No match',
};

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Max-normalised y resampled onto `points` even steps (thumbnails). */
export function thumbnailPath(values: readonly number[], width: number, height: number): string {
  if (values.length < 2) return '';
  const max = Math.max(...values.map((v) => Math.abs(v)), 1e-12);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  return values
    .map(
      (v, i) =>
        `${i === 0 ? 'M' : 'L'}${((i / (values.length - 1)) * width).toFixed(1)},${(height - ((v - min) / span) * (height - 2) - 1).toFixed(1)}`,
    )
    .join('');
}
