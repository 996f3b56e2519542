import { parseError } from '../../errors.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';

/**
 * Helpers shared by the text readers: strict number parsing (decimal point or decimal comma), metadata values a
 * spectroscopist cares about (laser wavelength, instrument, date), and hints taken from the file name.
 */

const NON_FINITE = /^[-+]?(?:nan|inf|infinity|1\.#inf|1\.#qnan|1\.#ind)$/i;

/** White space a cell may carry around its number (space, tab, CR/LF, no-break space, BOM). */
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 160 || c === 0xfeff;
}

/**
 * Whether `s[from, to)` is a plain decimal number with `dec` (46 '.' or 44 ',') as decimal separator: optional sign,
 * digits with at most one separator, optional exponent. A hand scanner over indices (no substring allocation),
 * because it runs once per table cell.
 */
function isDecimal(s: string, from: number, to: number, dec: number): boolean {
  let i = from;
  let c = s.charCodeAt(i);
  if (c === 43 || c === 45) i++;
  let digits = 0;
  while (i < to && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    i++;
    digits++;
  }
  if (i < to && s.charCodeAt(i) === dec) {
    i++;
    while (i < to && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (i < to && ((c = s.charCodeAt(i)) === 101 || c === 69)) {
    i++;
    if (i < to && ((c = s.charCodeAt(i)) === 43 || c === 45)) i++;
    let exp = 0;
    while (i < to && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      i++;
      exp++;
    }
    if (exp === 0) return false;
  }
  return i === to;
}

/**
 * A cell as a number, or undefined when it is not one. `Number()` alone is too lenient (`''` → 0, `'0x1F'` → 31),
 * so the shape is checked first; surrounding white space and double quotes are allowed. NaN/Inf spellings are
 * numbers (NaN or ±Infinity) so a row holding them is still a data row; makeSpectrum later drops those points with
 * a warning.
 */
export function parseNumber(cell: string, decimalComma = false): number | undefined {
  let a = 0;
  let b = cell.length;
  while (a < b && isSpace(cell.charCodeAt(a))) a++;
  while (b > a && isSpace(cell.charCodeAt(b - 1))) b--;
  if (b - a >= 2 && cell.charCodeAt(a) === 34 && cell.charCodeAt(b - 1) === 34) {
    a++;
    b--;
    while (a < b && isSpace(cell.charCodeAt(a))) a++;
    while (b > a && isSpace(cell.charCodeAt(b - 1))) b--;
  }
  if (a === b || b - a > 64) return undefined;
  if (decimalComma) {
    if (isDecimal(cell, a, b, 44)) return Number(cell.slice(a, b).replace(',', '.'));
  } else if (isDecimal(cell, a, b, 46)) return Number(a === 0 && b === cell.length ? cell : cell.slice(a, b));
  const t = cell.slice(a, b);
  if (NON_FINITE.test(t)) return /inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : NaN;
  return undefined;
}

/** Base name of a path given with / or \ separators. */
export function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

/** Lower-case extension without the dot ('' when none). */
export function extensionOf(fileName: string): string {
  const base = baseName(fileName);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/**
 * True when the file name marks an infrared (FTIR/ATR) measurement: a name token `ir`, `ftir`, `fitr` (OpenSpecy's
 * typo), `atr` or `infrared`. Such x axes are absolute wavenumbers and must not be taken for Raman shifts.
 */
export function nameSaysInfrared(fileName: string): boolean {
  const stem = baseName(fileName).replace(/\.[^.]*$/, '');
  return stem
    .split(/[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])/)
    .some((t) => /^(ir|ftir|fitr|atr|infrared|nir-ir)$/i.test(t));
}

/** A laser wavelength in nm from a metadata value such as `532`, `532nm_Edge`, `784,82`, `532 ` (range 200–1500). */
export function parseLaserNm(value: string): number | undefined {
  const m = /(\d+(?:[.,]\d+)?)/.exec(value);
  if (!m) return undefined;
  const v = Number(m[1]!.replace(',', '.'));
  return Number.isFinite(v) && v >= 200 && v <= 1500 ? v : undefined;
}

/**
 * Whether a metadata key names the excitation wavelength (and not laser power, current or polarisation):
 * `laser_wavelength` (BWTek), `LaserWavelength_nm` (LightNovo), `Laser` / `Laser (nm)` (LabSpec), `wl` (Neegala),
 * `Excitation Wavelength`.
 */
export function isLaserKey(key: string): boolean {
  const k = key.trim().toLowerCase();
  if (/power|current|pol|intens|temp|shutter|filter/.test(k)) return false;
  return /^(laser|laser\s*\(nm\)|laser\s*wavelength.*|laser_?wavelength.*|excitation(\s|_)*(laser(\s|_)*)?wavelength.*|excitation|wl|lambda_?ex.*)$/.test(k);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * A date as ISO 8601 when its shape is unambiguous: `2021-10-27 15:57:47`, `16.12.2019 09:57[:07]` (LabSpec,
 * day first), `Fri Sep  8 22:03:52 2017` (Andor). Anything else is returned verbatim (trimmed).
 */
export function normaliseDate(value: string): string {
  const v = value.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  if (m) return m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}` : `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}${m[6] === undefined ? '' : `:${m[6]}`}`;
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  if (m) {
    const d = `${m[3]}-${pad(Number(m[2]))}-${pad(Number(m[1]))}`;
    return m[4] === undefined ? d : `${d}T${pad(Number(m[4]))}:${m[5]}${m[6] === undefined ? '' : `:${m[6]}`}`;
  }
  m = /^(?:[A-Za-z]{3}\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(v);
  if (m) {
    const mon = MONTHS.indexOf(m[1]!.toLowerCase());
    if (mon >= 0) return `${m[6]}-${pad(mon + 1)}-${pad(Number(m[2]))}T${pad(Number(m[3]))}:${m[4]}:${m[5]}`;
  }
  return v;
}

/** Metadata keys that name the instrument, in order of preference (case-insensitive). */
export const INSTRUMENT_KEYS = ['instrument', 'model', 'device', 'spectrometer', 'instrument model'];
/** Metadata keys that hold the acquisition date, in order of preference (case-insensitive). */
export const DATE_KEYS = ['acquired', 'date and time', 'date', 'time_stamp', 'timestamp', 'datetime', 'acquisition date'];

/** First field whose key (case-insensitive) is in `keys`, with a non-empty value. */
export function pickField(fields: Record<string, string>, keys: readonly string[]): string | undefined {
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(fields)) if (v.trim() !== '' && !lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), v.trim());
  for (const k of keys) {
    const v = lower.get(k);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * The spectra that kept at least one point after makeSpectrum dropped non-finite ones; E_EMPTY when none did (a
 * file whose numbers are all NaN, or whose x column is blank, holds no spectrum).
 */
export function withPoints(spectra: Spectrum[], fileName: string, label: string): Spectrum[] {
  const kept = spectra.filter((s) => s.x.length > 0);
  if (kept.length === 0) throw parseError('E_EMPTY', fileName, label, 'no finite data points');
  if (kept.length < spectra.length) {
    for (const s of kept) s.meta.warnings.push(`${spectra.length - kept.length} of ${spectra.length} spectra in the file had no finite points and were left out`);
  }
  return kept;
}
