import { reweightedWhittaker } from './banded.js';
import { requireIntegerIn, requireLength, requirePositive } from './params.js';

export interface BaselineAirplsOptions {
  /** Smoothness penalty λ. @default 1e5 */
  lambda?: number;
  /** Order of the difference penalty. @default 2 */
  differenceOrder?: number;
  /** Stop when |Σ negative residuals| < tolerance · Σ|y|. @default 0.001 */
  tolerance?: number;
  /** @default 15 */
  maxIterations?: number;
}

export const BASELINE_AIRPLS_DEFAULTS: Required<BaselineAirplsOptions> = {
  lambda: 1e5,
  differenceOrder: 2,
  tolerance: 1e-3,
  maxIterations: 15,
};

/** exp() arguments above this would overflow to Infinity and make the system singular; e^700 is already ~1e304. */
const MAX_EXPONENT = 700;

/**
 * Adaptive iteratively reweighted penalised least squares (Z.-M. Zhang, S. Chen, Y.-Z. Liang, "Baseline correction
 * using adaptive iteratively reweighted penalized least squares", Analyst 135:1138–1146, 2010). At iteration t,
 * points above the baseline get weight 0 and points below get exp(t·|d_i| / |d⁻|), where |d⁻| is the summed
 * magnitude of the negative residuals; the end points get exp(t·max(d⁻) / |d⁻|) (max(d⁻) < 0, so just under 1) so the baseline stays anchored there.
 * Stops when |d⁻| < tolerance · Σ|y|. Returns the baseline.
 */
export function baselineAirpls(y: ArrayLike<number>, options: BaselineAirplsOptions = {}): Float64Array {
  const o = { ...BASELINE_AIRPLS_DEFAULTS, ...options };
  requirePositive('lambda', o.lambda);
  requirePositive('tolerance', o.tolerance);
  requireIntegerIn('differenceOrder', o.differenceOrder, 1, 3);
  requireIntegerIn('maxIterations', o.maxIterations, 1, 1000);
  const n = y.length;
  requireLength('airPLS baseline', n, o.differenceOrder + 1);
  let absSum = 0;
  for (let i = 0; i < n; i++) absSum += Math.abs(y[i]!);
  return reweightedWhittaker(y, o.differenceOrder, o.lambda, o.maxIterations, (z, w, t) => {
    let negSum = 0;
    let negMax = -Infinity;
    for (let i = 0; i < n; i++) {
      const d = y[i]! - z[i]!;
      if (d < 0) {
        negSum -= d;
        if (d > negMax) negMax = d;
      }
    }
    if (negSum === 0 || negSum < o.tolerance * absSum) return false;
    for (let i = 0; i < n; i++) {
      const d = y[i]! - z[i]!;
      w[i] = d >= 0 ? 0 : Math.exp(Math.min(MAX_EXPONENT, (t * -d) / negSum));
    }
    // negMax is the negative residual closest to zero, so the end weights are just under 1 (as in the paper's code).
    const endWeight = Math.exp((t * negMax) / negSum);
    w[0] = endWeight;
    w[n - 1] = endWeight;
    return true;
  });
}
