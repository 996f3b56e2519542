import { SpecmatchError } from '../errors.js';
import { requireIntegerIn, requireLength, requirePositive } from './params.js';

export interface BaselineImodpolyOptions {
  /** Degree of the baseline polynomial (Zhao et al. use 5 for biological spectra). @default 5 */
  polyorder?: number;
  /** Stop when |DEV_k − DEV_{k−1}| / DEV_k falls below this. @default 0.001 */
  tolerance?: number;
  /** @default 100 */
  maxIterations?: number;
}

export const BASELINE_IMODPOLY_DEFAULTS: Required<BaselineImodpolyOptions> = { polyorder: 5, tolerance: 1e-3, maxIterations: 100 };

/**
 * Improved modified polynomial baseline, IModPoly (J. Zhao, H. Lui, D. I. McLean, H. Zeng, "Automated autofluorescence
 * background subtraction algorithm for biomedical Raman spectroscopy", Appl. Spectrosc. 61:1225–1232, 2007).
 * Fit a polynomial, take the residual standard deviation DEV; in the first iteration drop the points above
 * fit + DEV (the major peaks) for good; then repeatedly clip the remaining data to min(data, fit + DEV) and refit,
 * until DEV stops changing. The polynomial is fitted in x scaled to [−1, 1] by Householder QR, so high degrees
 * stay well conditioned. Returns the baseline evaluated on every x.
 */
export function baselineImodpoly(x: ArrayLike<number>, y: ArrayLike<number>, options: BaselineImodpolyOptions = {}): Float64Array {
  const o = { ...BASELINE_IMODPOLY_DEFAULTS, ...options };
  requireIntegerIn('polyorder', o.polyorder, 0, 15);
  requirePositive('tolerance', o.tolerance);
  requireIntegerIn('maxIterations', o.maxIterations, 1, 10000);
  const n = y.length;
  requireLength(`IModPoly of degree ${o.polyorder}`, n, o.polyorder + 2);
  const x0 = x[0]!;
  const xn = x[n - 1]!;
  const mid = (x0 + xn) / 2;
  const halfRange = (xn - x0) / 2 || 1;
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = (x[i]! - mid) / halfRange;

  let idx: number[] = Array.from({ length: n }, (_, i) => i);
  let work = Float64Array.from(idx, (i) => y[i]!);
  let coef = polyfit(idx.map((i) => u[i]!), work, o.polyorder);
  let fit = Float64Array.from(idx, (i) => polyval(coef, u[i]!));
  let dev = residualStd(work, fit);
  // First iteration: the major peaks (points above fit + DEV) leave the fit for good.
  const kept = idx.filter((_, j) => work[j]! <= fit[j]! + dev);
  if (kept.length >= o.polyorder + 2) {
    idx = kept;
    work = Float64Array.from(idx, (i) => y[i]!);
  }
  for (let it = 1; it < o.maxIterations; it++) {
    coef = polyfit(idx.map((i) => u[i]!), work, o.polyorder);
    fit = Float64Array.from(idx, (i) => polyval(coef, u[i]!));
    const newDev = residualStd(work, fit);
    for (let j = 0; j < work.length; j++) work[j] = Math.min(work[j]!, fit[j]! + newDev);
    const converged = Math.abs(newDev - dev) <= o.tolerance * newDev;
    dev = newDev;
    if (converged) break;
  }
  return Float64Array.from(u, (v) => polyval(coef, v));
}

function residualStd(y: Float64Array, fit: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i]! - fit[i]!;
  mean /= y.length;
  let ss = 0;
  for (let i = 0; i < y.length; i++) ss += (y[i]! - fit[i]! - mean) ** 2;
  return Math.sqrt(ss / y.length);
}

function polyval(coef: Float64Array, u: number): number {
  let s = 0;
  for (let j = coef.length - 1; j >= 0; j--) s = s * u + coef[j]!;
  return s;
}

/** Least-squares polynomial (coefficients by increasing power) through (u, y) by Householder QR of the Vandermonde matrix. */
export function polyfit(u: ArrayLike<number>, y: ArrayLike<number>, degree: number): Float64Array {
  const n = u.length;
  const k = degree + 1;
  if (n < k) throw new SpecmatchError('E_PARAM', `a polynomial of degree ${degree} needs at least ${k} points, got ${n}`);
  const a = new Float64Array(n * k); // column-major: a[j * n + i]
  for (let i = 0; i < n; i++) {
    let p = 1;
    for (let j = 0; j < k; j++) {
      a[j * n + i] = p;
      p *= u[i]!;
    }
  }
  const b = Float64Array.from({ length: n }, (_, i) => y[i]!);
  const rdiag = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = j; i < n; i++) norm += a[j * n + i]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) throw new SpecmatchError('E_PARAM', 'polynomial fit is singular (too few distinct x values)');
    const alpha = a[j * n + j]! > 0 ? -norm : norm;
    // v = column − alpha e_j, stored in place; H = I − 2 v vᵀ / vᵀv.
    a[j * n + j] = a[j * n + j]! - alpha;
    let vv = 0;
    for (let i = j; i < n; i++) vv += a[j * n + i]! ** 2;
    for (let c = j + 1; c < k; c++) {
      let s = 0;
      for (let i = j; i < n; i++) s += a[j * n + i]! * a[c * n + i]!;
      const f = (2 * s) / vv;
      for (let i = j; i < n; i++) a[c * n + i] = a[c * n + i]! - f * a[j * n + i]!;
    }
    let s = 0;
    for (let i = j; i < n; i++) s += a[j * n + i]! * b[i]!;
    const f = (2 * s) / vv;
    for (let i = j; i < n; i++) b[i] = b[i]! - f * a[j * n + i]!;
    rdiag[j] = alpha;
  }
  const coef = new Float64Array(k);
  for (let j = k - 1; j >= 0; j--) {
    let s = b[j]!;
    for (let c = j + 1; c < k; c++) s -= a[c * n + j]! * coef[c]!;
    coef[j] = s / rdiag[j]!;
  }
  return coef;
}
