/** Median of a numeric sample (copies; does not reorder the input). NaN for an empty sample. */
export function median(values: ArrayLike<number>): number {
  const a = Float64Array.from(values).sort();
  const n = a.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? a[(n - 1) / 2]! : (a[n / 2 - 1]! + a[n / 2]!) / 2;
}

/** Median absolute deviation from the median (unscaled). */
export function medianAbsoluteDeviation(values: ArrayLike<number>, centre = median(values)): number {
  const d = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) d[i] = Math.abs(values[i]! - centre);
  return median(d);
}

/**
 * Robust white-noise standard deviation of a spectrum from its first differences: for noise σ, y_i − y_{i−1} has
 * standard deviation σ√2, and MAD/0.6745 estimates a standard deviation while ignoring peaks and spikes.
 */
export function noiseSigma(y: ArrayLike<number>): number {
  const n = y.length;
  if (n < 3) return 0;
  const d = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) d[i - 1] = y[i]! - y[i - 1]!;
  return medianAbsoluteDeviation(d) / 0.6745 / Math.SQRT2;
}
