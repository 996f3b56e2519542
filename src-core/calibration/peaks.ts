import { noiseSigma } from '../preprocess/robust.js';

/** A line found in a spectrum, with a sub-pixel position. */
export interface FoundPeak {
  /** Sub-pixel position on the spectrum's own x axis (Gaussian fit of the line's top). */
  position: number;
  /** Index of the highest sample. */
  index: number;
  /** Height above the local background (prominence). */
  height: number;
  /** Full width at half maximum on the x axis (from the Gaussian fit; NaN when the fit failed). */
  fwhm: number;
  /** Height over the spectrum's noise σ. */
  snr: number;
}

export interface FindPeaksOptions {
  /** Smallest prominence, in noise σ. @default 6 */
  minSnr?: number;
  /** Samples searched on each side for the prominence's bases. @default 150 */
  window?: number;
  /** Keep at most this many, the most prominent. @default 80 */
  maxPeaks?: number;
}

/**
 * Peak finding for calibration lines: local maxima (a flat saturated top counts as one, at its middle) whose
 * prominence — height over the higher of the lowest points between it and a higher sample on each side, as in
 * topographic prominence — is at least `minSnr` noise σ. Each peak's position is refined by a weighted
 * least-squares Gaussian (a parabola fitted to the logarithm of the samples above 40 % of its height, weighted by
 * the squared heights), which locates a line to a small fraction of the sampling step.
 */
export function findPeaks(x: ArrayLike<number>, y: ArrayLike<number>, opts: FindPeaksOptions = {}): FoundPeak[] {
  const n = Math.min(x.length, y.length);
  const minSnr = opts.minSnr ?? 6;
  const win = opts.window ?? 150;
  const maxPeaks = opts.maxPeaks ?? 80;
  if (n < 5) return [];
  const sigma = Math.max(noiseSigma(y), 1e-12 * Math.max(1, Math.abs(y[0]!)));
  const peaks: FoundPeak[] = [];
  let i = 1;
  while (i < n - 1) {
    if (!(y[i]! > y[i - 1]!)) {
      i++;
      continue;
    }
    // plateau: equal samples after a rise
    let j = i;
    while (j + 1 < n && y[j + 1] === y[i]) j++;
    if (j + 1 >= n || !(y[j + 1]! < y[i]!)) {
      i = j + 1;
      continue;
    }
    const top = y[i]!;
    const mid = (i + j) >> 1;
    let leftMin = top;
    for (let k = i - 1; k >= Math.max(0, i - win); k--) {
      const v = y[k]!;
      if (v > top) break;
      if (v < leftMin) leftMin = v;
    }
    let rightMin = top;
    for (let k = j + 1; k <= Math.min(n - 1, j + win); k++) {
      const v = y[k]!;
      if (v > top) break;
      if (v < rightMin) rightMin = v;
    }
    const base = Math.max(leftMin, rightMin);
    const prominence = top - base;
    if (prominence >= minSnr * sigma) {
      const fit = gaussianTop(x, y, i, j, base, prominence);
      peaks.push({ position: fit.position, index: mid, height: prominence, fwhm: fit.fwhm, snr: prominence / sigma });
    }
    i = j + 1;
  }
  peaks.sort((a, b) => b.height - a.height);
  return peaks.slice(0, maxPeaks).sort((a, b) => a.position - b.position);
}

/** Gaussian fit to the top of a peak whose highest samples are i..j (see findPeaks). */
function gaussianTop(x: ArrayLike<number>, y: ArrayLike<number>, i: number, j: number, base: number, prominence: number): { position: number; fwhm: number } {
  const n = x.length;
  const cut = base + 0.4 * prominence;
  let lo = i;
  while (lo - 1 >= 0 && y[lo - 1]! > cut && y[lo - 1]! <= y[lo]!) lo--;
  let hi = j;
  while (hi + 1 < n && y[hi + 1]! > cut && y[hi + 1]! <= y[hi]!) hi++;
  lo = Math.max(0, Math.min(lo, i - 1));
  hi = Math.min(n - 1, Math.max(hi, j + 1));
  const x0 = x[(i + j) >> 1]!;
  // Weighted least squares for ln(h) = c0 + c1 t + c2 t², weights h² (Caruana's Gaussian fit).
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, r0 = 0, r1 = 0, r2 = 0;
  for (let k = lo; k <= hi; k++) {
    const h = y[k]! - base;
    if (!(h > 0)) continue;
    const t = x[k]! - x0;
    const w = h * h;
    const l = Math.log(h);
    const t2 = t * t;
    s0 += w; s1 += w * t; s2 += w * t2; s3 += w * t2 * t; s4 += w * t2 * t2;
    r0 += w * l; r1 += w * l * t; r2 += w * l * t2;
  }
  const c = solve3([s0, s1, s2, s1, s2, s3, s2, s3, s4], [r0, r1, r2]);
  const lx = x[lo]!;
  const hx = x[hi]!;
  if (c && c[2] < 0) {
    const pos = x0 - c[1] / (2 * c[2]);
    const sd = Math.sqrt(-1 / (2 * c[2]));
    if (pos >= Math.min(lx, hx) && pos <= Math.max(lx, hx) && Number.isFinite(sd)) return { position: pos, fwhm: 2 * Math.sqrt(2 * Math.LN2) * sd };
  }
  // centroid of the top as a fallback
  let sw = 0, sx = 0;
  for (let k = lo; k <= hi; k++) {
    const h = Math.max(0, y[k]! - base);
    sw += h;
    sx += h * x[k]!;
  }
  return { position: sw > 0 ? sx / sw : x0, fwhm: NaN };
}

/** Solves a 3×3 system (row-major) by Cramer's rule; undefined when singular. */
function solve3(a: number[], b: number[]): [number, number, number] | undefined {
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = a as [number, number, number, number, number, number, number, number, number];
  const det = a0 * (a4 * a8 - a5 * a7) - a1 * (a3 * a8 - a5 * a6) + a2 * (a3 * a7 - a4 * a6);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-300) return undefined;
  const [b0, b1, b2] = b as [number, number, number];
  const d0 = b0 * (a4 * a8 - a5 * a7) - a1 * (b1 * a8 - a5 * b2) + a2 * (b1 * a7 - a4 * b2);
  const d1 = a0 * (b1 * a8 - a5 * b2) - b0 * (a3 * a8 - a5 * a6) + a2 * (a3 * b2 - b1 * a6);
  const d2 = a0 * (a4 * b2 - b1 * a7) - a1 * (a3 * b2 - b1 * a6) + b0 * (a3 * a7 - a4 * a6);
  return [d0 / det, d1 / det, d2 / det];
}
