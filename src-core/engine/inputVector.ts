import type { Pipeline } from '../preprocess/pipeline.js';
import { linearAxis, resampleLinear } from '../preprocess/resampleLinear.js';
import type { VectorAxis } from '../preprocess/vectorizer.js';

/**
 * The input stage of the models trained here: linear resampling onto the model's fixed axis, the ends outside the
 * measured range held at the nearest axis value inside it (a zero fill would put a false step into raw spectra that
 * sit on a baseline), then min–max scaling to [0, 1] so laser power and integration time do not matter.
 *
 * It is a registry pipeline (`inputPipeline`), written into each manifest as `pipeline` and run by the model
 * (TfEmbeddingModel through preprocess/vectorizer.ts); the manifest's pipeline is what a model runs, so a new
 * recipe names another pipeline in its manifest. `spectrumToInput` is the same computation written for speed over
 * training sets (tens of thousands of rows); engine/__tests__/inputVector.test.ts proves it equal to the pipeline.
 */
export type InputAxis = VectorAxis;

/** The input pipeline of a model on `axis` (what trainModel writes into the manifest). */
export function inputPipeline(axis: InputAxis): Pipeline {
  return {
    schemaVersion: 1,
    steps: [
      { kind: 'axis.resample', params: { from: axis.from, to: axis.to, points: axis.points, method: 'linear', outside: 'hold-edge' } },
      { kind: 'normalize.minmax', params: {} },
    ],
  };
}

/**
 * Fast path of inputPipeline(axis) for training rows: resample and scale one spectrum into `out` (length
 * axis.points). Returns false (and zeros) where the pipeline fails: a spectrum that is flat on the axis (one beside
 * the axis holds a constant).
 */
export function spectrumToInput(x: ArrayLike<number>, y: ArrayLike<number>, grid: Float64Array, out: Float32Array): boolean {
  const n = x.length;
  if (n < 1) {
    out.fill(0);
    return false;
  }
  const r = resampleLinear(x, y, grid, Number.NaN);
  let first = -1;
  let last = -1;
  for (let i = 0; i < r.length; i++) {
    if (!Number.isNaN(r[i]!)) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) {
    // no axis point inside the measured range: the measured end values are held (as axis.resample hold-edge)
    for (let i = 0; i < r.length; i++) r[i] = grid[i]! < x[0]! ? y[0]! : y[n - 1]!;
    return minMaxInto(r, out);
  }
  for (let i = 0; i < first; i++) r[i] = r[first]!;
  for (let i = last + 1; i < r.length; i++) r[i] = r[last]!;
  return minMaxInto(r, out);
}

/** Min–max scale to [0, 1]; a flat input becomes all zeros and returns false. */
export function minMaxInto(v: ArrayLike<number>, out: Float32Array): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const a = v[i]!;
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  const span = hi - lo;
  for (let i = 0; i < v.length; i++) out[i] = span > 0 ? (v[i]! - lo) / span : 0;
  return span > 0;
}

export function axisGrid(axis: InputAxis): Float64Array {
  return linearAxis(axis.from, axis.to, axis.points);
}
