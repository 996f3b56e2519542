import { SpecmatchError } from '../errors.js';

/**
 * Symmetric positive-definite banded systems for the penalised least-squares smoothers and baselines
 * (Whittaker 1923; Eilers 2003 "A perfect smoother", Anal. Chem. 75:3631; Eilers & Boelens 2005 ALS; Baek et al.
 * 2015 arPLS; Zhang et al. 2010 airPLS). They all solve
 *
 *     (W + λ DᵀD) z = W y
 *
 * where D is the d-th order difference matrix and W a diagonal of weights. DᵀD has half-bandwidth d, so an
 * LDLᵀ factorisation that only touches the band costs O(n·d²) and the whole solve is O(n) for a fixed d: no dense
 * n×n matrix is ever formed. The penalty band is computed once per (n, d, λ); only the diagonal weights change
 * between the reweighting iterations.
 */
export class WhittakerSystem {
  readonly n: number;
  readonly order: number;
  /** λ·DᵀD in band storage: penalty[i * (d + 1) + k] = (λ DᵀD)(i, i + k), k = 0..d. */
  private readonly penalty: Float64Array;
  /** Factor storage reused across solves: unit-lower L band (l[i * d + (k - 1)] = L(i, i - k)) and the diagonal D. */
  private readonly l: Float64Array;
  private readonly dg: Float64Array;

  constructor(n: number, order: number, lambda: number) {
    if (!Number.isInteger(order) || order < 1 || order > 3) {
      throw new SpecmatchError('E_PARAM', `difference order must be 1, 2 or 3, got ${order}`);
    }
    if (!(lambda >= 0) || !Number.isFinite(lambda))
      throw new SpecmatchError('E_PARAM', `lambda must be finite and ≥ 0, got ${lambda}`);
    if (n <= order)
      throw new SpecmatchError(
        'E_PARAM',
        `a spectrum of ${n} points is too short for a difference penalty of order ${order}`,
      );
    this.n = n;
    this.order = order;
    const d = order;
    const c = differenceCoefficients(d);
    const m = d + 1;
    const penalty = new Float64Array(n * m);
    // (DᵀD)(i, j) = Σ_r D(r, i) D(r, j), D(r, r + k) = c[k], r = 0 … n-d-1.
    for (let i = 0; i < n; i++) {
      for (let k = 0; k <= d && i + k < n; k++) {
        let s = 0;
        const rFrom = Math.max(0, i + k - d);
        const rTo = Math.min(i, n - d - 1);
        for (let r = rFrom; r <= rTo; r++) s += c[i - r]! * c[i + k - r]!;
        penalty[i * m + k] = lambda * s;
      }
    }
    this.penalty = penalty;
    this.l = new Float64Array(n * d);
    this.dg = new Float64Array(n);
  }

  /**
   * Solves (diag(w) + λDᵀD) z = rhs. `out` may be passed to avoid an allocation. Throws E_PARAM when the matrix
   * is not positive definite (all weights zero, for example).
   */
  solve(w: ArrayLike<number>, rhs: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
    if (this.order === 2) return this.solvePentadiagonal(w, rhs, out);
    const { n, l, dg, penalty } = this;
    const d = this.order;
    const m = d + 1;
    // LDLᵀ restricted to the band: A(i, j) = 0 for |i - j| > d, hence L(i, j) = 0 there too.
    for (let i = 0; i < n; i++) {
      const jFrom = Math.max(0, i - d);
      for (let j = jFrom; j < i; j++) {
        // A(i, j) with j < i is stored at row j, offset i - j.
        let s = penalty[j * m + (i - j)]!;
        for (let k = jFrom; k < j; k++) s -= l[i * d + (i - k - 1)]! * l[j * d + (j - k - 1)]! * dg[k]!;
        l[i * d + (i - j - 1)] = s / dg[j]!;
      }
      let diag = penalty[i * m]! + w[i]!;
      for (let k = jFrom; k < i; k++) {
        const lik = l[i * d + (i - k - 1)]!;
        diag -= lik * lik * dg[k]!;
      }
      if (!(diag > 0)) {
        throw new SpecmatchError('E_PARAM', 'the weighted smoothing system is singular (are all weights zero?)');
      }
      dg[i] = diag;
    }
    // Forward: L u = rhs; scale: v = u / D; backward: Lᵀ z = v.
    for (let i = 0; i < n; i++) {
      let s = rhs[i]!;
      for (let k = Math.max(0, i - d); k < i; k++) s -= l[i * d + (i - k - 1)]! * out[k]!;
      out[i] = s;
    }
    for (let i = 0; i < n; i++) out[i] = out[i]! / dg[i]!;
    for (let i = n - 1; i >= 0; i--) {
      let s = out[i]!;
      for (let k = i + 1; k <= Math.min(n - 1, i + d); k++) s -= l[k * d + (k - i - 1)]! * out[k]!;
      out[i] = s;
    }
    return out;
  }

