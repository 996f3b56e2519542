import { readdirSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { axisGrid, spectrumToInput, type InputAxis } from '../../engine/inputVector.js';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import { readSpectra } from '../../formats/readSpectra.js';
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
  /** Files that could not be read or hold no point on the axis, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
}

export interface LoadSetOptions {
  axis: InputAxis;
  /** Keep only classes with at least this many spectra. @default 2 */
  minPerClass?: number;
  /** Called every 250 files. */
  onProgress?: (done: number, total: number) => void;
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

export async function loadLabelledSet(paths: readonly string[], opts: LoadSetOptions): Promise<LabelledSet> {
  const files = paths.flatMap(filesOf);
  const grid = axisGrid(opts.axis);
  const rows: Array<{ input: Float32Array; mineral: string; sample: string; file: string }> = [];
  const skipped: LabelledSet['skipped'] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    if (opts.onProgress && i % 250 === 0) opts.onProgress(i, files.length);
    try {
      const { spectra } = readSpectra(await readFileBytes(file), file);
      const s = spectra[0];
      if (!s) throw new SpecmatchError('E_EMPTY', `${file}: no spectrum`);
      const input = new Float32Array(opts.axis.points);
      if (!spectrumToInput(s.x, s.y, grid, input)) {
        skipped.push({ file, reason: `no point inside ${opts.axis.from}–${opts.axis.to} cm⁻¹` });
        continue;
      }
      rows.push({ input, mineral: mineralOf(s.meta.substance, file), sample: s.meta.sampleId ?? basename(file), file });
    } catch (err) {
      skipped.push({ file, reason: toSpecmatchError(err, { file }).message });
    }
  }
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.mineral, (count.get(r.mineral) ?? 0) + 1);
  const min = opts.minPerClass ?? 2;
  const kept = rows.filter((r) => (count.get(r.mineral) ?? 0) >= min);
  const classNames = [...new Set(kept.map((r) => r.mineral))].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  return {
    sources: [...paths],
    variant: variantOf(files),
    axis: opts.axis,
    inputs: kept.map((r) => r.input),
    labels: kept.map((r) => index.get(r.mineral)!),
    classNames,
    samples: kept.map((r) => r.sample),
    files: kept.map((r) => r.file),
    skipped,
  };
}

/** Whether a folder looks like it holds spectra (used by CLI checks). */
export function hasTxtFiles(dir: string): boolean {
  return readdirSync(dir).some((f) => f.toLowerCase().endsWith('.txt'));
}
