import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { axisGrid, spectrumToInput, type InputAxis } from '../../engine/inputVector.js';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import { classicVector } from '../../matching/classicAxis.js';
import { readSpectra } from '../../formats/readSpectra.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { listRruffArchive, listTxtFiles } from '../data/rruffArchive.js';
import { readFileBytes } from '../io/readSpectrumFile.js';

/**
 * Labelled spectra for training and evaluation, already on the model's input axis. Sources are RRUFF .tar.xz
 * archives (unpacked once into the cache, never into the repository), folders of RRUFF .txt files, or single
 * files. The class of a spectrum is its mineral name (RRUFF ##NAMES), its sample the RRUFF id (##RRUFFID).
 */
export interface LabelledSet {
  /** Where it came from (archive or folder paths, for manifests and reports). */
  sources: string[];
  /** 'RAW', 'Processed' or 'mixed', guessed from the RRUFF file names. */
  variant: string;
  axis: InputAxis;
  /** Network inputs (min–max scaled, on the axis). */
  inputs: Float32Array[];
  /** Class index per spectrum into `classNames`. */
  labels: number[];
  classNames: string[];
  samples: string[];
  files: string[];
  /** With `LoadSetOptions.classic`: each spectrum on the library's classic axis and chain (matching/classicAxis.ts). */
  classic?: Float32Array[];
  /** Files that could not be read or hold no point on the axis, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
}

export interface LoadSetOptions {
  axis: InputAxis;
  /** Keep only classes with at least this many spectra. @default 2 */
  minPerClass?: number;
  /** Called every 1000 files. */
  onProgress?: (done: number, total: number) => void;
  /** Also keep each spectrum's classic vector (for calibrating the fused score). @default false */
  classic?: boolean;
}

/** Expand one --data PATH into spectrum files. */
export function filesOf(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new SpecmatchError('E_READ', `${path}: cannot read: no such file or folder`, { file: path });
  }
  if (st.isDirectory()) return listTxtFiles(path);
  if (path.endsWith('.tar.xz')) {
    try {
      return listRruffArchive(path);
    } catch (err) {
      throw toSpecmatchError(err, { code: 'E_CORRUPT', file: path });
    }
  }
  return [path];
}

function variantOf(files: readonly string[]): string {
  const raw = files.some((f) => /Raman_Data_RAW/i.test(f));
  const processed = files.some((f) => /Raman_Data_Processed/i.test(f));
  return raw && !processed ? 'RAW' : processed && !raw ? 'Processed' : 'mixed';
}

/** Mineral name of a RRUFF spectrum: ##NAMES, else the file name's first `__` field. */
function mineralOf(substance: string | undefined, file: string): string {
  const s = substance?.trim();
  if (s) return s;
  return basename(file).split('__')[0] ?? basename(file);
}

export interface ReadSpectra {
  sources: string[];
  variant: string;
  spectra: Spectrum[];
  minerals: string[];
  samples: string[];
  files: string[];
  skipped: Array<{ file: string; reason: string }>;
}

/** Read every spectrum file of the given paths (first spectrum of each file), keeping its mineral and sample. */
export async function readLabelledSpectra(paths: readonly string[], onProgress?: (done: number, total: number) => void): Promise<ReadSpectra> {
  const files = paths.flatMap(filesOf);
  const out: ReadSpectra = { sources: [...paths], variant: variantOf(files), spectra: [], minerals: [], samples: [], files: [], skipped: [] };
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    if (onProgress && i % 1000 === 0) onProgress(i, files.length);
    try {
      const { spectra } = readSpectra(await readFileBytes(file), file);
      const s = spectra[0];
      if (!s || s.x.length < 2) throw new SpecmatchError('E_EMPTY', `${file}: no spectrum`);
      out.spectra.push(s);
      out.minerals.push(mineralOf(s.meta.substance, file));
      out.samples.push(s.meta.sampleId ?? basename(file));
      out.files.push(file);
    } catch (err) {
      out.skipped.push({ file, reason: toSpecmatchError(err, { file }).message });
    }
  }
  return out;
}

/** Names of the minerals with at least `min` spectra. */
export function mineralsWithAtLeast(minerals: readonly string[], min: number): Set<string> {
  const count = new Map<string, number>();
  for (const m of minerals) count.set(m, (count.get(m) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n >= min).map(([m]) => m));
}

export async function loadLabelledSet(paths: readonly string[], opts: LoadSetOptions): Promise<LabelledSet> {
  return labelledSetOf(await readLabelledSpectra(paths, opts.onProgress), opts);
}

/**
 * Labelled spectra already in memory (read from files by `readLabelledSpectra`, or a library's references by
 * `librarySpectra` in node/api/trainOnLibrary.ts) on the model's input axis, keeping classes with enough spectra.
 */
export function labelledSetOf(read: ReadSpectra, opts: LoadSetOptions): LabelledSet {
  const grid = axisGrid(opts.axis);
  const rows: Array<{ input: Float32Array; mineral: string; sample: string; file: string; classic?: Float32Array }> = [];
  const skipped = [...read.skipped];
  read.spectra.forEach((s, i) => {
    const input = new Float32Array(opts.axis.points);
    if (!spectrumToInput(s.x, s.y, grid, input)) skipped.push({ file: read.files[i]!, reason: `no point inside ${opts.axis.from}–${opts.axis.to} cm⁻¹, or flat there` });
    else rows.push({ input, mineral: read.minerals[i]!, sample: read.samples[i]!, file: read.files[i]!, ...(opts.classic ? { classic: classicVector(s.x, s.y) } : {}) });
  });
  const keep = mineralsWithAtLeast(
    rows.map((r) => r.mineral),
    opts.minPerClass ?? 2,
  );
  const kept = rows.filter((r) => keep.has(r.mineral));
  const classNames = [...new Set(kept.map((r) => r.mineral))].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  return {
    sources: [...read.sources],
    variant: read.variant,
    axis: opts.axis,
    inputs: kept.map((r) => r.input),
    labels: kept.map((r) => index.get(r.mineral)!),
    classNames,
    samples: kept.map((r) => r.sample),
    files: kept.map((r) => r.file),
    ...(opts.classic ? { classic: kept.map((r) => r.classic!) } : {}),
    skipped,
  };
}

