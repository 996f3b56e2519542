import { SpecmatchError } from '../errors.js';

export type NormalizeMethod = 'max' | 'minmax' | 'vector' | 'area' | 'snv';
export const NORMALIZE_METHODS: readonly NormalizeMethod[] = ['max', 'minmax', 'vector', 'area', 'snv'];

/**
 * Intensity normalisation, each with the invariant it guarantees:
 * - `max`: y / max|y| → the largest magnitude is 1 (for a positive spectrum: the tallest band is 1);
 * - `minmax`: (y − min) / (max − min) → values span exactly [0, 1];
 * - `vector`: y / ‖y‖₂ → unit Euclidean norm (what a dot-product / cosine search assumes);
 * - `area`: y / ∫|y| dx (trapezoid rule over x) → unit absolute area;
 * - `snv`: standard normal variate (Barnes, Dhanoa & Lister, Appl. Spectrosc. 43:772, 1989), (y − mean) / sd
 *   (population sd) → mean 0, sd 1.
 * A flat (or all-zero) spectrum has no scale: that is an E_PARAM error rather than a division by zero.
 */
export function normalize(x: ArrayLike<number>, y: ArrayLike<number>, method: NormalizeMethod): Float64Array {
  const n = y.length;
  if (n === 0) throw new SpecmatchError('E_PARAM', 'cannot normalize an empty spectrum');
  const out = new Float64Array(n);
  const flat = (): never => {
    throw new SpecmatchError('E_PARAM', `cannot normalize (${method}) a flat spectrum: it has no intensity scale`);
  };
  switch (method) {
    case 'max': {
      let m = 0;
      for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(y[i]!));
      if (!(m > 0)) flat();
      for (let i = 0; i < n; i++) out[i] = y[i]! / m;
      return out;
    }
    case 'minmax': {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, y[i]!);
        hi = Math.max(hi, y[i]!);
      }
      if (!(hi > lo)) flat();
      for (let i = 0; i < n; i++) out[i] = (y[i]! - lo) / (hi - lo);
      return out;
    }
    case 'vector': {
      let s = 0;
      for (let i = 0; i < n; i++) s += y[i]! * y[i]!;
      const norm = Math.sqrt(s);
      if (!(norm > 0)) flat();
      for (let i = 0; i < n; i++) out[i] = y[i]! / norm;
      return out;
    }
    case 'area': {
      let area = 0;
      for (let i = 1; i < n; i++) area += ((Math.abs(y[i]!) + Math.abs(y[i - 1]!)) / 2) * (x[i]! - x[i - 1]!);
      if (!(area > 0)) flat();
      for (let i = 0; i < n; i++) out[i] = y[i]! / area;
      return out;
    }
    case 'snv': {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += y[i]!;
      mean /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (y[i]! - mean) ** 2;
      const sd = Math.sqrt(ss / n);
      if (!(sd > 0)) flat();
      for (let i = 0; i < n; i++) out[i] = (y[i]! - mean) / sd;
      return out;
    }
    default:
      throw new SpecmatchError(
        'E_PARAM',
        `unknown normalization '${String(method)}'; use one of ${NORMALIZE_METHODS.join(', ')}`,
      );
  }
}
