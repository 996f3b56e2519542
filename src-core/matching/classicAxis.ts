import { resampleLinear } from '../preprocess/resampleLinear.js';

/**
 * The common axis of the classic methods (correlation HQI, derivative HQI, cosine, euclidean) and the vector a
 * spectrum becomes on it. Every reference's vector is computed once on import and stored under
 * `CLASSIC_PIPELINE_HASH`, so a query only resamples itself.
 *
 * Axis: 100–1500 cm⁻¹ Raman shift in 2 cm⁻¹ steps (701 points). It spans the fingerprint region every RRUFF RAW
 * spectrum covers (5 % of RRUFF files start above 182 cm⁻¹, 5 % end below 1235 cm⁻¹) and keeps 2–3 points across
 * the narrowest mineral bands (≈ 5 cm⁻¹ FWHM); 2 cm⁻¹ keeps a 100,000-reference search within tens of ms.
 *
 * Pipeline "classic-v2": linear interpolation onto the axis; outside the measured range the edge value is held
 * (a constant extension adds no false bands and no step, unlike zero fill on a spectrum with a baseline offset);
 * then Savitzky–Golay smoothing (Savitzky & Golay 1964), 7 points (14 cm⁻¹) cubic, which tames the noise that the
 * derivative HQI would otherwise amplify: measured +0.9 points top-1 for derivative HQI on RRUFF RAW
 * (docs/notes/library.md). No baseline removal: the asymmetric-least-squares baseline of the preprocessing presets
 * costs ~8 ms a spectrum, too slow for importing at 300 spectra/s; derivative HQI is insensitive to smooth
 * baselines, which is why it is the default classic method on raw spectra.
 */
export const CLASSIC_AXIS = { from: 100, to: 1500, points: 701 } as const;

/** Canonical description of the classic pipeline; its hash keys the stored vectors. */
export const CLASSIC_PIPELINE = {
  id: 'classic-v2',
  steps: [
    { kind: 'resample.linear', params: { ...CLASSIC_AXIS, outside: 'hold-edge' } },
    { kind: 'smooth.savitzkyGolay', params: { window: 7, polyorder: 3 } },
  ],
} as const;

/** Savitzky–Golay 7-point quadratic/cubic smoothing weights (their table: −2, 3, 6, 7, 6, 3, −2 over 21). */
const SG7 = [-2 / 21, 3 / 21, 6 / 21, 7 / 21, 6 / 21, 3 / 21, -2 / 21] as const;

/** FNV-1a 32-bit over a string, hex: a stable, dependency-free hash of canonical JSON (not for security). */
export function fnv1aHex(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export const CLASSIC_PIPELINE_HASH = `${CLASSIC_PIPELINE.id}-${fnv1aHex(JSON.stringify(CLASSIC_PIPELINE))}`;

/** The model id the classic vectors are filed under in the embeddings table. */
export const CLASSIC_MODEL_ID = 'classic';

let axisCache: Float64Array | undefined;
/** The axis values (cm⁻¹), computed once. */
export function classicAxisValues(): Float64Array {
  if (!axisCache) {
    const { from, to, points } = CLASSIC_AXIS;
    axisCache = new Float64Array(points);
    const step = (to - from) / (points - 1);
    for (let i = 0; i < points; i++) axisCache[i] = from + i * step;
  }
  return axisCache;
}

/** A spectrum (x ascending) as its classic vector: resampled onto CLASSIC_AXIS, edges held. */
export function classicVector(x: ArrayLike<number>, y: ArrayLike<number>): Float32Array {
  const axis = classicAxisValues();
  const out = new Float32Array(axis.length);
  const n = Math.min(x.length, y.length);
  if (n === 0) return out;
  const r = resampleLinear(x, y, axis, Number.NaN);
  const first = y[0]!;
  const last = y[n - 1]!;
  const x0 = x[0]!;
  for (let i = 0; i < r.length; i++) {
    const v = r[i]!;
    if (Number.isNaN(v)) r[i] = axis[i]! < x0 ? first : last;
  }
  // Smoothing; near the ends the window is clamped to the edge value (which the hold-edge extension repeats anyway).
  const m = r.length;
  for (let i = 0; i < m; i++) {
    let acc = 0;
    for (let j = -3; j <= 3; j++) acc += SG7[j + 3]! * r[Math.min(m - 1, Math.max(0, i + j))]!;
    out[i] = acc;
  }
  return out;
}
