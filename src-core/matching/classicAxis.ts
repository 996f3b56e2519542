import type { Pipeline } from '../preprocess/pipeline.js';
import { linearAxis } from '../preprocess/resampleLinear.js';
import { bareSpectrum, makeVectorizer } from '../preprocess/vectorizer.js';
import type { Spectrum } from '../spectrum/Spectrum.js';

/**
 * The common axis of the classic methods (correlation HQI, derivative HQI, cosine, euclidean) and the vector a
 * spectrum becomes on it: a registry pipeline (preprocess/vectorizer.ts), so its hash is the one every other
 * vector is keyed by. Every reference's vector is computed once on import and stored under CLASSIC_PIPELINE_HASH,
 * so a query only goes through the pipeline itself.
 *
 * Axis: 100–1500 cm⁻¹ Raman shift in 2 cm⁻¹ steps (701 points). It spans the fingerprint region every RRUFF RAW
 * spectrum covers (5 % of RRUFF files start above 182 cm⁻¹, 5 % end below 1235 cm⁻¹) and keeps 2–3 points across
 * the narrowest mineral bands (≈ 5 cm⁻¹ FWHM); 2 cm⁻¹ keeps a 100,000-reference search within tens of ms.
 *
 * Steps: linear interpolation onto the axis; outside the measured range the edge is held (a constant extension
 * adds no false bands and no step, unlike zero fill on a spectrum with a baseline offset); Savitzky–Golay smoothing
 * (Savitzky & Golay 1964), 7 points (14 cm⁻¹) cubic, ends padded with the edge value, which tames the noise that the
 * derivative HQI would otherwise amplify (+0.9 points top-1 for derivative HQI on RRUFF RAW, docs/notes/library.md);
 * then an ALS baseline (Eilers & Boelens 2005; λ = 1e3, p = 0.03 on the 2 cm⁻¹ axis, so the stiffness is the same
 * for every instrument's sampling) is subtracted, so that fluorescence backgrounds do not dominate cosine and
 * correlation on raw spectra. The step was chosen on the validation classes of `specmatch eval --classic-only
 * --classic-candidates` (3 repeats, RAW and Processed; docs/results/library.md): with it, cosine on RAW at 205 unseen
 * classes goes from 0.35 to 0.79 and derivative HQI stays (0.79 → 0.80).
 */
export const CLASSIC_AXIS = { from: 100, to: 1500, points: 701 } as const;

/**
 * The classic steps without the baseline: the vector with its background. The library checks compare near-duplicates
 * on it (a copy of one measurement shares its background; two samples rarely do), and `specmatch eval` scores it as
 * the previous default.
 */
export const CLASSIC_WITH_BACKGROUND_PIPELINE: Pipeline = {
  schemaVersion: 1,
  steps: [
    { kind: 'axis.resample', params: { ...CLASSIC_AXIS, method: 'linear', outside: 'hold-edge' } },
    { kind: 'smooth.savitzkyGolay', params: { window: 7, polyorder: 3, edge: 'nearest' } },
  ],
};

export const CLASSIC_PIPELINE: Pipeline = {
  schemaVersion: 1,
  steps: [...CLASSIC_WITH_BACKGROUND_PIPELINE.steps, { kind: 'baseline.als', params: { lambda: 1e3, p: 0.03 } }],
};

/** The classic vectorizer; its hash keys the stored classic vectors. */
export const CLASSIC_VECTORIZER = makeVectorizer(CLASSIC_PIPELINE);
export const CLASSIC_PIPELINE_HASH = CLASSIC_VECTORIZER.hash;

/** The model id the classic vectors are filed under in the embeddings table. */
export const CLASSIC_MODEL_ID = 'classic';

let axisCache: Float64Array | undefined;
/** The axis values (cm⁻¹), computed once: the grid axis.resample puts the vectors on. */
export function classicAxisValues(): Float64Array {
  axisCache ??= linearAxis(CLASSIC_AXIS.from, CLASSIC_AXIS.to, CLASSIC_AXIS.points);
  return axisCache;
}

/** A spectrum (x ascending) as its classic vector; E_PIPELINE when it has no point on the classic axis. */
export function classicVector(s: Spectrum): Float32Array;
export function classicVector(x: ArrayLike<number>, y: ArrayLike<number>): Float32Array;
export function classicVector(a: Spectrum | ArrayLike<number>, y?: ArrayLike<number>): Float32Array {
  return CLASSIC_VECTORIZER.apply(y === undefined ? (a as Spectrum) : bareSpectrum(a as ArrayLike<number>, y));
}
