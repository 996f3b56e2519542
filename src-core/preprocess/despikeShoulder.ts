import { requireIntegerIn, requireLength, requirePositive } from './params.js';
import { noiseSigma } from './robust.js';

export interface DespikeShoulderOptions {
  /** A candidate must rise above both outer neighbours by more than threshold × the noise σ. @default 10 */
  threshold?: number;
  /** Widest spike, in pixels (cosmic rays hit 1–3 CCD pixels). @default 3 */
  maxWidth?: number;
  /**
   * A candidate is a band, not a spike, when on both sides the next pixel outwards still falls by at least
   * shoulderRatio × its rise (a band has shoulders; a spike drops straight to the background). @default 0.25
   */
  shoulderRatio?: number;
  /** Scans over the spectrum (a removed spike can reveal a neighbour). @default 3 */
  maxPasses?: number;
}

export const DESPIKE_SHOULDER_DEFAULTS: Required<DespikeShoulderOptions> = {
  threshold: 10,
  maxWidth: 3,
  shoulderRatio: 0.25,
  maxPasses: 3,
};

/**
 * Spike removal that spares narrow Raman bands: a shape test written for Specmatch, in the spirit of the
 * nearest-neighbour comparisons used by cosmic-ray filters. A run of 1…maxWidth pixels is a candidate when its lowest pixel
 * stands more than threshold·σ above both outer neighbours (σ: robust noise from first differences). A band
 * sampled by the spectrometer is at least ~1.5 pixels wide at half height, so the pixels just outside its top
 * are still on its slopes: stepping one more pixel outwards, the intensity keeps falling on BOTH sides by a sizeable
 * fraction of the top's rise (≥ 0.33 of it for a Lorentzian of FWHM 1.5 px, ~0.6 at 2 px, more when wider). A cosmic
 * ray deposits charge in one to three pixels only, so its outer neighbours already sit on the background (or on the
 * slope of a nearby band, falling on one side only): on at least one side the next step outwards is flat or rises.
 * Runs that fail the shoulder test are replaced by the straight line between their outer neighbours; runs that pass
 * are left untouched, so real band heights are kept exactly. Widest runs are tried first so that a multi-pixel
 * spike is removed whole. Limits: a spike on the upper slope of a band (within ~1 FWHM of its top) may not rise
 * above its neighbours and is then not seen; bands narrower than ~1.5 px (undersampled) can be taken for spikes.
 */
export function despikeShoulder(y: ArrayLike<number>, options: DespikeShoulderOptions = {}): Float64Array {
  const o = { ...DESPIKE_SHOULDER_DEFAULTS, ...options };
  requirePositive('threshold', o.threshold);
  requireIntegerIn('maxWidth', o.maxWidth, 1, 10);
  requirePositive('shoulderRatio', o.shoulderRatio);
  requireIntegerIn('maxPasses', o.maxPasses, 1, 20);
  const n = y.length;
  requireLength('shoulder despiking', n, 5);
  const out = Float64Array.from(y);
  const sigma = noiseSigma(out);
  // Quantised or noiseless data: fall back to a scale from the data range so the test stays meaningful.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, out[i]!);
    hi = Math.max(hi, out[i]!);
  }
  const minRise = o.threshold * (sigma > 0 ? sigma : 1e-6 * (hi - lo || 1));
  for (let pass = 0; pass < o.maxPasses; pass++) {
    let removed = 0;
    for (let a = 2; a < n - 2; a++) {
      for (let w = Math.min(o.maxWidth, n - 2 - a); w >= 1; w--) {
        const b = a + w - 1;
        if (b + 2 > n - 1) continue;
        let runMin = Infinity;
        for (let i = a; i <= b; i++) runMin = Math.min(runMin, out[i]!);
        const left = out[a - 1]!;
        const right = out[b + 1]!;
        const rise = runMin - Math.max(left, right);
        if (!(rise > minRise)) continue;
        const shoulderLeft = left - out[a - 2]!;
        const shoulderRight = right - out[b + 2]!;
        if (Math.min(shoulderLeft, shoulderRight) >= o.shoulderRatio * rise) continue; // a band: keep it
        for (let i = a; i <= b; i++) out[i] = left + ((right - left) * (i - a + 1)) / (w + 1);
        removed++;
        a = b; // continue after the run
        break;
      }
    }
    if (removed === 0) break;
  }
  return out;
}
