import type { Spectrum } from '../spectrum/Spectrum.js';

/**
 * One file format. Readers are pure: they get the file's bytes and its name (for messages and extension hints)
 * and return every spectrum in the file, or throw a SpecmatchError (use `parseError` from ../errors.js).
 * They must never throw anything else, never loop without bound, and never allocate more than a small multiple
 * of the input size (check declared counts against the bytes actually present before allocating).
 */
export interface FormatReader {
  /** Stable id used in metadata, JSON output and errors, e.g. 'rruff-txt', 'spc', 'jcamp-dx'. */
  id: string;
  /** Human label, e.g. 'Galactic SPC'. */
  label: string;
  /** Lower-case extensions without dot that usually hold this format. */
  extensions: string[];
  /**
   * Content sniffing: 0 = certainly not this format, 1 = weak (extension only / generic text),
   * 2 = header looks right, 3 = magic bytes match. Must be cheap and must not throw.
   */
  sniff(bytes: Uint8Array, fileName: string): number;
  /** Parse the file. `fileName` is the path as the user gave it (used verbatim in error messages). */
  read(bytes: Uint8Array, fileName: string): Spectrum[];
}

export interface ReadResult {
  format: string;
  spectra: Spectrum[];
  /** Reader-level warnings, e.g. extension/content mismatch. */
  warnings: string[];
}
