import type { Spectrum, SpectrumMeta, XKind } from './Spectrum.js';

/** What a reader knows about one spectrum before the shared normalisation of units and order. */
export interface RawSpectrumInput {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Unit of x as stored: 'cm-1' (Raman shift), 'nm' (absolute wavelength), 'abs-cm-1' (absolute wavenumber), 'ev', 'pixel', … */
  xUnit: 'cm-1' | 'nm' | 'abs-cm-1' | 'ev' | 'pixel' | 'other';
  /** The unit text exactly as the file states it (for metadata), defaults to xUnit. */
  originalXUnit?: string;
  /**
   * For 'abs-cm-1': whether it is an FTIR/IR wavenumber axis (kept) or an absolute Raman axis to convert with the
   * laser. Default: kept as wavenumber unless a laser wavelength is known and the data are Raman.
   */
  isRaman?: boolean;
  meta: Omit<SpectrumMeta, 'xKind' | 'originalXUnit' | 'warnings' | 'fields'> & {
    fields?: Record<string, string>;
    warnings?: string[];
  };
}

/** Raman shift (cm⁻¹) of an absolute wavelength (nm) under excitation at laserNm. */
export function wavelengthToShift(nm: number, laserNm: number): number {
  return 1e7 / laserNm - 1e7 / nm;
}

/**
 * Shared normalisation every reader applies: non-finite points dropped (with a warning), wavelength converted to
 * Raman shift when the laser is known (kept in nm with a warning when not), absolute Raman wavenumbers converted,
 * x made ascending (reversed, or sorted when not monotonic, with a warning). Never throws on odd data.
 */
export function makeSpectrum(input: RawSpectrumInput): Spectrum {
  const warnings = [...(input.meta.warnings ?? [])];
  const n = Math.min(input.x.length, input.y.length);
  if (input.x.length !== input.y.length) {
    warnings.push(`x has ${input.x.length} values and y ${input.y.length}; kept the first ${n} pairs`);
  }
  let x: number[] = [];
  let y: number[] = [];
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const xi = Number(input.x[i]);
    const yi = Number(input.y[i]);
    if (Number.isFinite(xi) && Number.isFinite(yi)) {
      x.push(xi);
      y.push(yi);
    } else dropped++;
  }
  if (dropped > 0) warnings.push(`dropped ${dropped} non-finite point${dropped === 1 ? '' : 's'}`);

  let xKind: XKind;
  const laser = input.meta.laserNm;
  const hasLaser = laser !== undefined && Number.isFinite(laser) && laser > 0;
  switch (input.xUnit) {
    case 'cm-1':
      xKind = 'raman-shift';
      break;
    case 'nm':
      if (hasLaser) {
        x = x.map((v) => wavelengthToShift(v, laser));
        xKind = 'raman-shift';
      } else {
        xKind = 'wavelength';
        warnings.push('x is absolute wavelength (nm) and the laser wavelength is unknown: kept in nm');
      }
      break;
    case 'abs-cm-1':
      if (input.isRaman === true && hasLaser) {
        x = x.map((v) => 1e7 / laser - v);
        xKind = 'raman-shift';
      } else {
        xKind = 'wavenumber';
        if (input.isRaman === true) warnings.push('absolute wavenumbers with unknown laser: kept as absolute cm-1');
      }
      break;
    default:
      xKind = 'other';
      warnings.push(`x unit '${input.originalXUnit ?? input.xUnit}' is not a Raman shift`);
  }

  // Make x ascending: reverse a descending axis, sort a non-monotonic one.
  let ascending = true;
  let descending = true;
  for (let i = 1; i < x.length; i++) {
    const d = x[i]! - x[i - 1]!;
    if (d <= 0) ascending = false;
    if (d >= 0) descending = false;
  }
  if (!ascending && x.length > 1) {
    if (descending) {
      x.reverse();
      y.reverse();
    } else {
      const order = x.map((_, i) => i).sort((a, b) => x[a]! - x[b]! || a - b);
      x = order.map((i) => x[i]!);
      y = order.map((i) => y[i]!);
      warnings.push('x was not monotonic: points sorted by x');
    }
  }

  const { fields, warnings: _w, ...rest } = input.meta;
  return {
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    meta: {
      ...rest,
      xKind,
      originalXUnit: input.originalXUnit ?? input.xUnit,
      fields: fields ?? {},
      warnings,
    },
  };
}
