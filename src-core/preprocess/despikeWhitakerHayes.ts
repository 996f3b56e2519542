import { requireIntegerIn, requireLength, requirePositive } from './params.js';
import { median, medianAbsoluteDeviation } from './robust.js';

export interface DespikeWhitakerHayesOptions {
  /** Modified z-score above which a first difference marks a spike. @default 6 */
  threshold?: number;
  /** Half-width m of the neighbourhood whose non-spike points replace a spike point (mean of y[i−m … i+m]). @default 3 */
  window?: number;
}

export const DESPIKE_WHITAKER_HAYES_DEFAULTS: Required<DespikeWhitakerHayesOptions> = { threshold: 6, window: 3 };

/**
 * Cosmic-ray removal by the modified z-score of first differences (D. A. Whitaker, K. Hayes, "A simple algorithm
 * for despiking Raman spectra", Chemometr. Intell. Lab. Syst. 179:82–84, 2018). Spikes change abruptly from one
 * pixel to the next, so Δy_i = y_i − y_{i−1} is scored with z_i = 0.6745 (Δy_i − median Δy) / MAD(Δy) (Iglewicz &
 * Hoaglin) and both pixels of a difference with |z| > threshold are flagged; each flagged pixel becomes the mean
 * of the unflagged pixels within ±window. Simple and fast, but a real band narrow and strong enough to have
 * extreme differences is flagged as well and clipped: see despikeShoulder for a method that avoids that.
 */
export function despikeWhitakerHayes(y: ArrayLike<number>, options: DespikeWhitakerHayesOptions = {}): Float64Array {
  const o = { ...DESPIKE_WHITAKER_HAYES_DEFAULTS, ...options };
  requirePositive('threshold', o.threshold);
  requireIntegerIn('window', o.window, 1, 100);
  const n = y.length;
  requireLength('Whitaker–Hayes despiking', n, 3);
  const diff = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) diff[i - 1] = y[i]! - y[i - 1]!;
  const med = median(diff);
  const mad = medianAbsoluteDeviation(diff, med);
  const out = Float64Array.from(y);
  if (!(mad > 0)) return out; // flat or quantised: no scale to judge spikes by
  const spike = new Uint8Array(n);
  for (let i = 0; i < n - 1; i++) {
    if (Math.abs((0.6745 * (diff[i]! - med)) / mad) > o.threshold) {
      spike[i] = 1;
      spike[i + 1] = 1;
    }
  }
  for (let i = 0; i < n; i++) {
    if (spike[i] === 0) continue;
    let s = 0;
    let c = 0;
    for (let j = Math.max(0, i - o.window); j <= Math.min(n - 1, i + o.window); j++) {
      if (spike[j] === 0) {
        s += y[j]!;
        c++;
      }
    }
    if (c > 0) out[i] = s / c;
  }
  return out;
}
