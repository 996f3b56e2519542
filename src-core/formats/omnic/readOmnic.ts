import { parseError } from '../../errors.js';
import { makeSpectrum } from '../../spectrum/makeSpectrum.js';
import type { RawSpectrumInput } from '../../spectrum/makeSpectrum.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';

/**
 * Thermo Nicolet OMNIC `.spa` (one spectrum) and `.spg` (group of spectra) files. They share one layout, as
 * described by spectrochempy's reader and open-forum notes (see docs/formats/omnic.md); the code is our own.
 *
 * - Bytes 0-17: `Spectral Data File` (`Spectral Exte File` is an OMNIC series `.srs`, which we do not read).
 * - Byte 30: title, NUL-terminated, at most 256 bytes. Byte 294: uint16 number of directory entries.
 *   Byte 296: uint32 acquisition time, seconds since 1899-12-31 00:00 UTC.
 * - Byte 304 on: 16-byte directory entries `uint8 key, uint8, uint32 offset, uint32 size, …`. Keys: 2 spectrum
 *   header, 3 float32 intensities, 27 history text, 107 spectrum title (+256: its uint32 time, in `.spg` files),
 *   102/103 sample/background interferograms. In a group every spectrum starts with its own key-2 entry.
 * - Spectrum header (key 2): +4 uint32 number of points, +8 uint8 x unit (1 cm⁻¹, 2 data points, 3 nm, 4 µm,
 *   32 Raman shift), +12 uint8 y unit (17 absorbance, 16 %T, 11 %R, 12 log(1/R), 20 Kubelka-Munk, 22 V,
 *   26 photoacoustic, 31 Raman intensity), +16 float32 first x, +20 float32 last x, +36 uint32 sample scans,
 *   +52 uint32 background scans. x is evenly spaced from first to last.
 */

export const OMNIC_MAGIC = 'Spectral Data File';
const DIR_START = 304;
const ENTRY_BYTES = 16;

const Y_UNITS: Record<number, string> = {
  11: '%reflectance',
  12: 'log(1/R)',
  16: '%transmittance',
  17: 'absorbance',
  20: 'Kubelka-Munk',
  22: 'V (interferogram)',
  26: 'photoacoustic',
  31: 'Raman intensity',
};

interface Entry {
  key: number;
  offset: number;
  size: number;
}

interface Group {
  header: Entry;
  data?: Entry;
  history?: Entry;
  title?: Entry;
}

/** OMNIC series files (`.srs`, rapid-scan and time series) start with this instead. */
export const OMNIC_SERIES_MAGIC = 'Spectral Exte File';

function startsWith(bytes: Uint8Array, magic: string): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) return false;
  return true;
}

export function hasOmnicMagic(bytes: Uint8Array): boolean {
  return startsWith(bytes, OMNIC_MAGIC);
}

export function hasOmnicSeriesMagic(bytes: Uint8Array): boolean {
  return startsWith(bytes, OMNIC_SERIES_MAGIC);
}

/** Number of key-2 (spectrum header) entries: 1 for `.spa`, one per spectrum for `.spg`. Never throws. */
export function countOmnicSpectra(bytes: Uint8Array): number {
  if (!hasOmnicMagic(bytes) || bytes.length < DIR_START) return 0;
  const n = bytes[294]! | (bytes[295]! << 8);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const p = DIR_START + i * ENTRY_BYTES;
    if (p >= bytes.length) break;
    if (bytes[p] === 2) count++;
  }
  return count;
}

function cString(bytes: Uint8Array, offset: number, max: number): string {
  const end = Math.min(bytes.length, offset + max);
  let stop = offset;
  while (stop < end && bytes[stop] !== 0) stop++;
  const raw = bytes.subarray(offset, stop);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    // OMNIC writes the Windows code page (French accents in the fixtures): Latin-1 is the closest we can do.
    return new TextDecoder('latin1').decode(raw);
  }
}

function omnicTime(seconds: number): string | undefined {
  if (seconds === 0) return undefined;
  // Days from 1899-12-31 to 1970-01-01: 25568.
  const ms = (seconds - 25568 * 86400) * 1000;
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString().replace('.000Z', 'Z') : undefined;
}

function xAxis(
  code: number,
): { xUnit: RawSpectrumInput['xUnit']; unit: string; transform?: (v: number) => number } | undefined {
  switch (code) {
    case 1:
      return { xUnit: 'abs-cm-1', unit: 'cm-1' };
    case 3:
      return { xUnit: 'nm', unit: 'nm' };
    case 4: // micrometres: an IR wavelength axis, given as absolute wavenumber
      return { xUnit: 'abs-cm-1', unit: 'um', transform: (v) => (v === 0 ? NaN : 1e4 / v) };
    case 32:
      return { xUnit: 'cm-1', unit: 'Raman shift cm-1' };
    default:
      return undefined;
  }
}