  /**
   * The same LDLᵀ written out for half-bandwidth 2 (second differences, the common case): no index arithmetic in
   * the inner loops, several times faster than the general band loop.
   */
  private solvePentadiagonal(w: ArrayLike<number>, rhs: ArrayLike<number>, out: Float64Array): Float64Array {
    const { n, penalty, dg, l } = this;
    // l[i*2] = L(i, i-1), l[i*2+1] = L(i, i-2); penalty row i: [A(i,i), A(i,i+1), A(i,i+2)] (λ DᵀD part).
    let d2 = 0; // D_{i-2}
    let d1 = 0; // D_{i-1}
    let l1prev = 0; // L(i-1, i-2)
    for (let i = 0; i < n; i++) {
      let l2 = 0;
      let l1 = 0;
      if (i >= 2) l2 = penalty[(i - 2) * 3 + 2]! / d2;
      if (i >= 1) l1 = (penalty[(i - 1) * 3 + 1]! - l2 * l1prev * d2) / d1;
      const di = penalty[i * 3]! + w[i]! - l1 * l1 * d1 - l2 * l2 * d2;
      if (!(di > 0))
        throw new SpecmatchError('E_PARAM', 'the weighted smoothing system is singular (are all weights zero?)');
      l[i * 2] = l1;
      l[i * 2 + 1] = l2;
      dg[i] = di;
      d2 = d1;
      d1 = di;
      l1prev = l1;
    }
    let u1 = 0;
    let u2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rhs[i]! - l[i * 2]! * u1 - l[i * 2 + 1]! * u2;
      out[i] = u;
      u2 = u1;
      u1 = u;
    }
    let z1 = 0; // z_{i+1}
    let z2 = 0; // z_{i+2}
    for (let i = n - 1; i >= 0; i--) {
      const la = i + 1 < n ? l[(i + 1) * 2]! : 0;
      const lb = i + 2 < n ? l[(i + 2) * 2 + 1]! : 0;
      const z = out[i]! / dg[i]! - la * z1 - lb * z2;
      out[i] = z;
      z2 = z1;
      z1 = z;
    }
    return out;
  }
}

/**
 * The iteration ALS, arPLS and airPLS share: from unit weights, solve (W + λ DᵀD) z = W y, then let `reweight` set
 * new weights in `w` from the fitted `z` (iteration counts from 1); stop after `maxIterations` solves or when
 * `reweight` returns false (converged, or nothing left to fit). Returns z of the last solve: the baseline.
 */
export function reweightedWhittaker(
  y: ArrayLike<number>,
  differenceOrder: number,
  lambda: number,
  maxIterations: number,
  reweight: (z: Float64Array, w: Float64Array, iteration: number) => boolean,
): Float64Array {
  const n = y.length;
  const system = new WhittakerSystem(n, differenceOrder, lambda);
  const w = new Float64Array(n).fill(1);
  const rhs = new Float64Array(n);
  const z = new Float64Array(n);
  for (let it = 1; it <= maxIterations; it++) {
    for (let i = 0; i < n; i++) rhs[i] = w[i]! * y[i]!;
    system.solve(w, rhs, z);
    // Weights computed after the last solve would never be used.
    if (it === maxIterations || !reweight(z, w, it)) break;
  }
  return z;
}

/** Coefficients of the d-th forward difference: d=1 → [-1, 1], d=2 → [1, -2, 1], d=3 → [-1, 3, -3, 1]. */
export function differenceCoefficients(d: number): number[] {
  let c = [1];
  for (let k = 0; k < d; k++) {
    const next = new Array<number>(c.length + 1).fill(0);
    for (let i = 0; i < c.length; i++) {
      next[i] = next[i]! - c[i]!;
      next[i + 1] = next[i + 1]! + c[i]!;
    }
    c = next;
  }
  return c;
}
