/**
 * Turning similarity scores into verdicts, calibrated on validation classes the model never trained on.
 * For each validation query we know its top-1 score s₁, the runner-up s₂ and whether the top-1 was right, and,
 * with its own class's reference removed (an "unknown substance", the open-set case), the top score s₀.
 *   noMatch      the 95th percentile of s₀: 95 % of queries of substances absent from the library score below it
 *   match        the lowest threshold ≥ noMatch at which top-1 answers with s₁ ≥ threshold are right ≥ 95 % of the time
 *   ambiguousGap the median s₁ − s₂ of wrong top-1 answers that scored at least noMatch: closer calls are "ambiguous"
 * (Platt 1999 scaling is fitted separately for a probability, see fitPlatt.)
 */
export interface QueryOutcome {
  top1: number;
  top2: number;
  correct: boolean;
  /** Top score with the query's own class removed from the references. */
  openSetTop: number;
}

export interface Calibration {
  match: number;
  ambiguousGap: number;
  noMatch: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = Math.min(sorted.length - 1, Math.max(0, q * (sorted.length - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function calibrateThresholds(outcomes: readonly QueryOutcome[], precision = 0.95, openSetReject = 0.95): Calibration {
  const open = outcomes.map((o) => o.openSetTop).sort((a, b) => a - b);
  const noMatch = quantile(open, openSetReject);
  const byScore = outcomes.filter((o) => o.top1 >= noMatch).sort((a, b) => b.top1 - a.top1);
  let match = 1;
  let right = 0;
  byScore.forEach((o, i) => {
    if (o.correct) right++;
    if (right / (i + 1) >= precision) match = o.top1;
  });
  const wrongGaps = byScore.filter((o) => !o.correct).map((o) => o.top1 - o.top2).sort((a, b) => a - b);
  const ambiguousGap = wrongGaps.length ? quantile(wrongGaps, 0.5) : 0;
  return { match: Math.max(match, noMatch), ambiguousGap, noMatch };
}

/**
 * Platt scaling (Platt 1999): p = sigmoid(a·z + b) fitted by Newton's method on logits z with 0/1 targets, giving a
 * calibrated probability that two spectra are the same substance.
 */
export function fitPlatt(logits: readonly number[], targets: readonly number[], iterations = 50): { a: number; b: number } {
  let a = 1;
  let b = 0;
  for (let it = 0; it < iterations; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < logits.length; i++) {
      const z = logits[i]!;
      const p = 1 / (1 + Math.exp(-(a * z + b)));
      const d = p - targets[i]!;
      const w = p * (1 - p);
      ga += d * z;
      gb += d;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}

/**
 * Weight of the Siamese score in the fused score α·siamese + (1 − α)·derivative HQI when a model states none
 * (`metrics.fusionAlpha`). 0.5 is also what the engine's evaluation chose on validation classes (docs/RESULTS.md).
 */
export const DEFAULT_FUSION_ALPHA = 0.5;
