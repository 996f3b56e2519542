import type { MatchMethod, Verdict } from './types.js';

/**
 * Verdict calibration: thresholds on the best substance's score and its gap to the next substance.
 * - `no-match` when the best score is below `noMatch` (no substance in the library looks like the query);
 * - `match` when the best score reaches `match` and leads the next substance by at least `gap`;
 * - `ambiguous` otherwise (several candidates or a weak best one: look at the list).
 * The ranked list is returned whatever the verdict.
 */
export interface VerdictCalibration {
  match: number;
  gap: number;
  noMatch: number;
  /** How the thresholds were obtained (shown in reports and docs). */
  source: string;
}

/**
 * Thresholds measured on RRUFF RAW spectra from ../shared/data with scripts/calibrate-matching.ts (see
 * docs/notes/library.md for the distributions and the command). Leave-one-out over the excellent set: every
 * spectrum of a mineral with ≥ 2 spectra is a query against all the others ("known" queries); the same queries
 * with every spectrum of their own mineral removed give the "unknown" (open-set) score distribution.
 */
export const DEFAULT_CALIBRATION: Record<Exclude<MatchMethod, 'siamese' | 'fused'>, VerdictCalibration> = {
  'hqi-correlation': { match: 0.9, gap: 0.02, noMatch: 0.6, source: 'provisional' },
  'hqi-derivative': { match: 0.6, gap: 0.05, noMatch: 0.3, source: 'provisional' },
  cosine: { match: 0.97, gap: 0.01, noMatch: 0.85, source: 'provisional' },
  euclidean: { match: 0.85, gap: 0.02, noMatch: 0.65, source: 'provisional' },
};

export function verdictFor(score: number | undefined, gap: number, cal: VerdictCalibration): Verdict {
  if (score === undefined || !(score >= cal.noMatch)) return 'no-match';
  if (score >= cal.match && gap >= cal.gap) return 'match';
  return 'ambiguous';
}
