/**
 * Classic spectral similarity measures on two spectra sampled on the same axis (same length), all mapped to a
 * score in [0, 1] where higher is more similar. These are the "HQI" (hit quality index) measures of commercial
 * search software: correlation HQI is the squared Pearson correlation of the two spectra, derivative HQI is the
 * squared correlation of their first differences (robust to baselines), cosine is the dot product of the L2-normed
 * vectors, euclidean is 1 / (1 + distance) between L2-normed vectors.
 * An optional mask (1 = use, 0 = ignore) excludes x ranges (substrate, CO₂ bands) from every measure.
 */
export type ClassicMethod = 'hqi-correlation' | 'hqi-derivative' | 'cosine' | 'euclidean';

function pearson(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let sa = 0;
  let sb = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    sa += a[i]!;
    sb += b[i]!;
    m++;
  }
  if (m < 2) return 0;
  const ma = sa / m;
  const mb = sb / m;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa <= 0 || sbb <= 0) return 0;
  return sab / Math.sqrt(saa * sbb);
}

/** First difference y[i+1] − y[i]; the mask of a difference needs both points. */
export function firstDifference(y: ArrayLike<number>): Float64Array {
  const d = new Float64Array(Math.max(0, y.length - 1));
  for (let i = 0; i < d.length; i++) d[i] = y[i + 1]! - y[i]!;
  return d;
}

function maskDifference(mask: ArrayLike<number>): Uint8Array {
  const d = new Uint8Array(Math.max(0, mask.length - 1));
  for (let i = 0; i < d.length; i++) d[i] = mask[i] && mask[i + 1] ? 1 : 0;
  return d;
}

/** Squared Pearson correlation, with anti-correlation scored 0 (the usual correlation HQI). */
export function hqiCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const r = pearson(a, b, mask);
  return r > 0 ? r * r : 0;
}

/** Correlation HQI of the first derivatives (first differences on a common even axis). */
export function hqiDerivative(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  return hqiCorrelation(firstDifference(a), firstDifference(b), mask ? maskDifference(mask) : undefined);
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  if (aa <= 0 || bb <= 0) return 0;
  return Math.max(0, ab / Math.sqrt(aa * bb));
}

/** 1 / (1 + ‖â − b̂‖) with â, b̂ the L2-normalised spectra: 1 for identical shapes, → 1/3 for orthogonal ones. */
export function euclideanSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  const na = Math.sqrt(aa) || 1;
  const nb = Math.sqrt(bb) || 1;
  let d2 = 0;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const d = a[i]! / na - b[i]! / nb;
    d2 += d * d;
  }
  return 1 / (1 + Math.sqrt(d2));
}

export const classicMethods: Record<ClassicMethod, (a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>) => number> = {
  'hqi-correlation': hqiCorrelation,
  'hqi-derivative': hqiDerivative,
  cosine: cosineSimilarity,
  euclidean: euclideanSimilarity,
};
