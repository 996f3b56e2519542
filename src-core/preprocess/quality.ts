import type { Spectrum } from '../spectrum/Spectrum.js';
import { noiseSigma } from './robust.js';

export interface QualityOptions {
  /**
   * Full-scale counts of common detectors (12-, 14-, 15-, 16-bit ADCs): a maximum equal to one of these is read
   * as saturated. @default [4095, 16383, 32767, 65535]
   */
  fullScaleCounts?: readonly number[];
  /** A plateau of at least this many consecutive points at the maximum also flags saturation. @default 3 */
  plateauPoints?: number;
}

export interface SpectrumQuality {
  /** Robust white-noise σ from first differences (MAD / 0.6745 / √2), in y units. */
  noiseSigma: number;
  /** Signal: maximum minus the 5th-percentile level (a baseline-tolerant peak height), in y units. */
  signal: number;
  /** signal / noiseSigma; Infinity for noiseless data with signal, 0 for an empty or flat spectrum. */
  snr: number;
  /** True when the detector probably clipped: a plateau at the maximum or a maximum at a full-scale count. */
  saturated: boolean;
  /** True when some intensity lies below −3σ (more negative than noise around a zero baseline explains). */
  negative: boolean;
  /** Fraction of points below zero. */
  negativeFraction: number;
  /** Cosmic-ray spikes: one- or two-pixel maxima standing far above their neighbourhood (see countSpikes). */
  spikes: number;
}

/**
 * Quality figures a spectroscopist checks before trusting a match. The SNR follows the usual peak-height over
 * noise definition; noise comes from first differences, which ignores the smooth baseline and the bands' slopes
 * on well-sampled spectra, so the figure needs no baseline correction first.
 */
export function assessQuality(s: Pick<Spectrum, 'y'>, options: QualityOptions = {}): SpectrumQuality {
  const fullScale = options.fullScaleCounts ?? [4095, 16383, 32767, 65535];
  const plateau = options.plateauPoints ?? 3;
  const y = s.y;
  const n = y.length;
  if (n === 0) return { noiseSigma: 0, signal: 0, snr: 0, saturated: false, negative: false, negativeFraction: 0, spikes: 0 };
  const sigma = noiseSigma(y);
  const sorted = Float64Array.from(y).sort();
  const p05 = sorted[Math.floor(0.05 * (n - 1))]!;
  const max = sorted[n - 1]!;
  const signal = max - p05;
  const snr = signal > 0 ? (sigma > 0 ? signal / sigma : Infinity) : 0;
  let run = 0;
  let longest = 0;
  let negatives = 0;
  for (let i = 0; i < n; i++) {
    run = y[i] === max ? run + 1 : 0;
    longest = Math.max(longest, run);
    if (y[i]! < 0) negatives++;
  }
  const saturated = (signal > 0 && longest >= plateau) || fullScale.includes(max);
  const negative = sorted[0]! < -3 * sigma && sorted[0]! < 0;
  return { noiseSigma: sigma, signal, snr, saturated, negative, negativeFraction: negatives / n, spikes: countSpikes(y, sigma) };
}

/**
 * Counts cosmic-ray spikes: a maximum at most two pixels wide that stands more than 12 σ (noise) above the median of
 * its ±6-pixel neighbourhood while the pixels two away from it (and at least one adjacent pixel) are below 30 % of
 * its height. A Raman band sampled with several points across its width fails the width test, so real sharp bands
 * are not counted (unlike a first-difference z-score, which flags them too).
 */
export function countSpikes(y: ArrayLike<number>, sigma: number = noiseSigma(y)): number {
  const n = y.length;
  if (n < 7 || !(sigma > 0)) return 0;
  let count = 0;
  const window = new Float64Array(13);
  for (let i = 2; i < n - 2; i++) {
    const v = y[i]!;
    if (v < y[i - 1]! || v < y[i + 1]!) continue;
    const lo = Math.max(0, i - 6);
    const hi = Math.min(n - 1, i + 6);
    let k = 0;
    for (let j = lo; j <= hi; j++) window[k++] = y[j]!;
    const level = window.subarray(0, k).sort()[k >> 1]!;
    const h = v - level;
    if (h <= 12 * sigma) continue;
    const rel = (j: number): number => (y[j]! - level) / h;
    if (rel(i - 2) < 0.3 && rel(i + 2) < 0.3 && Math.min(rel(i - 1), rel(i + 1)) < 0.3) {
      count++;
      i += 2;
    }
  }
  return count;
}

/** The SNR as shown to a user: a whole number (one decimal under 10), '∞' for noiseless data, '–' without signal. */
export function formatSnr(snr: number): string {
  if (!Number.isFinite(snr)) return snr > 0 ? '∞' : '–';
  if (snr <= 0) return '–';
  return snr < 10 ? snr.toFixed(1) : Math.round(snr).toLocaleString('en-US');
}
