import { SpecmatchError } from '../errors.js';
import { requireIntegerIn, requireLength, requirePositive } from './params.js';

export interface SmoothSavitzkyGolayOptions {
  /** Window length in points (odd, > polyorder). @default 11 */
  window?: number;
  /** Degree of the local polynomial. @default 3 */
  polyorder?: number;
  /** 0 smooths; 1 or 2 returns the first or second derivative (per unit of x when `delta` is given). @default 0 */
  derivative?: number;
  /** Spacing of x used to scale derivatives (d/dx = d/di / delta^derivative). @default 1 */
  delta?: number;
  /**
   * The half-window at each end: 'interp' evaluates the polynomial of the first / last full window there (scipy's
   * mode 'interp'); 'nearest' applies the centre weights with the end value repeated beyond the edge (scipy's mode
   * 'nearest'). @default 'interp'
   */
  edge?: 'interp' | 'nearest';
}

export const SMOOTH_SAVITZKY_GOLAY_DEFAULTS: Required<SmoothSavitzkyGolayOptions> = {
  window: 11,
  polyorder: 3,
  derivative: 0,
  delta: 1,
  edge: 'interp',
};

/**
 * Savitzky–Golay filter (A. Savitzky, M. J. E. Golay, Anal. Chem. 36:1627–1639, 1964): each point is replaced by
 * the value (or derivative) at the window centre of the least-squares polynomial of degree `polyorder` through
 * the `window` points around it. Near the ends the polynomial fitted to the first / last full window is evaluated
 * at the end points (the same as scipy.signal.savgol_filter's default mode 'interp'), so no padding is invented.
 * Assumes evenly spaced points (resample first if the axis is far from even).
 */
export function smoothSavitzkyGolay(y: ArrayLike<number>, options: SmoothSavitzkyGolayOptions = {}): Float64Array {
  const o = { ...SMOOTH_SAVITZKY_GOLAY_DEFAULTS, ...options };
  requireIntegerIn('window', o.window, 3, 10001);
  if (o.window % 2 === 0) throw new SpecmatchError('E_PARAM', `window must be odd, got ${o.window}`);
  requireIntegerIn('polyorder', o.polyorder, 0, Math.min(12, o.window - 1));
  requireIntegerIn('derivative', o.derivative, 0, 2);
  requirePositive('delta', o.delta);
  const n = y.length;
  requireLength(`Savitzky–Golay with window ${o.window}`, n, o.window);
  const half = (o.window - 1) / 2;
  const proj = projection(o.window, o.polyorder);
  const k = o.polyorder + 1;
  // Derivative of order q of u^j at u: j!/(j-q)! u^(j-q). u = t / half, so d/dt = (1/half) d/du.
  const evalRow = (u: number): Float64Array => {
    const row = new Float64Array(k);
    for (let j = o.derivative; j < k; j++) {
      let f = 1;
      for (let r = 0; r < o.derivative; r++) f *= j - r;
      row[j] = f * Math.pow(u, j - o.derivative);
    }
    return row;
  };
  const scale = 1 / Math.pow(half * o.delta, o.derivative);
  const weightsAt = (u: number): Float64Array => {
    const row = evalRow(u);
    const w = new Float64Array(o.window);
    for (let i = 0; i < o.window; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += row[j]! * proj[j * o.window + i]!;
      w[i] = s * scale;
    }
    return w;
  };
  const out = new Float64Array(n);
  const centre = weightsAt(0);
  if (o.edge === 'nearest') {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = 0; i < o.window; i++) s += centre[i]! * y[Math.min(n - 1, Math.max(0, c - half + i))]!;
      out[c] = s;
    }
    return out;
  }
  for (let c = half; c < n - half; c++) {
    let s = 0;
    for (let i = 0; i < o.window; i++) s += centre[i]! * y[c - half + i]!;
    out[c] = s;
  }
  // Ends: evaluate the first / last window's polynomial at the positions of the end points.
  for (let e = 0; e < half; e++) {
    const wl = weightsAt((e - half) / half);
    const wr = weightsAt((half - e) / half);
    let sl = 0;
    let sr = 0;
    for (let i = 0; i < o.window; i++) {
      sl += wl[i]! * y[i]!;
      sr += wr[i]! * y[n - o.window + i]!;
    }
    out[e] = sl;
    out[n - 1 - e] = sr;
  }
  return out;
}

/**
 * (AᵀA)⁻¹Aᵀ for the Vandermonde matrix A(i, j) = u_i^j with u_i = (i − half)/half ∈ [−1, 1] (scaled so the normal
 * equations stay well conditioned for long windows). Row-major, (polyorder+1) × window.
 */
function projection(window: number, polyorder: number): Float64Array {
  const half = (window - 1) / 2;
  const k = polyorder + 1;
  const a = new Float64Array(window * k);
  for (let i = 0; i < window; i++) {
    const u = (i - half) / half;
    for (let j = 0; j < k; j++) a[i * k + j] = Math.pow(u, j);
  }
  // Normal matrix N = AᵀA (k × k) augmented with Aᵀ (k × window), reduced by Gauss–Jordan with partial pivoting.
  const cols = k + window;
  const m = new Float64Array(k * cols);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let i = 0; i < window; i++) s += a[i * k + r]! * a[i * k + c]!;
      m[r * cols + c] = s;
    }
    for (let i = 0; i < window; i++) m[r * cols + k + i] = a[i * k + r]!;
  }
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * cols + c]!) > Math.abs(m[piv * cols + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < cols; j++) {
        const t = m[c * cols + j]!;
        m[c * cols + j] = m[piv * cols + j]!;
        m[piv * cols + j] = t;
      }
    }
    const p = m[c * cols + c]!;
    for (let j = 0; j < cols; j++) m[c * cols + j] = m[c * cols + j]! / p;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r * cols + c]!;
      if (f === 0) continue;
      for (let j = 0; j < cols; j++) m[r * cols + j] = m[r * cols + j]! - f * m[c * cols + j]!;
    }
  }
  const out = new Float64Array(k * window);
  for (let r = 0; r < k; r++) for (let i = 0; i < window; i++) out[r * window + i] = m[r * cols + k + i]!;
  return out;
}
