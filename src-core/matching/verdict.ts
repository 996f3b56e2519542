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
 * Thresholds measured on RRUFF RAW spectra from ../shared/data with scripts/calibrate-matching.ts (the default
 * classic pipeline of classicAxis.ts, with its ALS baseline step; docs/results/library.md has the distributions and
 * the command). Leave-one-sample-out over the excellent_unoriented set (3,664 spectra, 1,234 minerals): every spectrum
 * whose mineral has another RRUFF sample is a "known" query (2,417) against all spectra of other samples; the same
 * queries against the other minerals only give the "unknown" (open-set) case. noMatch = 5th percentile of the best
 * score of correctly identified known queries; (match, gap) = the most 'match' verdicts on known queries with ≥ 95 %
 * of them right. Only these default pipelines are calibrated: a result with an analyst's pipeline says so.
 */
const SOURCE = 'RRUFF RAW excellent, leave-one-sample-out, default classic pipeline (scripts/calibrate-matching.ts)';
export const DEFAULT_CALIBRATION: Record<Exclude<MatchMethod, 'siamese' | 'fused'>, VerdictCalibration> = {
  // top-1 0.765; 'match' on 50 % of known queries (95.1 % right); unknown queries: 41 % no-match, 15 % 'match'
  'hqi-derivative': { match: 0.58, gap: 0.15, noMatch: 0.515, source: SOURCE },
  // top-1 0.777; 'match' on 49 % of known queries (95.2 % right); unknown: 39 % no-match, 16 % 'match'
  'hqi-correlation': { match: 0.73, gap: 0.1, noMatch: 0.65, source: SOURCE },
  // top-1 0.780; 'match' on 48 % of known queries (95.2 % right); unknown: 43 % no-match, 16 % 'match'
  cosine: { match: 0.88, gap: 0.05, noMatch: 0.835, source: SOURCE },
  // top-1 0.780; 'match' on 54 % of known queries (95.7 % right): the gap alone decides above noMatch; unknown: 43 %
  // no-match, 15 % 'match'
  euclidean: { match: 0.635, gap: 0.075, noMatch: 0.635, source: SOURCE },
};

export function verdictFor(score: number | undefined, gap: number, cal: VerdictCalibration): Verdict {
  if (score === undefined || !(score >= cal.noMatch)) return 'no-match';
  if (score >= cal.match && gap >= cal.gap) return 'match';
  return 'ambiguous';
}
