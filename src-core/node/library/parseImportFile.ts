import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import { readSpectra } from '../../formats/readSpectra.js';
import { classicVector } from '../../matching/classicAxis.js';
import type { ImportFileResult } from '../../matching/libraryTypes.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';

/** One spectrum of a parsed file, ready to insert (classic vector computed, substance name decided). */
export interface ParsedSpectrum {
  spectrum: Spectrum;
  /** SHA-256 (hex) of the file's bytes. */
  sha: string;
  index: number;
  substance: string;
  formula: string | null;
  /** Null when the spectrum has no point on the classic axis (it is then matched by a model only). */
  classic: Float32Array | null;
}

export interface ParsedFile {
  result: ImportFileResult;
  items: ParsedSpectrum[];
}

/**
 * The CPU part of importing one file: parse, hash, check it is Raman, compute the classic vectors. Runs on the
 * main thread or in an import worker (parseWorker.ts); never throws (a failure is the result's `error`).
 */
export function parseImportFile(label: string, name: string, bytes: Uint8Array, nameOverride: string | undefined): ParsedFile {
  const result: ImportFileResult = { file: label, spectra: 0, added: 0, duplicates: 0 };
  const items: ParsedSpectrum[] = [];
  try {
    const read = readSpectra(bytes, name);
    const sha = createHash('sha256').update(bytes).digest('hex');
    result.format = read.format;
    result.spectra = read.spectra.length;
    for (const s of read.spectra) {
      if (s.meta.xKind !== 'raman-shift') {
        throw new SpecmatchError('E_UNSUPPORTED', `${label}: spectrum ${s.meta.position.index} has x in ${s.meta.xKind} (${s.meta.originalXUnit}), not Raman shift: not a Raman reference`, { file: label });
      }
    }
    for (const s of read.spectra) {
      const substance = nameOverride ?? (s.meta.substance?.trim() || basename(name).replace(/\.[^.]+$/, ''));
      items.push({ spectrum: s, sha, index: s.meta.position.index, substance, formula: s.meta.fields['IDEAL CHEMISTRY'] ?? null, classic: classicVectorOrWarn(s, result) });
    }
  } catch (err) {
    // Messages of readers name the file by its base name; for zip members say which archive.
    const e = toSpecmatchError(err, { file: label });
    result.error = { code: e.code, message: e.message.startsWith(label) ? e.message : `${label}: ${e.message}` };
    result.spectra = 0;
    items.length = 0;
  }
  return { result, items };
}

/** The classic vector, or null with a warning in `result` when the spectrum has no point on the classic axis. */
export function classicVectorOrWarn(s: Spectrum, result: ImportFileResult): Float32Array | null {
  try {
    return classicVector(s);
  } catch (err) {
    (result.warnings ??= []).push(`spectrum ${s.meta.position.index}: no classic vector (${(err as Error).message}); the classic methods cannot match it`);
    return null;
  }
}
