import { reweightedWhittaker } from './banded.js';
import { requireIntegerIn, requireLength, requireOpenUnit, requirePositive } from './params.js';

export interface BaselineAlsOptions {
  /** Smoothness penalty λ: larger gives a stiffer baseline (Eilers & Boelens suggest 10²…10⁹). @default 1e5 */
  lambda?: number;
  /** Asymmetry p: weight of points above the baseline (those below get 1 − p); 0.001…0.1 for positive peaks. @default 0.01 */
  p?: number;
  /** Order of the difference penalty. @default 2 */
  differenceOrder?: number;
  /** Reweighting iterations at most; stops earlier when no weight changes. @default 20 */
  maxIterations?: number;
}

export const BASELINE_ALS_DEFAULTS: Required<BaselineAlsOptions> = {
  lambda: 1e5,
  p: 0.01,
  differenceOrder: 2,
  maxIterations: 20,
};

/**
 * Asymmetric least squares baseline (P. H. C. Eilers, H. F. M. Boelens, "Baseline correction with asymmetric least
 * squares smoothing", Leiden University Medical Centre report, 2005). A Whittaker smoother whose weights are p for
 * points above the current baseline and 1 − p below it, iterated until the weights no longer change, so the
 * baseline hugs the underside of the spectrum. Each iteration is one O(n) banded solve. Returns the baseline;
 * subtract it to correct.
 */
export function baselineAls(y: ArrayLike<number>, options: BaselineAlsOptions = {}): Float64Array {
  const o = { ...BASELINE_ALS_DEFAULTS, ...options };
  requirePositive('lambda', o.lambda);
  requireOpenUnit('p', o.p);
  requireIntegerIn('differenceOrder', o.differenceOrder, 1, 3);
  requireIntegerIn('maxIterations', o.maxIterations, 1, 1000);
  const n = y.length;
  requireLength('ALS baseline', n, o.differenceOrder + 1);
  return reweightedWhittaker(y, o.differenceOrder, o.lambda, o.maxIterations, (z, w) => {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const wi = y[i]! > z[i]! ? o.p : 1 - o.p;
      if (wi !== w[i]) changed++;
      w[i] = wi;
    }
    return changed > 0;
  });
}
