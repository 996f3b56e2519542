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

export const BASELINE_IMODPOLY_DEFAULTS: Required<BaselineImodpolyOptions> = {
  polyorder: 5,
  tolerance: 1e-3,
  maxIterations: 100,
};

/**
 * Improved modified polynomial baseline, IModPoly (J. Zhao, H. Lui, D. I. McLean, H. Zeng, "Automated autofluorescence
 * background subtraction algorithm for biomedical Raman spectroscopy", Appl. Spectrosc. 61:1225–1232, 2007).
 * Fit a polynomial, take the residual standard deviation DEV; in the first iteration drop the points above
 * fit + DEV (the major peaks) for good; then repeatedly clip the remaining data to min(data, fit + DEV) and refit,
 * until DEV stops changing. The polynomial is fitted in x scaled to [−1, 1] by Householder QR, so high degrees
 * stay well conditioned. Returns the baseline evaluated on every x.
 */
export function baselineImodpoly(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: BaselineImodpolyOptions = {},
): Float64Array {
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

  // First fit on every point; its DEV decides which points are peaks.
  let fitter = new PolyFitter(u, o.polyorder);
  let coef = fitter.fit(y);
  let dev = residualStd(y, u, coef);
  // First iteration: the major peaks (points above fit + DEV) leave the fit for good.
  const keptIdx: number[] = [];
  for (let i = 0; i < n; i++) if (y[i]! <= polyval(coef, u[i]!) + dev) keptIdx.push(i);
  let uk: Float64Array = u;
  let work = Float64Array.from(y);
  if (keptIdx.length >= o.polyorder + 2 && keptIdx.length < n) {
    uk = Float64Array.from(keptIdx, (i) => u[i]!);
    work = Float64Array.from(keptIdx, (i) => y[i]!);
    // The kept points no longer change, so one QR factorisation serves every later iteration: each is O(n·degree).
    fitter = new PolyFitter(uk, o.polyorder);
  }
  for (let it = 1; it < o.maxIterations; it++) {
    coef = fitter.fit(work);
    const newDev = residualStd(work, uk, coef);
    for (let j = 0; j < work.length; j++) work[j] = Math.min(work[j]!, polyval(coef, uk[j]!) + newDev);
    const converged = Math.abs(newDev - dev) <= o.tolerance * newDev;
    dev = newDev;
    if (converged) break;
  }
  return Float64Array.from(u, (v) => polyval(coef, v));
}

function residualStd(y: ArrayLike<number>, u: Float64Array, coef: Float64Array): number {
  const n = u.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]! - polyval(coef, u[i]!);
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[i]! - polyval(coef, u[i]!) - mean) ** 2;
  return Math.sqrt(ss / n);
}

function polyval(coef: Float64Array, u: number): number {
  let s = 0;
  for (let j = coef.length - 1; j >= 0; j--) s = s * u + coef[j]!;
  return s;
}

/**
 * Least-squares polynomial fits (coefficients by increasing power) at fixed abscissae u: the Vandermonde matrix is
 * factorised once by Householder QR (stable where the normal equations are not), then each fit(y) costs O(n·k).
 */
export class PolyFitter {
  private readonly n: number;
  private readonly k: number;
  /** Householder vectors below the diagonal and R above it, column-major (a[j * n + i]). */
  private readonly a: Float64Array;
  private readonly rdiag: Float64Array;
  private readonly vnorm2: Float64Array;

  constructor(u: ArrayLike<number>, degree: number) {
    const n = u.length;
    const k = degree + 1;
    if (n < k)
      throw new SpecmatchError('E_PARAM', `a polynomial of degree ${degree} needs at least ${k} points, got ${n}`);
    const a = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      let p = 1;
      for (let j = 0; j < k; j++) {
        a[j * n + i] = p;
        p *= u[i]!;
      }
    }
    const rdiag = new Float64Array(k);
    const vnorm2 = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let norm = 0;
      for (let i = j; i < n; i++) norm += a[j * n + i]! ** 2;
      norm = Math.sqrt(norm);
      if (norm === 0) throw new SpecmatchError('E_PARAM', 'polynomial fit is singular (too few distinct x values)');
      const alpha = a[j * n + j]! > 0 ? -norm : norm;
      // v = column − alpha·e_j, kept in place; H = I − 2 v vᵀ / vᵀv.
      a[j * n + j] = a[j * n + j]! - alpha;
      let vv = 0;
      for (let i = j; i < n; i++) vv += a[j * n + i]! ** 2;
      for (let c = j + 1; c < k; c++) {
        let s = 0;
        for (let i = j; i < n; i++) s += a[j * n + i]! * a[c * n + i]!;
        const f = (2 * s) / vv;
        for (let i = j; i < n; i++) a[c * n + i] = a[c * n + i]! - f * a[j * n + i]!;
      }
      rdiag[j] = alpha;
      vnorm2[j] = vv;
    }
    this.n = n;
    this.k = k;
    this.a = a;
    this.rdiag = rdiag;
    this.vnorm2 = vnorm2;
  }

  fit(y: ArrayLike<number>): Float64Array {
    const { n, k, a, rdiag, vnorm2 } = this;
    const b = Float64Array.from({ length: n }, (_, i) => y[i]!);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = j; i < n; i++) s += a[j * n + i]! * b[i]!;
      const f = (2 * s) / vnorm2[j]!;
      for (let i = j; i < n; i++) b[i] = b[i]! - f * a[j * n + i]!;
    }
    const coef = new Float64Array(k);
    for (let j = k - 1; j >= 0; j--) {
      let s = b[j]!;
      for (let c = j + 1; c < k; c++) s -= a[c * n + j]! * coef[c]!;
      coef[j] = s / rdiag[j]!;
    }
    return coef;
  }
}
