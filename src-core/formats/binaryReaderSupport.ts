/**
 * Steps the binary readers (Renishaw WDF/WXD, Andor SIF, Princeton SPE, PerkinElmer SP) share once their own
 * container is parsed: typing whatever a parser throws, and leaving out spectra without a finite point.
 */
import { SpecmatchError, parseError } from '../errors.js';
import type { Spectrum } from '../spectrum/Spectrum.js';

/**
 * Runs `read`, passing a SpecmatchError through and turning anything else (a RangeError from a DataView on a
 * truncated file, a decompressor's exception) into E_CORRUPT naming the file, so a reader called directly never
 * throws an untyped error.
 */
export function readOrCorrupt<T>(fileName: string, label: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof SpecmatchError) throw err;
    throw parseError('E_CORRUPT', fileName, label, err instanceof Error ? err.message : String(err), err);
  }
}

/**
 * Spectra with no finite point (a detector that saturated to NaN, a damaged block) are left out with a warning on
 * the others; positions keep their in-file index. A file where none is left is E_EMPTY.
 */
export function withoutEmptySpectra(spectra: Spectrum[], fileName: string, label: string): Spectrum[] {
  const kept = spectra.filter((s) => s.x.length > 0);
  if (kept.length === 0) throw parseError('E_EMPTY', fileName, label, 'no spectrum holds a finite data point');
  const dropped = spectra.length - kept.length;
  if (dropped > 0) {
    const note = `${dropped} of ${spectra.length} spectra held no finite data point and were left out`;
    for (const s of kept) s.meta.warnings.push(note);
  }
  return kept;
}
