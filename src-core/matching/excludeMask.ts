import { SpecmatchError } from '../errors.js';

/** x ranges in cm⁻¹ (inclusive) as given by `--exclude FROM-TO` or the app's mask editor. */
export type ExcludeRanges = ReadonlyArray<readonly [number, number]>;

/**
 * Mask over an axis: 1 where a point takes part in the comparison, 0 inside any excluded range (substrate, glass,
 * CO₂/O₂/N₂ bands). Returns undefined when nothing is excluded so callers keep the fast unmasked path.
 * Throws E_PARAM for non-finite ranges and when fewer than 3 points would remain.
 */
export function excludeMask(axis: ArrayLike<number>, ranges: ExcludeRanges | undefined): Uint8Array | undefined {
  if (!ranges || ranges.length === 0) return undefined;
  const mask = new Uint8Array(axis.length).fill(1);
  for (const [a, b] of ranges) {
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new SpecmatchError('E_PARAM', `exclude range ${a}-${b} is not a pair of numbers`);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    for (let i = 0; i < axis.length; i++) if (axis[i]! >= lo && axis[i]! <= hi) mask[i] = 0;
  }
  let kept = 0;
  for (const m of mask) kept += m;
  if (kept < 3) throw new SpecmatchError('E_PARAM', `the excluded ranges leave ${kept} of ${axis.length} points: nothing left to compare`);
  return mask;
}

/** Parses `FROM-TO` (cm⁻¹, e.g. `1300-1400`, `-20-50`, `2300–2400`) into a range; E_USAGE when malformed. */
export function parseExcludeRange(text: string): [number, number] {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*[-–:]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m) throw new SpecmatchError('E_USAGE', `--exclude expects FROM-TO in cm⁻¹ (e.g. 1300-1400), got '${text}'`);
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a <= b ? [a, b] : [b, a];
}
