import { SpecmatchError } from '../errors.js';

export interface CropOptions {
  /** Lower bound of x kept, inclusive (cm⁻¹ for Raman shift). @default 0 */
  from?: number;
  /** Upper bound of x kept, inclusive. @default 4000 */
  to?: number;
}

export const CROP_DEFAULTS: Required<CropOptions> = { from: 0, to: 4000 };

/**
 * Keeps the points with from ≤ x ≤ to (x ascending). Cutting off the Rayleigh-line edge and the detector's noisy
 * ends before baseline fitting keeps them from pulling the baseline. Nothing left is an E_PARAM error naming the
 * measured range, since every later step needs data.
 */
export function crop(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: CropOptions = {},
): { x: Float64Array; y: Float64Array } {
  const o = { ...CROP_DEFAULTS, ...options };
  if (!(o.from < o.to)) throw new SpecmatchError('E_PARAM', `crop needs from < to, got ${o.from} … ${o.to}`);
  let a = 0;
  while (a < x.length && x[a]! < o.from) a++;
  let b = x.length;
  while (b > a && x[b - 1]! > o.to) b--;
  if (b - a === 0) {
    const range = x.length > 0 ? `${x[0]} … ${x[x.length - 1]}` : 'empty';
    throw new SpecmatchError('E_PARAM', `crop ${o.from} … ${o.to} leaves no points (the spectrum covers ${range})`);
  }
  const outX = new Float64Array(b - a);
  const outY = new Float64Array(b - a);
  for (let i = a; i < b; i++) {
    outX[i - a] = x[i]!;
    outY[i - a] = y[i]!;
  }
  return { x: outX, y: outY };
}
