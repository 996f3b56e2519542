import { minMaxInto } from './inputVector.js';
import { randomNormal, type Rng } from './random.js';

/**
 * Training-time perturbations of a network input (values in [0, 1] on the fixed axis) that mimic what separates two
 * measurements of one substance: a calibration shift of a few cm⁻¹, detector noise, a fluorescence-like baseline and
 * a non-linear intensity response. Each output is re-scaled to [0, 1] like a real input. Ideas as in Liu et al. 2017
 * §2.3 (shift, noise, baseline augmentation of RRUFF spectra) and Ho et al. 2019 (random baselines).
 */
export interface AugmentOptions {
  /** Maximum shift in axis points (uniform in ±maxShift). @default 2 */
  maxShiftPoints: number;
  /** Gaussian noise σ as a fraction of the range. @default 0.01 */
  noise: number;
  /** Peak height of a random broad baseline (quadratic + Gaussian bump) relative to the range. @default 0.3 */
  baseline: number;
  /** Exponent range of a random power-law intensity response y^γ, γ ∈ [1 − g, 1 + g]. @default 0.2 */
  gamma: number;
  /** Probability that a spectrum is perturbed at all. @default 0.8 */
  probability: number;
  /**
   * Extra Gaussian noise proportional to the local slope |dv/di| (times this factor, in axis points): what a
   * sub-point shift or a slightly different band width does to a spectrum, where flat regions stay clean. @default 0
   */
  slopeNoise?: number;
  /**
   * Amplitude of a random smooth multiplicative response 1 + g·(a cosine of random phase over the axis): another
   * laser or detector weights the range differently (Liu et al. 2017 and Ho et al. 2019 vary baselines; this
   * varies the gain). @default 0
   */
  gain?: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = { maxShiftPoints: 2, noise: 0.01, baseline: 0.3, gamma: 0.2, probability: 0.8 };

export function augmentInput(input: Float32Array, rng: Rng, opts: AugmentOptions, out: Float32Array = new Float32Array(input.length)): Float32Array {
  const n = input.length;
  if (rng() >= opts.probability) {
    out.set(input);
    return out;
  }
  const shift = Math.round((rng() * 2 - 1) * opts.maxShiftPoints);
  const gamma = 1 + (rng() * 2 - 1) * opts.gamma;
  // Baseline: a random quadratic plus a broad Gaussian bump (fluorescence), both non-negative.
  const a1 = rng() * opts.baseline;
  const a2 = rng() * opts.baseline;
  const centre = rng();
  const width = 0.2 + rng() * 0.5;
  const curv = rng() * 2 - 1;
  const slopeNoise = opts.slopeNoise ?? 0;
  const gain = (rng() * 2 - 1) * (opts.gain ?? 0);
  const phase = rng() * 2 * Math.PI;
  const cycles = 0.5 + rng();
  const tmp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const src = Math.min(n - 1, Math.max(0, i - shift));
    const t = i / (n - 1);
    const base = a1 * (0.5 + 0.5 * curv * (2 * t - 1) ** 2 + 0.5 * (1 - curv) * t) + a2 * Math.exp(-(((t - centre) / width) ** 2));
    const slope = slopeNoise > 0 ? Math.abs(input[Math.min(n - 1, src + 1)]! - input[Math.max(0, src - 1)]!) / 2 : 0;
    const response = 1 + gain * Math.cos(2 * Math.PI * cycles * t + phase);
    tmp[i] = Math.pow(Math.max(0, input[src]!), gamma) * response + base + (opts.noise + slopeNoise * slope) * randomNormal(rng);
  }
  minMaxInto(tmp, out);
  return out;
}

/**
 * A convex mix λ·a + (1 − λ)·b of two inputs of one substance (λ uniform in [1 − maxWeight, 1]), re-scaled to
 * [0, 1]: a measurement between two of RRUFF's, for a class with few spectra (mixup within a class; Zhang et al.
 * 2018 mix across classes, which would blur the "same substance" target).
 */
export function mixWithinClass(a: Float32Array, b: Float32Array, rng: Rng, maxWeight: number, out: Float32Array = new Float32Array(a.length)): Float32Array {
  const lambda = 1 - rng() * maxWeight;
  const tmp = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) tmp[i] = lambda * a[i]! + (1 - lambda) * b[i]!;
  minMaxInto(tmp, out);
  return out;
}
