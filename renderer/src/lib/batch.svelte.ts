import type { ErrorInfo } from '../../../src-core/errors.js';
import type { MatchResult, Verdict } from '../../../src-core/matching/types.js';
import type { Spectrum } from '../../../src-core/spectrum/Spectrum.js';
import { api, ApiError, unwrap } from '../api/index.js';
import type { QueryFile } from './session.svelte.js';
import { session } from './session.svelte.js';

/** One spectrum of a batch: its file, which spectrum of it, and its match (or why it has none). */
export interface BatchRow {
  /** Position in the batch (file order, then spectrum order): the default sort. */
  key: number;
  fileIndex: number;
  /** The file's name as chosen (a folder's files: the path inside the folder). */
  file: string;
  /** Which spectrum of the file (0-based) and how many it holds. */
  index: number;
  count: number;
  /** The spectrum's label in the file (a map position, a column name), if any. */
  label: string;
  result: MatchResult | null;
  error: ErrorInfo | null;
}

/** A file of the batch as read (spectra), or why it could not be read. */
export interface BatchFile {
  name: string;
  bytes: Uint8Array;
  spectra: Spectrum[] | null;
  error: ErrorInfo | null;
}

export type BatchFilter = 'all' | Verdict | 'error';

function toError(err: unknown): ErrorInfo {
  if (err instanceof ApiError) return { code: err.code, message: err.message } as ErrorInfo;
  return { code: 'E_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/**
 * A batch: every spectrum of a folder of files (Match folder…) or of the open multi-spectrum file (Match all),
 * each matched with the Identify view's request (session.matchRequest: its method, top K and pipeline, through
 * match:run), so every row ranks exactly as the same spectrum opened alone. Files are read first (the same readers
 * and instrument calibration as Open), then matched one spectrum at a time with progress; Cancel stops between two
 * spectra. The batch report (report:render with `files`) is made from the rows the table shows.
 */
class Batch {
  source: 'folder' | 'file' | null = $state(null);
  /** Folder batches: the folder's name; Match all: the file's name. */
  title = $state('');
  /** Match all: the open file the rows belong to (the panel hides them once another file is opened). */
  of: QueryFile | null = $state.raw(null);
  files: BatchFile[] = $state.raw([]);
  rows: BatchRow[] = $state.raw([]);
  phase: 'reading' | 'matching' | 'done' | 'cancelled' = $state('done');
  done = $state(0);
  total = $state(0);
  private run = 0;

  get running(): boolean {
    return this.phase === 'reading' || this.phase === 'matching';
  }

  /** Files that could not be read, with the reason. */
  get unreadable(): Array<{ file: string; reason: string }> {
    return this.files.filter((f) => f.error).map((f) => ({ file: f.name, reason: f.error!.message }));
  }

  clear(): void {
    this.run++;
    this.source = null;
    this.of = null;
    this.files = [];
    this.rows = [];
    this.phase = 'done';
    this.done = 0;
    this.total = 0;
  }

  cancel(): void {
    if (!this.running) return;
    this.run++;
    this.phase = 'cancelled';
    this.rows = this.rows.map((r) => (r.result || r.error ? r : { ...r, error: { code: 'E_CANCELLED', message: 'not matched: the batch was cancelled' } }));
  }

  /** Match every spectrum of the files of a folder (the page's folder chooser; in Electron a native folder dialog). */
  async matchFolder(picked: ReadonlyArray<{ name: string; bytes: Uint8Array }>, folder: string): Promise<void> {
    const run = ++this.run;
    this.source = 'folder';
    this.of = null;
    this.title = folder;
    // Hidden files and folders (.DS_Store, .git/…) are not spectra anyone chose.
    const chosen = [...picked].filter((f) => !f.name.split('/').some((part) => part.startsWith('.'))).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    this.files = chosen.map((f) => ({ name: f.name, bytes: f.bytes, spectra: null, error: null }));
    this.rows = [];
    this.phase = 'reading';
    this.done = 0;
    this.total = chosen.length;
    const files = [...this.files];
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      try {
        const read = await unwrap(api.spectrumRead({ name: f.name, bytes: f.bytes }));
        files[i] = { ...f, spectra: read.spectra };
      } catch (err) {
        const e = toError(err);
        files[i] = { ...f, error: { ...e, message: e.message.includes(f.name) ? e.message : `${f.name}: ${e.message}` } };
      }
      if (run !== this.run) return;
      this.done = i + 1;
      this.files = [...files];
    }
    await this.matchRows(run);
  }

  /** Match every spectrum of the open file (Match all). */
  async matchFile(): Promise<void> {
    const file = session.file;
    if (!file) return;
    const run = ++this.run;
    this.source = 'file';
    this.of = file;
    this.title = file.name;
    this.files = [{ name: file.name, bytes: file.bytes, spectra: file.spectra, error: null }];
    await this.matchRows(run);
  }

  private async matchRows(run: number): Promise<void> {
    const rows: BatchRow[] = [];
    this.files.forEach((f, fileIndex) => {
      f.spectra?.forEach((s, index) => {
        rows.push({ key: rows.length, fileIndex, file: f.name, index, count: f.spectra!.length, label: s.meta.position.label ?? '', result: null, error: null });
      });
    });
    this.rows = rows;
    this.phase = 'matching';
    this.done = 0;
    this.total = rows.length;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const spectrum = this.files[row.fileIndex]!.spectra![row.index]!;
      // New row objects: the rows are raw state, so a changed row must be a new value for the table to redraw it.
      try {
        const result = await unwrap(api.matchRun(session.matchRequest(spectrum)));
        if (run !== this.run) return;
        rows[i] = { ...row, result };
      } catch (err) {
        if (run !== this.run) return;
        rows[i] = { ...row, error: toError(err) };
      }
      this.done = i + 1;
      this.rows = [...rows];
    }
    this.phase = 'done';
  }

  /** Show a row's spectrum and its ranked matches in the Identify layout (a folder's file is opened first). */
  async openRow(row: BatchRow): Promise<void> {
    if (this.source === 'file') {
      await session.select(row.index);
      return;
    }
    const f = this.files[row.fileIndex];
    if (!f) return;
    if (session.file?.name !== f.name || session.file.bytes !== f.bytes) await session.openFile(f.name, f.bytes);
    if (row.index !== session.selected) await session.select(row.index);
  }

  /**
   * What a batch report of these rows holds: each of their files with the rows' spectra, in batch order; with
   * `unreadable`, the files that could not be read too (the report lists them with their reason).
   */
  reportFiles(rows: readonly BatchRow[], unreadable: boolean): Array<{ name: string; bytes: Uint8Array; spectra?: number[] }> {
    // A plain record, not reactive state: built and read within this call.
    const byFile: Record<number, number[]> = {};
    for (const r of [...rows].sort((a, b) => a.key - b.key)) (byFile[r.fileIndex] ??= []).push(r.index);
    const out: Array<{ name: string; bytes: Uint8Array; spectra?: number[] }> = [];
    this.files.forEach((f, i) => {
      const spectra = byFile[i];
      if (spectra) out.push({ name: f.name, bytes: f.bytes, spectra });
      else if (unreadable && f.error) out.push({ name: f.name, bytes: f.bytes });
    });
    return out;
  }
}

export const batch = new Batch();
