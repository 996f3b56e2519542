import { linearAxis, resampleLinear } from '../preprocess/resampleLinear.js';

/**
 * Turns a spectrum into the network's input: linear resampling onto the model's fixed axis, the ends outside the
 * measured range held at the nearest measured value (a zero fill would put a false step into raw spectra that sit
 * on a baseline), then min–max scaling to [0, 1] so laser power and integration time do not matter.
 * This is the model's own input stage, recorded in its manifest as `pipeline`; it is the same for raw and
 * baseline-corrected queries (the shipped model is trained on both).
 */
export interface InputAxis {
  from: number;
  to: number;
  points: number;
}

export const INPUT_PIPELINE_ID = 'specmatch.engine.input/v1';

/** The manifest's pipeline object for an axis (canonical: keys in fixed order). */
export function inputPipeline(axis: InputAxis): { schemaVersion: 1; steps: Array<{ kind: string; params: Record<string, number> }> } {
  return {
    schemaVersion: 1,
    steps: [
      { kind: 'resample.linear', params: { from: axis.from, to: axis.to, points: axis.points } },
      { kind: 'normalize.minmax', params: {} },
    ],
  };
}

/** Resample and scale one spectrum into `out` (length axis.points). Returns false when it has no point on the axis. */
export function spectrumToInput(x: ArrayLike<number>, y: ArrayLike<number>, grid: Float64Array, out: Float32Array): boolean {
  const n = x.length;
  if (n < 2 || x[n - 1]! < grid[0]! || x[0]! > grid[grid.length - 1]!) {
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
    out.fill(0);
    return false;
  }
  for (let i = 0; i < first; i++) r[i] = r[first]!;
  for (let i = last + 1; i < r.length; i++) r[i] = r[last]!;
  minMaxInto(r, out);
  return true;
}

/** Min–max scale to [0, 1] (a flat input becomes all zeros). */
export function minMaxInto(v: ArrayLike<number>, out: Float32Array): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const a = v[i]!;
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  const span = hi - lo;
  for (let i = 0; i < v.length; i++) out[i] = span > 0 ? (v[i]! - lo) / span : 0;
}

export function axisGrid(axis: InputAxis): Float64Array {
  return linearAxis(axis.from, axis.to, axis.points);
}
