import { reweightedWhittaker } from './banded.js';
import { requireIntegerIn, requireLength, requirePositive } from './params.js';

export interface BaselineArplsOptions {
  /** Smoothness penalty λ. @default 1e5 */
  lambda?: number;
  /** Stop when ‖w_new − w‖ / ‖w‖ falls below this ratio. @default 0.001 */
  ratio?: number;
  /** Order of the difference penalty. @default 2 */
  differenceOrder?: number;
  /** @default 50 */
  maxIterations?: number;
}

export const BASELINE_ARPLS_DEFAULTS: Required<BaselineArplsOptions> = {
  lambda: 1e5,
  ratio: 1e-3,
  differenceOrder: 2,
  maxIterations: 50,
};

/**
 * Asymmetrically reweighted penalised least squares (S.-J. Baek, A. Park, Y.-J. Ahn, J. Choo, "Baseline correction
 * using asymmetrically reweighted penalized least squares smoothing", Analyst 140:250–257, 2015). Weights follow a
 * logistic function of the residual d = y − z scaled by the mean m and standard deviation σ of its negative part:
 * w = 1 / (1 + exp(2 (d − (2σ − m)) / σ)), so noise below the baseline keeps weight ~1 and peaks get ~0 without a
 * hand-set asymmetry p. Returns the baseline.
 */
export function baselineArpls(y: ArrayLike<number>, options: BaselineArplsOptions = {}): Float64Array {
  const o = { ...BASELINE_ARPLS_DEFAULTS, ...options };
  requirePositive('lambda', o.lambda);
  requirePositive('ratio', o.ratio);
  requireIntegerIn('differenceOrder', o.differenceOrder, 1, 3);
  requireIntegerIn('maxIterations', o.maxIterations, 1, 1000);
  const n = y.length;
  requireLength('arPLS baseline', n, o.differenceOrder + 1);
  return reweightedWhittaker(y, o.differenceOrder, o.lambda, o.maxIterations, (z, w) => {
    let count = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const d = y[i]! - z[i]!;
      if (d < 0) {
        count++;
        sum += d;
      }
    }
    if (count < 2) return false; // nothing (or one point) under the baseline: it cannot go lower
    const mean = sum / count;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = y[i]! - z[i]!;
      if (d < 0) ss += (d - mean) * (d - mean);
    }
    // numpy's std (ddof 0), as in the paper's reference implementation.
    const sd = Math.sqrt(ss / count);
    if (!(sd > 0)) return false;
    let diff2 = 0;
    let norm2 = 0;
    for (let i = 0; i < n; i++) {
      const d = y[i]! - z[i]!;
      const wt = 1 / (1 + Math.exp((2 * (d - (2 * sd - mean))) / sd));
      diff2 += (wt - w[i]!) * (wt - w[i]!);
      norm2 += w[i]! * w[i]!;
      w[i] = wt;
    }
    return !(Math.sqrt(diff2 / norm2) < o.ratio);
  });
}