/** Reads every spectrum of an OMNIC `.spa` / `.spg` file. Throws SpecmatchError only. */
export function readOmnic(bytes: Uint8Array, fileName: string, formatId: string, label: string): Spectrum[] {
  if (hasOmnicSeriesMagic(bytes)) {
    throw parseError(
      'E_UNSUPPORTED',
      fileName,
      label,
      'this is an OMNIC series (.srs), whose layout is not published: save the spectra as .spa or .spg from OMNIC',
    );
  }
  if (!hasOmnicMagic(bytes)) {
    throw parseError('E_FORMAT_MISMATCH', fileName, label, `the file does not start with '${OMNIC_MAGIC}'`);
  }
  if (bytes.length < DIR_START)
    throw parseError('E_CORRUPT', fileName, label, `file is ${bytes.length} bytes, too short for the OMNIC header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint16(294, true);
  if (n === 0 || DIR_START + n * ENTRY_BYTES > bytes.length) {
    throw parseError(
      'E_CORRUPT',
      fileName,
      label,
      `directory of ${n} entries at byte ${DIR_START} does not fit in the ${bytes.length}-byte file`,
    );
  }
  const groups: Group[] = [];
  for (let i = 0; i < n; i++) {
    const p = DIR_START + i * ENTRY_BYTES;
    const entry: Entry = { key: bytes[p]!, offset: dv.getUint32(p + 2, true), size: dv.getUint32(p + 6, true) };
    if (entry.key === 0) continue;
    // Every declared block must lie inside the file: a short file is truncated even when the spectrum itself fits.
    if (entry.offset > bytes.length || entry.offset + entry.size > bytes.length) {
      throw parseError(
        'E_CORRUPT',
        fileName,
        label,
        `directory entry ${i} (key ${entry.key}, ${entry.size} bytes at ${entry.offset}) runs past the end of the ${bytes.length}-byte file (truncated?)`,
      );
    }
    if (entry.key === 2) {
      groups.push({ header: entry });
      continue;
    }
    const g = groups[groups.length - 1];
    if (!g) continue;
    if (entry.key === 3 && !g.data) g.data = entry;
    else if (entry.key === 27 && !g.history) g.history = entry;
    else if (entry.key === 107 && !g.title) g.title = entry;
  }
  if (groups.length === 0)
    throw parseError('E_CORRUPT', fileName, label, 'no spectrum header (key 2) in the directory');

  const fileTitle = cString(bytes, 30, 256);
  const fileDate = omnicTime(dv.getUint32(296, true));
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const spectra: Spectrum[] = [];
  groups.forEach((g, index) => {
    const h = g.header.offset;
    if (h + 56 > bytes.length)
      throw parseError(
        'E_CORRUPT',
        fileName,
        label,
        `spectrum ${index + 1}: header at byte ${h} runs past the end of the file`,
      );
    const npts = dv.getUint32(h + 4, true);
    const xCode = bytes[h + 8]!;
    const yCode = bytes[h + 12]!;
    const first = dv.getFloat32(h + 16, true);
    const last = dv.getFloat32(h + 20, true);
    if (xCode === 2) {
      throw parseError(
        'E_UNSUPPORTED',
        fileName,
        label,
        'this is an interferogram (detector volts against data points), not a spectrum: save the processed spectrum from OMNIC',
      );
    }
    const axis = xAxis(xCode);
    if (!axis)
      throw parseError('E_UNSUPPORTED', fileName, label, `spectrum ${index + 1}: unknown x-axis unit code ${xCode}`);
    if (!g.data) throw parseError('E_CORRUPT', fileName, label, `spectrum ${index + 1}: no intensity block (key 3)`);
    const { offset, size } = g.data;
    if (offset + size > bytes.length || size % 4 !== 0) {
      throw parseError(
        'E_CORRUPT',
        fileName,
        label,
        `spectrum ${index + 1}: intensity block of ${size} bytes at ${offset} runs past the ${bytes.length}-byte file`,
      );
    }
    if (npts < 1 || npts * 4 !== size) {
      throw parseError(
        'E_CORRUPT',
        fileName,
        label,
        `spectrum ${index + 1}: header says ${npts} points but the intensity block holds ${size / 4}`,
      );
    }
    const y = new Float64Array(npts);
    for (let i = 0; i < npts; i++) y[i] = dv.getFloat32(offset + i * 4, true);
    const x = new Float64Array(npts);
    const step = npts > 1 ? (last - first) / (npts - 1) : 0;
    for (let i = 0; i < npts; i++) {
      const v = first + i * step;
      x[i] = axis.transform ? axis.transform(v) : v;
    }
    const fields: Record<string, string> = {
      title: fileTitle,
      points: String(npts),
      firstX: String(first),
      lastX: String(last),
      sampleScans: String(dv.getUint32(h + 36, true)),
      backgroundScans: String(dv.getUint32(h + 52, true)),
      yUnitCode: String(yCode),
    };
    if (g.history && g.history.offset < bytes.length) {
      const history = cString(bytes, g.history.offset, Math.min(g.history.size, 65536)).trim();
      if (history) fields['history'] = history;
    }
    let spectrumTitle = groups.length === 1 ? fileTitle : undefined;
    let date = fileDate;
    if (g.title && g.title.offset < bytes.length) {
      spectrumTitle = cString(bytes, g.title.offset, 256);
      if (g.title.offset + 260 <= bytes.length) date = omnicTime(dv.getUint32(g.title.offset + 256, true)) ?? date;
    }
    if (spectrumTitle) fields['spectrumTitle'] = spectrumTitle;
    const yUnit = Y_UNITS[yCode];
    spectra.push(
      makeSpectrum({
        x,
        y,
        xUnit: axis.xUnit,
        originalXUnit: axis.unit,
        isRaman: xCode === 32,
        meta: {
          ...(spectrumTitle ? { sampleId: spectrumTitle } : {}),
          ...(date ? { date } : {}),
          ...(yUnit ? { yUnit } : {}),
          sourceFile: base,
          format: formatId,
          position: {
            index,
            count: groups.length,
            ...(groups.length > 1 && spectrumTitle ? { label: spectrumTitle } : {}),
          },
          fields,
        },
      }),
    );
  });
  return spectra;
}
