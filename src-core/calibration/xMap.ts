import { nmToShift } from './standards.js';

/**
 * A smooth monotonic map from an instrument's x axis to true Raman shift (cm⁻¹):
 *
 *   s = nmToShift(x) when the axis is absolute wavelength (with `laserNm`), else s = x;
 *   true shift = s + Δ(s) + offset,
 *
 * where Δ is a polynomial in t = (s − center) / scale between `lo` and `hi` (the span of the fitted lines) and
 * continues as a straight line with the edge's slope outside it, so extrapolation never bends back. `offset` is the
 * laser-wavelength correction from a shift standard (constant in cm⁻¹, see calibrate.ts).
 */
export interface XMap {
  /** Axis the map reads: Raman shift as the file gives it, or absolute wavelength in nm. */
  input: 'raman-shift' | 'wavelength';
  /** Laser used to turn a wavelength axis into shift (null for a raman-shift input). */
  laserNm: number | null;
  center: number;
  scale: number;
  /** Δ(t) = Σ coefficients[k]·t^k, in cm⁻¹. */
  coefficients: number[];
  lo: number;
  hi: number;
  offset: number;
}

function delta(m: XMap, s: number): number {
  const t = (s - m.center) / m.scale;
  let v = 0;
  for (let k = m.coefficients.length - 1; k >= 0; k--) v = v * t + m.coefficients[k]!;
  return v;
}

function deltaSlope(m: XMap, s: number): number {
  const t = (s - m.center) / m.scale;
  let v = 0;
  for (let k = m.coefficients.length - 1; k >= 1; k--) v = v * t + k * m.coefficients[k]!;
  return v / m.scale;
}

/** The map's input value as shift (converting nm with the map's laser). */
export function inputShift(m: XMap, x: number): number {
  return m.input === 'wavelength' ? nmToShift(x, m.laserNm ?? NaN) : x;
}

/** Correction map applied to a shift value already converted from the input axis. */
export function correctShift(m: XMap, s: number): number {
  let d: number;
  if (s < m.lo) d = delta(m, m.lo) + deltaSlope(m, m.lo) * (s - m.lo);
  else if (s > m.hi) d = delta(m, m.hi) + deltaSlope(m, m.hi) * (s - m.hi);
  else d = delta(m, s);
  return s + d + m.offset;
}

/** True Raman shift of every x (new array). */
export function applyXMap(m: XMap, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = correctShift(m, inputShift(m, x[i]!));
  return out;
}

/** Smallest slope d(true shift)/d(shift) over [lo, hi] (the map is monotonic when it is > 0). */
export function minSlope(m: XMap): number {
  let min = Infinity;
  const steps = 400;
  for (let i = 0; i <= steps; i++) {
    const s = m.lo + ((m.hi - m.lo) * i) / steps;
    min = Math.min(min, 1 + deltaSlope(m, s));
  }
  return min;
}

/**
 * Weighted least-squares polynomial of `degree` through (t, v) (normal equations, Gaussian elimination with
 * partial pivoting). Returns undefined when the system is singular (fewer distinct points than coefficients).
 */
export function polyFit(t: readonly number[], v: readonly number[], degree: number, w?: readonly number[]): number[] | undefined {
  const m = degree + 1;
  if (t.length < m) return undefined;
  const a: number[][] = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  for (let i = 0; i < t.length; i++) {
    const wi = w ? w[i]! : 1;
    const pw: number[] = [1];
    for (let k = 1; k < 2 * m; k++) pw.push(pw[k - 1]! * t[i]!);
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) a[r]![c]! += wi * pw[r + c]!;
      a[r]![m]! += wi * pw[r]! * v[i]!;
    }
  }
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
    if (Math.abs(a[piv]![col]!) < 1e-12) return undefined;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= m; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return a.map((row, i) => row[m]! / row[i]!);
}
