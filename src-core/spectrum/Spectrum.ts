/**
 * The one spectrum model every reader returns and every later stage consumes.
 *
 * After reading, `x` is ascending. For Raman data it is Raman shift in cm⁻¹ (`xKind: 'raman-shift'`). When a file
 * stores absolute wavelength and no laser wavelength is known, x stays in nm (`xKind: 'wavelength'`) with a
 * warning; FTIR data keep absolute wavenumbers (`xKind: 'wavenumber'`).
 */
export type XKind = 'raman-shift' | 'wavelength' | 'wavenumber' | 'other';

/** Where one spectrum sits inside a file that holds several (maps, line scans, multi-subfile SPC, JCAMP blocks). */
export interface SpectrumPosition {
  /** 0-based index of this spectrum in the file, in file order. */
  index: number;
  /** Total number of spectra in the file. */
  count: number;
  /** Stage coordinates in µm when the file gives them (maps, line scans). */
  xUm?: number;
  yUm?: number;
  zUm?: number;
  /** Grid indices for maps (column, row) when the file gives them. */
  column?: number;
  row?: number;
  /** Free label (JCAMP block title, SPC subfile z value, …). */
  label?: string;
}

export interface SpectrumMeta {
  /** Substance name when the file states one (RRUFF ##NAMES, JCAMP ##TITLE, …), entities decoded, verbatim otherwise. */
  substance?: string;
  sampleId?: string;
  /** Excitation laser wavelength in nm. */
  laserNm?: number;
  instrument?: string;
  /** Acquisition date as the file states it (ISO 8601 when it can be parsed). */
  date?: string;
  /** File name (base name) the spectrum came from. */
  sourceFile: string;
  /** Id of the reader that produced it (`FormatReader.id`). */
  format: string;
  /** What the x values mean after conversion. */
  xKind: XKind;
  /** x unit as stored in the file before conversion (e.g. 'cm-1', 'nm', '1/CM'). */
  originalXUnit: string;
  /** y unit or kind as the file states it (counts, absorbance, …), when known. */
  yUnit?: string;
  position: SpectrumPosition;
  /** Every other header field of the file, as strings (for the library's metadata and reports). */
  fields: Record<string, string>;
  /** Things a user should know about how this spectrum was read (dropped NaN points, reversed axis, …). */
  warnings: string[];
  /** Set on a spectrum derived through an instrument's calibration (src-core/calibration/profile.ts); raw data has none. */
  calibration?: {
    instrument: string;
    calibrationId: number;
    standard: string;
    date: string;
    rms: number;
  };
}

export interface Spectrum {
  x: Float64Array;
  y: Float64Array;
  meta: SpectrumMeta;
}
