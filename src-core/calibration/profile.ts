import { SpecmatchError } from '../errors.js';
import type { Spectrum, SpectrumMeta } from '../spectrum/Spectrum.js';
import type { CalibrationLine } from './calibrate.js';
import { applyXMap } from './xMap.js';
import type { XMap } from './xMap.js';

/**
 * Instrument profiles as the library stores them (see src-core/node/library/instruments.ts): an instrument and its
 * dated calibrations. Pure data plus the two functions every consumer needs: which instrument a file comes from,
 * and the calibrated spectrum derived from the raw one.
 */

/** A spectrum belongs to an instrument when every rule matches (case-insensitive substring of a metadata value). */
export interface InstrumentRule {
  /** 'instrument', 'sourceFile', 'format', 'sampleId' or the name of a header field of the file (e.g. 'title'). */
  field: string;
  contains: string;
}

export interface Instrument {
  id: number;
  name: string;
  serial: string | null;
  laserNm: number | null;
  /** How its files are recognised; empty: only an explicit `--instrument NAME` applies its calibration. */
  recognise: InstrumentRule[];
  createdAt: string;
}

/** Relative intensity correction: y multiplied by the polynomial factor(s) = Σ c_k·((s − center)/scale)^k. */
export interface IntensityCorrection {
  /** Where it comes from (e.g. 'NIST SRM 2241'). */
  source: string;
  center: number;
  scale: number;
  coefficients: number[];
  /** Shift range (cm⁻¹) where it is valid; outside it y is left as is. */
  from: number;
  to: number;
}

export interface Calibration {
  id: number;
  instrumentId: number;
  instrument: string;
  /** ISO time it was accepted. */
  createdAt: string;
  standard: string;
  /** The files it was fitted on (base names). */
  files: string[];
  xMap: XMap;
  lines: CalibrationLine[];
  rms: number;
  /** Median FWHM of the standard's lines, cm⁻¹. */
  resolutionCm: number | null;
  laserNm: number | null;
  laserCorrectedNm: number | null;
  intensity: IntensityCorrection | null;
}

/** What a spectrum's metadata says about the calibration applied to it (set by applyCalibration). */
export type AppliedCalibration = NonNullable<SpectrumMeta['calibration']>;

/** Which instrument's calibration to apply: undefined = recognise from metadata, 'none' = no calibration, else a name. */
export type InstrumentChoice = string | undefined;

function metaValue(meta: SpectrumMeta, field: string): string | undefined {
  switch (field) {
    case 'instrument':
      return meta.instrument;
    case 'sourceFile':
      return meta.sourceFile;
    case 'format':
      return meta.format;
    case 'sampleId':
      return meta.sampleId;
    default:
      return meta.fields[field];
  }
}

/** True when `inst` claims this spectrum: at least one rule, every rule matching, and the laser agreeing (±2 nm). */
export function recognises(inst: Instrument, meta: SpectrumMeta): boolean {
  if (inst.recognise.length === 0) return false;
  if (inst.laserNm && meta.laserNm && Math.abs(inst.laserNm - meta.laserNm) > 2) return false;
  return inst.recognise.every((r) => (metaValue(meta, r.field) ?? '').toLowerCase().includes(r.contains.toLowerCase()));
}

/** Parses `field=text` rules (CLI form) into InstrumentRule; E_PARAM on a malformed one. */
export function parseRule(text: string): InstrumentRule {
  const cut = text.indexOf('=');
  if (cut <= 0 || cut === text.length - 1) throw new SpecmatchError('E_PARAM', `'${text}' is not a recognition rule: write FIELD=TEXT, e.g. instrument=BTC162E or title=BWS415`);
  return { field: text.slice(0, cut).trim(), contains: text.slice(cut + 1).trim() };
}

/**
 * The calibrated spectrum derived from a raw one: x through the calibration's map (and y through its intensity
 * correction), meta.calibration saying which calibration it was. The raw spectrum is not changed. A spectrum whose
 * axis is not the one the map reads is refused (E_CALIBRATION), as is a laser that differs from the calibration's.
 */
export function applyCalibration(raw: Spectrum, cal: Calibration): Spectrum {
  const input = cal.xMap.input;
  if (raw.meta.xKind !== input) {
    throw new SpecmatchError('E_CALIBRATION', `${raw.meta.sourceFile}: x is ${raw.meta.xKind} but the calibration of ${cal.instrument} reads ${input}`);
  }
  if (cal.laserNm && raw.meta.laserNm && Math.abs(cal.laserNm - raw.meta.laserNm) > 2) {
    throw new SpecmatchError('E_CALIBRATION', `${raw.meta.sourceFile}: laser ${raw.meta.laserNm} nm, but the calibration of ${cal.instrument} is for ${cal.laserNm} nm`);
  }
  let x = applyXMap(cal.xMap, raw.x);
  let y = Float64Array.from(raw.y);
  // keep x ascending (a wavelength axis converted to shift stays ascending; the map is monotonic increasing)
  if (x.length > 1 && x[0]! > x[x.length - 1]!) {
    x = x.reverse();
    y = y.reverse();
  }
  if (cal.intensity) {
    const c = cal.intensity;
    for (let i = 0; i < x.length; i++) {
      if (x[i]! < c.from || x[i]! > c.to) continue;
      const t = (x[i]! - c.center) / c.scale;
      let f = 0;
      for (let k = c.coefficients.length - 1; k >= 0; k--) f = f * t + c.coefficients[k]!;
      if (f > 0) y[i] = y[i]! * f;
    }
  }
  const applied: AppliedCalibration = { instrument: cal.instrument, calibrationId: cal.id, standard: cal.standard, date: cal.createdAt, rms: cal.rms };
  const meta: SpectrumMeta = {
    ...raw.meta,
    xKind: 'raman-shift',
    ...(cal.laserCorrectedNm ? { laserNm: cal.laserCorrectedNm } : {}),
    calibration: applied,
    warnings: [...raw.meta.warnings],
  };
  return { x, y, meta };
}

/** One line for inspect, the app and the report's Method section. */
export function describeCalibration(c: AppliedCalibration): string {
  return `x axis calibrated with ${c.instrument}'s ${c.standard} calibration #${c.calibrationId} of ${c.date.slice(0, 10)} (RMS ${c.rms.toFixed(2)} cm⁻¹)`;
}
