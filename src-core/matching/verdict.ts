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
 * Thresholds measured on RRUFF RAW spectra from ../shared/data with scripts/calibrate-matching.ts (classic
 * pipeline classic-v2; docs/notes/library.md has the distributions and the command). Leave-one-sample-out over the
 * excellent_unoriented set (3,664 spectra, 1,234 minerals): every spectrum whose mineral has another RRUFF sample is
 * a "known" query (2,417) against all spectra of other samples; the same queries against the other minerals only
 * give the "unknown" (open-set) case. noMatch = 5th percentile of the best score of correctly identified known
 * queries; (match, gap) = the most 'match' verdicts on known queries with ≥ 95 % of them right.
 */
export const DEFAULT_CALIBRATION: Record<Exclude<MatchMethod, 'siamese' | 'fused'>, VerdictCalibration> = {
  // top-1 0.763; 'match' on 50 % of known queries (95 % right); unknown queries: 42 % no-match, 15 % 'match'
  'hqi-derivative': { match: 0.59, gap: 0.15, noMatch: 0.52, source: 'RRUFF RAW excellent, leave-one-sample-out (scripts/calibrate-matching.ts)' },
  // top-1 0.581; 'match' on 25 % of known queries; unknown: 26 % no-match, 6 % 'match'
  'hqi-correlation': { match: 0.71, gap: 0.15, noMatch: 0.67, source: 'RRUFF RAW excellent, leave-one-sample-out (scripts/calibrate-matching.ts)' },
  // top-1 0.490; 'match' on 20 % of known queries; unknown: 19 % no-match, 5 % 'match'
  cosine: { match: 0.95, gap: 0.03, noMatch: 0.91, source: 'RRUFF RAW excellent, leave-one-sample-out (scripts/calibrate-matching.ts)' },
  // top-1 0.490; 'match' on 17 % of known queries; unknown: 19 % no-match, 3 % 'match'
  euclidean: { match: 0.7, gap: 0.1, noMatch: 0.7, source: 'RRUFF RAW excellent, leave-one-sample-out (scripts/calibrate-matching.ts)' },
};

export function verdictFor(score: number | undefined, gap: number, cal: VerdictCalibration): Verdict {
  if (score === undefined || !(score >= cal.noMatch)) return 'no-match';
  if (score >= cal.match && gap >= cal.gap) return 'match';
  return 'ambiguous';
}
