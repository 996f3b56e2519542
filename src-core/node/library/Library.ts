import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants as fsConstants, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { zipSync } from 'fflate';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { RECOVERY_HINT, SpecmatchError, toSpecmatchError } from '../../errors.js';
import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, classicVector } from '../../matching/classicAxis.js';
import { parseElements } from '../../matching/elements.js';
import type {
  EmbeddingStatus,
  ImportFileResult,
  ImportReport,
  LibraryInfo,
  LibraryModelKey,
  MergeFromReport,
  SpectrumInfo,
  SubstanceDetail,
  SubstancePage,
  SubstancePatch,
  SubstanceQuery,
  SubstanceSummary,
  UndoToken,
} from '../../matching/libraryTypes.js';
import type { Spectrum, SpectrumMeta } from '../../spectrum/Spectrum.js';
import { blobFloat64, blobFloats, floatBlob } from './blobs.js';
import { expandImportPaths, readLeaves } from './importSources.js';
import type { ImportLeaf } from './importSources.js';
import { jcampDx } from './jcampDx.js';
import { networkFilesystemOf } from './networkShare.js';
import { classicVectorOrWarn, parseImportFile } from './parseImportFile.js';
import type { ParsedFile } from './parseImportFile.js';
import { ParsePool } from './parsePool.js';
import { decodePack } from './pack.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, createSchema } from './schema.js';
import { applyCalibration } from '../../calibration/profile.js';
import type { Calibration, Instrument, InstrumentChoice } from '../../calibration/profile.js';
import type { CalibrationFit } from '../../calibration/calibrate.js';
import * as instruments from './instruments.js';
import type { NewInstrument } from './instruments.js';

export type {
  EmbeddingStatus,
  ImportReport,
  LibraryInfo,
  MergeFromReport,
  SpectrumInfo,
  SubstanceDetail,
  SubstancePage,
  SubstancePatch,
  SubstanceQuery,
  SubstanceSummary,
  UndoToken,
} from '../../matching/libraryTypes.js';

export interface LibraryOpenOptions {
  /** Create the file when it does not exist. @default false */
  create?: boolean;
  /** User name written to the audit log. @default the OS user name */
  user?: string;
  /** Library name stored in a new file. @default the file's base name */
  name?: string;
  /** Open read-only (no migration, no writes). @default false */
  readonly?: boolean;
  /** How long SQLite waits for another writer before the retries with backoff start. @default 5000 */
  busyTimeoutMs?: number;
}

export interface ImportOptions {
  /** Substance name for every imported spectrum (else each file's own, e.g. RRUFF ##NAMES=). */
  name?: string;
  onProgress?(done: number, total: number, file: string): void;
  /** Called after each committed batch with the running totals (what a crash would keep). */
  onBatchCommitted?(files: number, added: number): void;
  signal?: AbortSignal;
  /** Embed every new spectrum with this model (stored under model.key). */
  model?: EmbeddingModel | null;
  /** Files per transaction. @default 200 */
  batchFiles?: number;
  /**
   * Instrument calibration for the imported spectra: undefined = the instrument that recognises each file, 'none'
   * = none, else an instrument's name. Raw x/y are stored; vectors are computed on the calibrated spectrum.
   */
  instrument?: InstrumentChoice;
}

export interface AddSpectrumOptions {
  /** Name of the substance: an existing one (exact name) gets the spectrum, else a new substance is created. */
  substance: string;
  formula?: string;
  cas?: string;
  tags?: string[];
  notes?: string;
  /** Identity of the source: SHA-256 of the file's bytes and the spectrum's index; default: hash of x and y. */
  fileSha256?: string;
  fileIndex?: number;
  model?: EmbeddingModel | null;
}

interface SubstanceRow {
  id: number;
  name: string;
  aliases: string;
  formula: string | null;
  cas: string | null;
  tags: string;
  notes: string;
  elements: string;
  created_at: string;
  updated_at: string;
  removed_at: string | null;
}

interface SpectrumRow {
  id: number;
  substance_id: number;
  file_sha256: string;
  file_index: number;
  source_file: string;
  format: string;
  laser_nm: number | null;
  instrument: string | null;
  sample_id: string | null;
  points: number;
  x_min: number;
  x_max: number;
  added_at: string;
}

/** A spectrum ready to insert: what the import computed outside the transaction. */
interface PendingSpectrum {
  spectrum: Spectrum;
  sha: string;
  index: number;
  substance: string;
  formula: string | null;
  classic: Float32Array | null;
  embedding?: Float32Array;
  result: ImportFileResult;
  /** Calibration the vectors were computed through (spectrum stays raw). */
  calibrationId?: number;
}

/** The key stored vectors are filed under: a model id ('classic' for the classic methods) and a pipeline hash. */
export interface VectorKey {
  modelId: string;
  pipelineHash: string;
}

export interface FillVectorsOptions {
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
  /** Spectra per committed batch. @default 64 */
  batchSize?: number;
}

export interface FillVectorsReport {
  computed: number;
  failed: number;
  cancelled: boolean;
  errors: Array<{ spectrumId: number; message: string }>;
}

/** Vectors of one key as loaded for search (see matchLibrary.ts). */
export interface ReferenceVectors {
  modelId: string;
  pipelineHash: string;
  dim: number;
  count: number;
  /** count × dim, row-major. */
  data: Float32Array;
  spectrumIds: Int32Array;
  /** Dense substance index per row. */
  refSubstance: Int32Array;
  substanceIds: number[];
  substanceNames: string[];
  sampleIds: Array<string | null>;
}

const SUBSTANCE_COLUMNS = 'id, name, aliases, formula, cas, tags, notes, elements, created_at, updated_at, removed_at';
const SPECTRUM_INFO_COLUMNS = 'id, substance_id, file_sha256, file_index, source_file, format, laser_nm, instrument, sample_id, points, x_min, x_max, added_at';
/** Soft-deleted substances older than this are purged when a library is opened. */
const PURGE_AFTER_MS = 24 * 3600 * 1000;

function now(): string {
  return new Date().toISOString();
}

function jsonArray(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

function cleanList(list: readonly string[] | undefined, what: string): string[] {
  if (list === undefined) return [];
  const items: unknown[] = Array.isArray(list) ? (list as unknown[]) : [];
  if (!Array.isArray(list) || items.some((s) => typeof s !== 'string')) throw new SpecmatchError('E_PARAM', `${what} must be a list of strings`);
  return [...new Set((items as string[]).map((s) => s.trim()).filter((s) => s !== ''))];
}

function cleanName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new SpecmatchError('E_PARAM', 'a substance name must not be empty');
  return name.trim();
}

function elementText(formula: string | null): string {
  const el = parseElements(formula);
  return el.length ? ` ${el.join(' ')} ` : '';
}

function userName(given: string | undefined): string {
  if (given) return given;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  }
}

/** What the first 100 bytes of a file say (https://www.sqlite.org/fileformat.html#the_database_header). */
interface FileHeader {
  kind: 'empty' | 'sqlite' | 'other';
  applicationId: number;
  userVersion: number;
  /** File format version numbers at offsets 18/19: 2 means WAL. */
  wal: boolean;
}

function readHeader(path: string): FileHeader {
  const st = statSync(path);
  if (!st.isFile()) return { kind: 'other', applicationId: 0, userVersion: 0, wal: false };
  if (st.size === 0) return { kind: 'empty', applicationId: 0, userVersion: 0, wal: false };
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(100);
    const n = readSync(fd, head, 0, 100, 0);
    if (n < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\0') return { kind: 'other', applicationId: 0, userVersion: 0, wal: false };
    return { kind: 'sqlite', applicationId: head.readUInt32BE(68), userVersion: head.readUInt32BE(60), wal: head[18] === 2 || head[19] === 2 };
  } finally {
    closeSync(fd);
  }
}

/** Whether this process may write the file (or create it) and the journal files beside it. */
function canWrite(path: string, exists: boolean): boolean {
  try {
    if (exists) accessSync(path, fsConstants.W_OK);
    accessSync(dirname(path), fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** SQLite's "database is locked" family: another connection holds the write lock. */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Sleeps without yielding (the library's API is synchronous, like better-sqlite3's own busy handler). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * An SQLite file whose header does not carry our application id: empty (a fresh database, or a new library whose
 * first commits are still in its -wal file, so the header on disk is stale) or another application's? Asked
 * through a read-only connection, which never writes the file.
 */
function isEmptyOrLibrary(path: string): boolean {
  let probe: Database.Database | undefined;
  try {
    probe = new Database(path, { readonly: true, fileMustExist: true });
    const appId = probe.pragma('application_id', { simple: true }) as number;
    if (appId === APPLICATION_ID) return true;
    const tables = (probe.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
    return appId === 0 && tables === 0 && (probe.pragma('user_version', { simple: true }) as number) === 0;
  } catch {
    return false;
  } finally {
    probe?.close();
  }
}

/**
 * A read-only connection. A WAL-mode file in a folder this process cannot write cannot be opened in place (SQLite
 * needs its -shm file): then the file is read into memory as a snapshot, with a warning.
 */
function openReadonly(path: string, wal: boolean, warnings: string[]): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (err) {
    db.close();
    if (!wal || (err as { code?: string }).code !== 'SQLITE_CANTOPEN') throw err;
  }
  const bytes = readFileSync(path);
  bytes[18] = 1; // an in-memory copy is not in WAL mode
  bytes[19] = 1;
  warnings.push(
    `${path} is in a read-only folder: a snapshot of the file was read into memory${existsSync(`${path}-wal`) ? ' (changes still in its -wal file are not included: open it once where it can be written)' : ''}`,
  );
  return new Database(bytes, { readonly: true });
}

/** Busy waits of the writer discipline: SQLite's busy handler first, then this many retries with backoff. */
export const WRITE_RETRIES = 4;
const BUSY_TIMEOUT_MS = 5000;

/**
 * Embeds a batch; when the batch fails (one spectrum outside the model's axis, say), embeds the spectra one by
 * one so only the failing ones are left without an embedding. A model that fails on every spectrum of a batch
 * larger than one is unusable: E_MODEL.
 */
export async function embedEach(model: EmbeddingModel, spectra: readonly Spectrum[]): Promise<Array<Float32Array | SpecmatchError>> {
  try {
    const v = await model.embed(spectra);
    if (v.length === spectra.length) return v;
  } catch {
    // fall through to one at a time
  }
  const out: Array<Float32Array | SpecmatchError> = [];
  for (const s of spectra) {
    try {
      const [v] = await model.embed([s]);
      out.push(v ?? new SpecmatchError('E_MODEL', `model ${model.manifest.id} returned no embedding`));
    } catch (err) {
      out.push(toSpecmatchError(err, { code: 'E_MODEL' }));
    }
  }
  if (spectra.length > 1 && out.every((v) => v instanceof SpecmatchError)) {
    const first = out[0] as SpecmatchError;
    throw new SpecmatchError('E_MODEL', `model ${model.manifest.id} cannot embed: ${first.message}`, { cause: first });
  }
  return out;
}

/**
 * A reference library: one SQLite file (better-sqlite3) holding substances, their raw reference spectra, vectors
 * for matching (embeddings of the Siamese model and the classic methods' resampled spectra) and an audit log.
 *
 * Safety: WAL journal (rollback journal on a network share, with a warning), foreign keys on, every multi-row change
 * in one transaction, imports committed in batches, so a killed process leaves a valid file holding every batch
 * committed before the kill; identities (SHA-256 of the file's bytes + index in the file) make re-imports skip what
 * is already there.
 */
export class Library {
  readonly path: string;
  readonly warnings: string[] = [];
  /** Opened read-only (asked for, or the file or its folder cannot be written): every change is refused. */
  readonly readOnly: boolean;
  private readonly db: Database.Database;
  private readonly user: string;
  /** Bumped on every local change; with PRAGMA data_version it invalidates cached search vectors. */
  private generation = 0;
  private classicCompleteAt = '';
  private readonly vectorCache = new Map<string, { stamp: string; vectors: ReferenceVectors }>();
  private closed = false;

  private constructor(path: string, db: Database.Database, user: string, readOnly: boolean) {
    this.path = path;
    this.db = db;
    this.user = user;
    this.readOnly = readOnly;
  }

  static open(path: string, opts: LibraryOpenOptions = {}): Library {
    const exists = existsSync(path);
    if (!exists && !opts.create) throw new SpecmatchError('E_LIBRARY', `${path}: no such library (create it with an import)`, { file: path });
    // Nothing is written to a file before its header shows it is a library (or an empty file to become one).
    let header: FileHeader | undefined;
    if (exists) {
      try {
        header = readHeader(path);
      } catch (err) {
        throw new SpecmatchError('E_LIBRARY', `${path}: cannot open library: ${(err as Error).message}`, { file: path, cause: err });
      }
      if (header.kind === 'other') throw new SpecmatchError('E_LIBRARY', `${path}: not a Specmatch library (not an SQLite file)`, { file: path });
      if (header.kind === 'sqlite' && header.applicationId !== APPLICATION_ID && (header.applicationId !== 0 || !isEmptyOrLibrary(path))) {
        throw new SpecmatchError('E_LIBRARY', `${path}: not a Specmatch library (SQLite file of another application); it was not modified`, { file: path });
      }
    }
    const warnings: string[] = [];
    let readonly = opts.readonly === true;
    if (!readonly && exists && !canWrite(path, true)) {
      readonly = true;
      warnings.push(`${path} cannot be written (read-only file or folder): the library is open read-only, so matching and browsing work and changes are refused`);
    }
    if (readonly && (!exists || header?.kind === 'empty')) throw new SpecmatchError('E_LIBRARY', `${path}: the library is empty and opened read-only`, { file: path });
    let db: Database.Database;
    try {
      db = readonly ? openReadonly(path, header?.wal === true, warnings) : new Database(path, { fileMustExist: !opts.create });
    } catch (err) {
      throw new SpecmatchError('E_LIBRARY', `${path}: cannot open library: ${(err as Error).message}`, { file: path, cause: err });
    }
    const lib = new Library(path, db, userName(opts.user), readonly);
    lib.warnings.push(...warnings);
    try {
      lib.init(opts);
    } catch (err) {
      db.close();
      throw lib.translate(err, 'cannot open library');
    }
    return lib;
  }

  private init(opts: LibraryOpenOptions): void {
    const db = this.db;
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`);
    if (!this.readOnly) {
      const share = networkFilesystemOf(this.path);
      const mode = share ? 'DELETE' : 'WAL';
      if (share) this.warnings.push(`${this.path} is on a network file system (${share}): SQLite's WAL mode is unsafe there, so the library uses a rollback journal; do not open it from two computers at once`);
      if (String(db.pragma('journal_mode', { simple: true })).toUpperCase() !== mode) this.retryBusy(() => db.pragma(`journal_mode = ${mode}`));
      // NORMAL is safe in WAL mode: a crash cannot corrupt the file, a power cut may lose the last commits.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    const isEmpty = (): boolean =>
      (db.pragma('user_version', { simple: true }) as number) === 0 &&
      (db.pragma('application_id', { simple: true }) as number) === 0 &&
      (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n === 0;
    if (isEmpty()) {
      if (this.readOnly) throw new SpecmatchError('E_LIBRARY', `${this.path}: the library is empty and opened read-only`, { file: this.path });
      this.write(() => {
        if (!isEmpty()) return; // another process created it while this one waited for the lock
        createSchema(db);
        const ins = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
        ins.run('name', opts.name ?? basename(this.path).replace(/\.[^.]+$/, ''));
        ins.run('created', now());
        this.audit('create', { schemaVersion: SCHEMA_VERSION });
      });
      return;
    }
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (appId !== APPLICATION_ID) throw new SpecmatchError('E_LIBRARY', `${this.path}: not a Specmatch library (SQLite file of another application)`, { file: this.path });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new SpecmatchError('E_LIBRARY', `${this.path}: library schema version ${version} is newer than this Specmatch understands (${SCHEMA_VERSION}); update Specmatch`, { file: this.path });
    }
    if (version < SCHEMA_VERSION) {
      if (this.readOnly) throw new SpecmatchError('E_LIBRARY', `${this.path}: library schema version ${version} needs migrating to ${SCHEMA_VERSION}; open it writable once`, { file: this.path });
      this.write(() => {
        const current = db.pragma('user_version', { simple: true }) as number; // another process may have migrated it
        for (let v = current; v < SCHEMA_VERSION; v++) {
          const step = MIGRATIONS[v];
          if (!step) throw new SpecmatchError('E_LIBRARY', `${this.path}: no migration from schema version ${v}`, { file: this.path });
          step(db);
          db.pragma(`user_version = ${v + 1}`);
        }
        if (current < SCHEMA_VERSION) this.audit('migrate', { from: current, to: SCHEMA_VERSION });
      });
    }
    if (!this.readOnly) {
      try {
        this.purgeRemoved(PURGE_AFTER_MS);
      } catch (err) {
        // Housekeeping only: another writer holding the lock is no reason to refuse opening.
        if (!(err instanceof SpecmatchError && err.code === 'E_LIBRARY_BUSY')) throw err;
      }
    }
  }

  /**
   * The one way this class writes: an IMMEDIATE transaction (the write lock is taken at BEGIN, where SQLite's busy
   * timeout applies; a deferred BEGIN that upgrades later fails at once with "database is locked"), retried with
   * backoff when another process still holds the lock, then E_LIBRARY_BUSY. `fn` must not change outside state
   * before it returns (it may run more than once).
   */
  private write<T>(fn: () => T): T {
    if (this.readOnly) throw new SpecmatchError('E_LIBRARY', `${this.path}: the library is open read-only; changes cannot be saved`, { file: this.path });
    const tx = this.db.transaction(fn);
    return this.retryBusy(() => (this.db.inTransaction ? tx() : tx.immediate()));
  }

  private retryBusy<T>(fn: () => T): T {
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (err) {
        if (!isBusy(err)) throw this.translate(err, 'cannot write');
        if (attempt >= WRITE_RETRIES || this.db.inTransaction) throw this.translate(err, 'cannot write');
        sleepSync(100 * 2 ** attempt * (0.5 + Math.random()));
      }
    }
  }

  /** SQLite's errors in the user's terms: busy, read-only, full disk, damaged file. Others pass through. */
  private translate(err: unknown, what: string): SpecmatchError {
    if (err instanceof SpecmatchError) return err;
    const raw = (err as { code?: unknown } | null)?.code;
    const code = typeof raw === 'string' ? raw : '';
    const msg = (err as Error | null)?.message ?? String(err);
    const opts = { file: this.path, cause: err };
    if (isBusy(err)) return new SpecmatchError('E_LIBRARY_BUSY', `${this.path}: another Specmatch is writing to this library; try again when it has finished (${msg})`, opts);
    if (code.startsWith('SQLITE_READONLY')) return new SpecmatchError('E_LIBRARY', `${this.path}: the library cannot be written (read-only file, folder or disk): ${msg}`, opts);
    if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || /disk is full|ENOSPC/i.test(msg))
      return new SpecmatchError('E_LIBRARY_FULL', `${this.path}: the disk is full: the last change was not saved (everything saved before it is kept); free some space and try again`, opts);
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
      return new SpecmatchError('E_LIBRARY', `${this.path}: the library file is damaged (${msg}); ${RECOVERY_HINT}`, opts);
    return new SpecmatchError('E_LIBRARY', `${this.path}: ${what}: ${msg}`, opts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.vectorCache.clear();
    this.db.close();
  }

  /** The database handle, for the store's own modules (matching, tests). Not part of the app's API. */
  get database(): Database.Database {
    return this.db;
  }

  /** Appends to the audit log (inside the caller's write); returns the entry's id. */
  private audit(action: string, detail: unknown): number {
    return Number(this.db.prepare('INSERT INTO audit (at, user, action, detail) VALUES (?, ?, ?, ?)').run(now(), this.user, action, JSON.stringify(detail)).lastInsertRowid);
  }

  private changed(): void {
    this.generation++;
  }

  info(): LibraryInfo {
    const db = this.db;
    const name = (db.prepare("SELECT value FROM meta WHERE key = 'name'").get() as { value: string } | undefined)?.value ?? basename(this.path);
    const substances = (db.prepare('SELECT count(*) AS n FROM substances WHERE removed_at IS NULL').get() as { n: number }).n;
    const spectra = (db.prepare('SELECT count(*) AS n FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL').get() as { n: number }).n;
    const keys = db
      .prepare('SELECT model_id AS modelId, pipeline_hash AS pipelineHash, count(*) AS spectra FROM embeddings GROUP BY model_id, pipeline_hash ORDER BY model_id, pipeline_hash')
      .all() as Array<Omit<LibraryModelKey, 'key'>>;
    return {
      path: this.path,
      name,
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
      substances,
      spectra,
      modelKeys: keys.map((k) => ({ key: `${k.modelId}:${k.pipelineHash}`, ...k })),
      journalMode: String(db.pragma('journal_mode', { simple: true })),
      warnings: [...this.warnings],
    };
  }

  /**
   * Checks the whole file (PRAGMA integrity_check, which reads every page, unlike quick_check, and
   * foreign_key_check). Returns the problems found (empty: sound) with what to do about them.
   */
  check(): { ok: boolean; problems: string[]; hint: string | null } {
    let problems: string[];
    try {
      problems = (this.db.pragma('integrity_check(100)') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).filter((p) => p !== 'ok');
      const fk = this.db.pragma('foreign_key_check') as Array<{ table: string; rowid: number }>;
      problems.push(...fk.map((r) => `row ${r.rowid} of ${r.table} points to a missing row`));
    } catch (err) {
      problems = [(err as Error).message];
    }
    return { ok: problems.length === 0, problems, hint: problems.length === 0 ? null : RECOVERY_HINT };
  }

  /** The last audit entries, newest first. */
  auditLog(limit = 100): Array<{ at: string; user: string; action: string; detail: unknown }> {
    const rows = this.db.prepare('SELECT at, user, action, detail FROM audit ORDER BY id DESC LIMIT ?').all(limit) as Array<{ at: string; user: string; action: string; detail: string }>;
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }));
  }

  // ----- import ---------------------------------------------------------------------------------------------

  /**
   * Imports files, folders and .zip archives. Every file is read and parsed outside the transaction; each batch of
   * files is then inserted in one transaction. A file that cannot be read is listed in `errors` and the batch goes
   * on. Spectra already present (same file bytes and index) are counted as duplicates and skipped.
   */
  async importPaths(paths: readonly string[], opts: ImportOptions = {}): Promise<ImportReport> {
    const started = performance.now();
    const nameOverride = opts.name === undefined ? undefined : cleanName(opts.name);
    if (opts.instrument !== undefined && opts.instrument !== 'none' && !this.latestCalibration(opts.instrument)) {
      throw new SpecmatchError('E_CALIBRATION', `${this.path}: instrument '${opts.instrument}' has no calibration yet`, { file: this.path });
    }
    const { leaves, errors: listErrors } = await expandImportPaths(paths, opts.signal ? { signal: opts.signal } : {});
    const report: ImportReport = { files: 0, spectra: 0, added: 0, duplicates: 0, substancesCreated: 0, errors: [...listErrors], results: [], cancelled: opts.signal?.aborted === true, embedded: 0, elapsedMs: 0 };
    for (const e of listErrors) report.results.push({ file: e.file, spectra: 0, added: 0, duplicates: 0, error: { code: e.code, message: e.message } });
    const batchFiles = Math.max(1, opts.batchFiles ?? 200);
    const total = leaves.length;
    const zipCache = new Map<string, Uint8Array>();
    const pool = ParsePool.create(leaves.length);
    // Reads and parses a batch (in the worker pool when there is one, else here).
    const prepare = async (batch: ImportLeaf[]): Promise<ParsedFile[]> => {
      const contents = await readLeaves(batch, zipCache);
      return Promise.all(
        batch.map((leaf, i) => {
          const content = contents[i]!;
          if (content instanceof SpecmatchError) return Promise.resolve<ParsedFile>({ result: { file: leaf.label, spectra: 0, added: 0, duplicates: 0, error: content.toInfo() }, items: [] });
          return pool ? pool.parse(leaf.label, leaf.name, content, nameOverride) : Promise.resolve(parseImportFile(leaf.label, leaf.name, content, nameOverride));
        }),
      );
    };
    let done = 0;
    try {
      // The next batch is read and parsed while this one is embedded and inserted.
      let next: Promise<ParsedFile[]> | undefined = leaves.length > 0 ? prepare(leaves.slice(0, batchFiles)) : undefined;
      for (let start = 0; start < leaves.length; start += batchFiles) {
        const parsed = await next!;
        if (opts.signal?.aborted) {
          report.cancelled = true;
          break;
        }
        next = start + batchFiles < leaves.length ? prepare(leaves.slice(start + batchFiles, start + 2 * batchFiles)) : undefined;
        next?.catch(() => undefined); // awaited next round; never an unhandled rejection if this round throws
        const pending: PendingSpectrum[] = [];
        for (const { result, items } of parsed) {
          for (const it of items) pending.push(this.calibratePending({ ...it, result }, opts.instrument));
          report.results.push(result);
          report.files++;
          if (result.error) report.errors.push({ file: result.file, code: result.error.code, message: result.error.message });
          done++;
          opts.onProgress?.(done, total, result.file);
        }
        if (opts.model && pending.length > 0) {
          if (start === 0) this.adoptLegacyVectors(opts.model);
          const vectors = await embedEach(opts.model, pending.map((p) => this.derivedOf(p)));
          pending.forEach((p, i) => {
            const v = vectors[i]!;
            if (v instanceof Float32Array) p.embedding = v;
            else (p.result.warnings ??= []).push(`spectrum ${p.index}: not embedded with ${opts.model!.manifest.id} (${v.message}); it is matched by the classic methods only`);
          });
        }
        const created = this.insertPending(pending, opts.model ? opts.model.manifest : null);
        report.substancesCreated += created;
        for (const p of pending) {
          report.spectra++;
          if (p.embedding && p.result.added > 0) report.embedded++;
        }
        report.added = report.results.reduce((n, r) => n + r.added, 0);
        report.duplicates = report.results.reduce((n, r) => n + r.duplicates, 0);
        opts.onBatchCommitted?.(report.files, report.added);
      }
    } finally {
      await pool?.close();
    }
    zipCache.clear();
    report.elapsedMs = performance.now() - started;
    if (report.added > 0 || report.errors.length > 0) {
      this.write(() =>
        this.audit('import', { paths, files: report.files, added: report.added, duplicates: report.duplicates, errors: report.errors.length, cancelled: report.cancelled }),
      );
    }
    return report;
  }

  /** Inserts a batch in one transaction. Returns the number of substances created. */
  /** `key`: model id and pipeline hash the pending embeddings belong to (null: none). */
  private insertPending(pending: PendingSpectrum[], key: { id: string; pipelineHash: string } | null): number {
    if (pending.length === 0) return 0;
    const db = this.db;
    const findSubstance = db.prepare('SELECT id FROM substances WHERE name = ? AND removed_at IS NULL ORDER BY id LIMIT 1');
    const insSubstance = db.prepare('INSERT INTO substances (name, formula, elements, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
    const existing = db.prepare('SELECT s.id, b.removed_at FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE s.file_sha256 = ? AND s.file_index = ?');
    const delSpectrum = db.prepare('DELETE FROM spectra WHERE id = ?');
    const insSpectrum = this.insertSpectrumStatement();
    const insVector = db.prepare('INSERT OR REPLACE INTO embeddings (spectrum_id, model_id, pipeline_hash, vector) VALUES (?, ?, ?, ?)');
    const setCalibration = db.prepare('UPDATE spectra SET calibration_id = ? WHERE id = ?');
    // Outcomes are collected here and applied after the commit: the transaction may run again after a busy retry.
    const outcome = this.write(() => {
      const ids = new Map<string, number>();
      const added: boolean[] = [];
      let created = 0;
      const t = now();
      for (const p of pending) {
        const prior = existing.get(p.sha, p.index) as { id: number; removed_at: string | null } | undefined;
        if (prior) {
          if (prior.removed_at === null) {
            added.push(false);
            continue;
          }
          delSpectrum.run(prior.id); // its substance was removed: the file comes back as new
        }
        let sid = ids.get(p.substance);
        if (sid === undefined) {
          const row = findSubstance.get(p.substance) as { id: number } | undefined;
          if (row) sid = row.id;
          else {
            sid = Number(insSubstance.run(p.substance, p.formula, elementText(p.formula), t, t).lastInsertRowid);
            created++;
          }
          ids.set(p.substance, sid);
        }
        const spectrumId = this.runInsertSpectrum(insSpectrum, sid, p.spectrum, p.sha, p.index, t);
        if (p.calibrationId !== undefined) setCalibration.run(p.calibrationId, spectrumId);
        if (p.classic) insVector.run(spectrumId, CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, floatBlob(p.classic));
        if (key && p.embedding) insVector.run(spectrumId, key.id, key.pipelineHash, floatBlob(p.embedding));
        added.push(true);
      }
      return { added, created };
    });
    pending.forEach((p, i) => {
      if (outcome.added[i]) p.result.added++;
      else p.result.duplicates++;
    });
    this.changed();
    return outcome.created;
  }

  private insertSpectrumStatement(): Database.Statement {
    return this.db.prepare(
      `INSERT INTO spectra (substance_id, file_sha256, file_index, source_file, format, laser_nm, instrument, sample_id, x_kind, points, x_min, x_max, x, y, meta, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  private runInsertSpectrum(stmt: Database.Statement, substanceId: number, s: Spectrum, sha: string, index: number, at: string): number {
    const n = s.x.length;
    const info = stmt.run(
      substanceId,
      sha,
      index,
      s.meta.sourceFile,
      s.meta.format,
      s.meta.laserNm ?? null,
      s.meta.instrument ?? null,
      s.meta.sampleId ?? null,
      s.meta.xKind,
      n,
      n ? s.x[0]! : 0,
      n ? s.x[n - 1]! : 0,
      floatBlob(s.x),
      floatBlob(s.y),
      JSON.stringify(s.meta),
      at,
    );
    return Number(info.lastInsertRowid);
  }

  /**
   * Adds one spectrum as a reference of `opts.substance` (created when no substance has that exact name). It is
   * matchable at once: its classic vector and, with a model, its embedding are stored in the same transaction.
   */
  async addSpectrum(spectrum: Spectrum, opts: AddSpectrumOptions): Promise<{ substanceId: number; spectrumId: number; createdSubstance: boolean }> {
    const name = cleanName(opts.substance);
    if (spectrum.x.length < 3 || spectrum.x.length !== spectrum.y.length) throw new SpecmatchError('E_PARAM', `the spectrum must hold at least 3 points with as many x as y values`);
    if (spectrum.meta.xKind !== 'raman-shift') throw new SpecmatchError('E_PARAM', `the spectrum's x axis is ${spectrum.meta.xKind}, not Raman shift`);
    const sha = opts.fileSha256 ?? createHash('sha256').update(floatBlob(spectrum.x)).update(floatBlob(spectrum.y)).digest('hex');
    const index = opts.fileIndex ?? spectrum.meta.position.index;
    if (opts.model) this.adoptLegacyVectors(opts.model);
    const embedding = opts.model ? (await opts.model.embed([spectrum]))[0] : undefined;
    const classic = classicVector(spectrum);
    const db = this.db;
    const tags = cleanList(opts.tags, 'tags');
    const result = this.write(() => {
      const t = now();
      const prior = db.prepare('SELECT s.id, b.removed_at, b.name FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE s.file_sha256 = ? AND s.file_index = ?').get(sha, index) as
        | { id: number; removed_at: string | null; name: string }
        | undefined;
      if (prior && prior.removed_at === null) throw new SpecmatchError('E_PARAM', `this spectrum is already in the library (reference of '${prior.name}')`);
      if (prior) db.prepare('DELETE FROM spectra WHERE id = ?').run(prior.id);
      const row = db.prepare('SELECT id FROM substances WHERE name = ? AND removed_at IS NULL ORDER BY id LIMIT 1').get(name) as { id: number } | undefined;
      let substanceId: number;
      const createdSubstance = !row;
      if (row) substanceId = row.id;
      else {
        const formula = opts.formula ?? spectrum.meta.fields['IDEAL CHEMISTRY'] ?? null;
        substanceId = Number(
          db
            .prepare('INSERT INTO substances (name, formula, cas, tags, notes, elements, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
            .run(name, formula, opts.cas ?? null, JSON.stringify(tags), opts.notes ?? '', elementText(formula), t, t).lastInsertRowid,
        );
      }
      const spectrumId = this.runInsertSpectrum(this.insertSpectrumStatement(), substanceId, spectrum, sha, index, t);
      const insVector = db.prepare('INSERT INTO embeddings (spectrum_id, model_id, pipeline_hash, vector) VALUES (?, ?, ?, ?)');
      insVector.run(spectrumId, CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, floatBlob(classic));
      if (opts.model && embedding) insVector.run(spectrumId, opts.model.manifest.id, opts.model.manifest.pipelineHash, floatBlob(embedding));
      this.audit('add-spectrum', { substance: name, substanceId, spectrumId, createdSubstance, sourceFile: spectrum.meta.sourceFile });
      return { substanceId, spectrumId, createdSubstance };
    });
    this.changed();
    return result;
  }

  /**
   * Adds the spectra of a bundled pack (see pack.ts) in one transaction, skipping those already present.
   * Returns the number added.
   */
  importPack(packPath: string): { added: number; duplicates: number } {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(packPath);
    } catch (err) {
      throw new SpecmatchError('E_LIBRARY', `${packPath}: cannot read the reference pack: ${(err as Error).message}`, { file: packPath, cause: err });
    }
    const { header, spectra } = decodePack(bytes, packPath);
    const pending: PendingSpectrum[] = spectra.map((s) => {
      const sub = header.substances[s.s]!;
      const result: ImportFileResult = { file: s.meta.sourceFile, spectra: 1, added: 0, duplicates: 0 };
      return {
        spectrum: { x: s.x, y: s.y, meta: s.meta },
        sha: s.sha,
        index: s.index,
        substance: sub.name,
        formula: sub.formula,
        classic: classicVectorOrWarn({ x: s.x, y: s.y, meta: s.meta }, result),
        ...(s.embedding ? { embedding: s.embedding } : {}),
        result,
      };
    });
    this.insertPending(pending, header.embeddings ? { id: header.embeddings.modelId, pipelineHash: header.embeddings.pipelineHash } : null);
    const added = pending.reduce((n, p) => n + p.result.added, 0);
    this.write(() => this.audit('import-pack', { pack: basename(packPath), name: header.name, added }));
    return { added, duplicates: pending.length - added };
  }

  // ----- read -----------------------------------------------------------------------------------------------

  private summary(row: SubstanceRow, count: number): SubstanceSummary {
    return {
      id: row.id,
      name: row.name,
      aliases: jsonArray(row.aliases),
      formula: row.formula,
      cas: row.cas,
      tags: jsonArray(row.tags),
      elements: row.elements.trim() === '' ? [] : row.elements.trim().split(' '),
      spectra: count,
    };
  }

  listSubstances(q: SubstanceQuery = {}): SubstancePage {
    const where = ['b.removed_at IS NULL'];
    const args: Array<string | number> = [];
    if (q.query !== undefined && q.query.trim() !== '') {
      const like = `%${q.query.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push("(b.name LIKE ? ESCAPE '\\' OR b.aliases LIKE ? ESCAPE '\\' OR b.tags LIKE ? ESCAPE '\\' OR b.formula LIKE ? ESCAPE '\\')");
      args.push(like, like, like, like);
    }
    const elements = q.element === undefined ? [] : Array.isArray(q.element) ? q.element : [q.element];
    for (const raw of elements) {
      const el = raw.trim();
      if (!/^[A-Z][a-z]?$/.test(el)) throw new SpecmatchError('E_PARAM', `'${raw}' is not an element symbol (e.g. Cu, S, Fe)`);
      where.push('b.elements LIKE ?');
      args.push(`% ${el} %`);
    }
    if (q.tag !== undefined && q.tag.trim() !== '') {
      where.push('EXISTS (SELECT 1 FROM json_each(b.tags) WHERE lower(json_each.value) = lower(?))');
      args.push(q.tag.trim());
    }
    const limit = Math.max(0, Math.min(q.limit ?? 200, 100_000));
    const offset = Math.max(0, q.offset ?? 0);
    const w = where.join(' AND ');
    const total = (this.db.prepare(`SELECT count(*) AS n FROM substances b WHERE ${w}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT ${SUBSTANCE_COLUMNS.split(', ').map((c) => `b.${c}`).join(', ')}, (SELECT count(*) FROM spectra s WHERE s.substance_id = b.id) AS n
         FROM substances b WHERE ${w} ORDER BY b.name COLLATE NOCASE, b.id LIMIT ? OFFSET ?`,
      )
      .all(...args, limit, offset) as Array<SubstanceRow & { n: number }>;
    return { total, items: rows.map((r) => this.summary(r, r.n)) };
  }

  private substanceRow(id: number): SubstanceRow {
    const row = this.db.prepare(`SELECT ${SUBSTANCE_COLUMNS} FROM substances WHERE id = ? AND removed_at IS NULL`).get(id) as SubstanceRow | undefined;
    if (!row) throw new SpecmatchError('E_NOT_FOUND', `no substance with id ${id} in ${this.path}`);
    return row;
  }

  private spectrumInfo(r: SpectrumRow): SpectrumInfo {
    return {
      id: r.id,
      substanceId: r.substance_id,
      sourceFile: r.source_file,
      format: r.format,
      fileSha256: r.file_sha256,
      fileIndex: r.file_index,
      laserNm: r.laser_nm,
      instrument: r.instrument,
      sampleId: r.sample_id,
      points: r.points,
      xMin: r.x_min,
      xMax: r.x_max,
      addedAt: r.added_at,
    };
  }

  getSubstance(id: number): SubstanceDetail {
    const row = this.substanceRow(id);
    const spectra = this.db.prepare(`SELECT ${SPECTRUM_INFO_COLUMNS} FROM spectra WHERE substance_id = ? ORDER BY id`).all(id) as SpectrumRow[];
    return { ...this.summary(row, spectra.length), notes: row.notes, createdAt: row.created_at, updatedAt: row.updated_at, spectraList: spectra.map((r) => this.spectrumInfo(r)) };
  }

  /** Finds substances by exact name (case-sensitive, verbatim), oldest first. */
  findSubstancesByName(name: string): number[] {
    return (this.db.prepare('SELECT id FROM substances WHERE name = ? AND removed_at IS NULL ORDER BY id').all(name) as Array<{ id: number }>).map((r) => r.id);
  }

  /** A reference spectrum with its raw x/y (float32 precision) and the metadata of the file it came from. */
  getSpectrum(id: number): Spectrum {
    const row = this.db.prepare('SELECT s.x, s.y, s.meta, s.calibration_id FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE s.id = ? AND b.removed_at IS NULL').get(id) as
      | { x: Buffer; y: Buffer; meta: string; calibration_id: number | null }
      | undefined;
    if (!row) throw new SpecmatchError('E_NOT_FOUND', `no spectrum with id ${id} in ${this.path}`);
    return this.derive(row);
  }

  getSpectrumInfo(id: number): SpectrumInfo {
    const row = this.db.prepare(`SELECT ${SPECTRUM_INFO_COLUMNS} FROM spectra WHERE id = ?`).get(id) as SpectrumRow | undefined;
    if (!row) throw new SpecmatchError('E_NOT_FOUND', `no spectrum with id ${id} in ${this.path}`);
    return this.spectrumInfo(row);
  }

  // ----- edit -----------------------------------------------------------------------------------------------

  /**
   * Removes a substance and its spectra. Undoable with the token (see undo) until purged, at the earliest a day
   * later; `purge` deletes at once (not undoable).
   */
  removeSubstance(id: number, opts: { purge?: boolean } = {}): UndoToken {
    const row = this.substanceRow(id);
    const t = now();
    this.write(() => {
      if (opts.purge) this.db.prepare('DELETE FROM substances WHERE id = ?').run(id);
      else this.db.prepare('UPDATE substances SET removed_at = ? WHERE id = ?').run(t, id);
      this.audit('remove', { substanceId: id, name: row.name, purged: opts.purge === true });
    });
    this.changed();
    return `${id}@${t}`;
  }

  /** Undoes a removal (token of removeSubstance) or a merge (token of mergeSubstances). Returns the substance shown. */
  undo(token: UndoToken): { substanceId: number } {
    const merge = /^merge:(\d+)$/.exec(token);
    const result = (token.startsWith('spectrum:') ? this.undoRemoveSpectrum(token) : null) ?? (merge ? this.undoMerge(Number(merge[1])) : this.undoRemove(token));
    this.changed();
    return result;
  }

  private undoRemove(token: UndoToken): { substanceId: number } {
    const m = /^(\d+)@(.+)$/.exec(token);
    if (!m) throw new SpecmatchError('E_PARAM', `'${token}' is not an undo token`);
    const id = Number(m[1]);
    const removedAt = m[2]!;
    return this.write(() => {
      const info = this.db.prepare('UPDATE substances SET removed_at = NULL WHERE id = ? AND removed_at = ?').run(id, removedAt);
      if (info.changes === 0) throw new SpecmatchError('E_NOT_FOUND', `cannot undo: substance ${id} is no longer in the removed items (purged or already restored)`);
      // A re-import after the removal brought some of its files back under a new substance of the same name (the
      // removed one was invisible): fold that one back in, so the undo does not leave the substance split in two.
      const row = this.substanceRow(id);
      const twins = this.db
        .prepare(`SELECT ${SUBSTANCE_COLUMNS} FROM substances WHERE name = ? AND id <> ? AND removed_at IS NULL AND created_at >= ? ORDER BY id`)
        .all(row.name, id, removedAt) as SubstanceRow[];
      if (twins.length > 0) this.combine(row, twins, null);
      this.audit('undo-remove', { substanceId: id, folded: twins.map((t) => t.id) });
      return { substanceId: id };
    });
  }

  /**
   * Moves the spectra of `from` into `into` and unites their names (as aliases), aliases, tags and notes; fills a
   * missing formula or CAS number. `removedAt` null: the `from` rows are deleted; else they are soft-removed at that
   * time (a merge, which can be undone). Inside the caller's write. Returns which spectra moved from where.
   */
  private combine(into: SubstanceRow, from: readonly SubstanceRow[], removedAt: string | null): Array<{ id: number; name: string; spectra: number[] }> {
    const aliases = new Set(jsonArray(into.aliases));
    const tags = new Set(jsonArray(into.tags));
    const notes = into.notes.trim() === '' ? [] : [into.notes.trim()];
    let formula = into.formula;
    let cas = into.cas;
    const moved: Array<{ id: number; name: string; spectra: number[] }> = [];
    for (const f of from) {
      if (f.name !== into.name) aliases.add(f.name);
      jsonArray(f.aliases).forEach((a) => aliases.add(a));
      jsonArray(f.tags).forEach((t) => tags.add(t));
      const note = f.notes.trim();
      if (note !== '' && !notes.some((n) => n.includes(note))) notes.push(f.name === into.name ? note : `${f.name}: ${note}`);
      formula ??= f.formula;
      cas ??= f.cas;
      const spectra = (this.db.prepare('SELECT id FROM spectra WHERE substance_id = ? ORDER BY id').all(f.id) as Array<{ id: number }>).map((r) => r.id);
      moved.push({ id: f.id, name: f.name, spectra });
      this.db.prepare('UPDATE spectra SET substance_id = ? WHERE substance_id = ?').run(into.id, f.id);
      if (removedAt === null) this.db.prepare('DELETE FROM substances WHERE id = ?').run(f.id);
      else this.db.prepare('UPDATE substances SET removed_at = ? WHERE id = ?').run(removedAt, f.id);
    }
    aliases.delete(into.name);
    this.db
      .prepare('UPDATE substances SET aliases = ?, tags = ?, notes = ?, formula = ?, elements = ?, cas = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify([...aliases]), JSON.stringify([...tags]), notes.join('\n\n'), formula, elementText(formula), cas, now(), into.id);
    return moved;
  }

  /** Deletes soft-removed substances removed more than `olderThanMs` ago (0: all). Returns how many. */
  purgeRemoved(olderThanMs = 0): number {
    const cutoff = new Date(Date.now() - olderThanMs).toISOString();
    const n = this.write(() => this.db.prepare('DELETE FROM substances WHERE removed_at IS NOT NULL AND removed_at <= ?').run(cutoff).changes);
    if (n > 0) this.changed();
    return n;
  }

  renameSubstance(id: number, name: string): void {
    this.editSubstance(id, { name });
  }

  editSubstance(id: number, patch: SubstancePatch): SubstanceDetail {
    const row = this.substanceRow(id);
    const sets: string[] = [];
    const args: Array<string | null> = [];
    if (patch.name !== undefined) {
      sets.push('name = ?');
      args.push(cleanName(patch.name));
    }
    if (patch.aliases !== undefined) {
      sets.push('aliases = ?');
      args.push(JSON.stringify(cleanList(patch.aliases, 'aliases')));
    }
    if (patch.tags !== undefined) {
      sets.push('tags = ?');
      args.push(JSON.stringify(cleanList(patch.tags, 'tags')));
    }
    if (patch.formula !== undefined) {
      const f = patch.formula === null || patch.formula.trim() === '' ? null : patch.formula.trim();
      sets.push('formula = ?', 'elements = ?');
      args.push(f, elementText(f));
    }
    if (patch.cas !== undefined) {
      const c = patch.cas === null || patch.cas.trim() === '' ? null : patch.cas.trim();
      if (c !== null && !/^\d{2,7}-\d{2}-\d$/.test(c)) throw new SpecmatchError('E_PARAM', `'${c}' is not a CAS registry number (e.g. 471-34-1)`);
      sets.push('cas = ?');
      args.push(c);
    }
    if (patch.notes !== undefined) {
      if (typeof patch.notes !== 'string') throw new SpecmatchError('E_PARAM', 'notes must be text');
      sets.push('notes = ?');
      args.push(patch.notes);
    }
    if (sets.length > 0) {
      this.write(() => {
        this.db.prepare(`UPDATE substances SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`).run(...args, now(), id);
        this.audit(patch.name !== undefined && sets.length === 1 ? 'rename' : 'edit', { substanceId: id, before: row.name, patch });
      });
      this.changed();
    }
    return this.getSubstance(id);
  }

  /**
   * Merges duplicates into one substance: the spectra of `fromIds` move to `intoId`; their names become aliases;
   * aliases, tags and notes are united. One transaction. Undoable with the token (see undo): the merged substances
   * are kept as removed items, and the audit log holds which spectra moved and `into`'s fields before the merge.
   */
  mergeSubstances(intoId: number, fromIds: readonly number[]): { substance: SubstanceDetail; undoToken: UndoToken } {
    const into = this.substanceRow(intoId);
    const from = [...new Set(fromIds)].filter((id) => id !== intoId).map((id) => this.substanceRow(id));
    if (from.length === 0) throw new SpecmatchError('E_PARAM', 'merge needs at least one other substance');
    const auditId = this.write(() => {
      const t = now();
      const moved = this.combine(into, from, t);
      const before = { aliases: into.aliases, tags: into.tags, notes: into.notes, formula: into.formula, cas: into.cas, elements: into.elements, updated_at: into.updated_at };
      return this.audit('merge', { intoId, into: into.name, from: moved, removedAt: t, before });
    });
    this.changed();
    return { substance: this.getSubstance(intoId), undoToken: `merge:${auditId}` };
  }

  private undoMerge(auditId: number): { substanceId: number } {
    return this.write(() => {
      const entry = this.db.prepare("SELECT detail FROM audit WHERE id = ? AND action = 'merge'").get(auditId) as { detail: string } | undefined;
      if (!entry) throw new SpecmatchError('E_NOT_FOUND', `cannot undo: no merge with token merge:${auditId} in ${this.path}`);
      const d = JSON.parse(entry.detail) as {
        intoId: number;
        from?: Array<{ id: number; name: string; spectra: number[] }>;
        removedAt?: string;
        before?: { aliases: string; tags: string; notes: string; formula: string | null; cas: string | null; elements: string; updated_at: string };
      };
      if (!d.from || !d.before || !d.removedAt) throw new SpecmatchError('E_NOT_FOUND', `cannot undo merge:${auditId}: it was made by an older Specmatch that did not keep what undoing needs`);
      const restore = this.db.prepare('UPDATE substances SET removed_at = NULL WHERE id = ? AND removed_at = ?');
      const moveBack = this.db.prepare('UPDATE spectra SET substance_id = ? WHERE substance_id = ? AND id IN (SELECT value FROM json_each(?))');
      for (const f of d.from) {
        if (restore.run(f.id, d.removedAt).changes === 0) {
          throw new SpecmatchError('E_NOT_FOUND', `cannot undo merge:${auditId}: '${f.name}' (id ${f.id}) is no longer in the removed items (purged a day after the merge, or already restored)`);
        }
        moveBack.run(f.id, d.intoId, JSON.stringify(f.spectra));
      }
      const b = d.before;
      this.db
        .prepare('UPDATE substances SET aliases = ?, tags = ?, notes = ?, formula = ?, cas = ?, elements = ?, updated_at = ? WHERE id = ?')
        .run(b.aliases, b.tags, b.notes, b.formula, b.cas, b.elements, now(), d.intoId);
      this.audit('undo-merge', { mergeAuditId: auditId, intoId: d.intoId, restored: d.from.map((f) => f.id) });
      return { substanceId: d.intoId };
    });
  }

  // ----- export / merge -------------------------------------------------------------------------------------

  /** Writes a compact copy of the library (VACUUM INTO) without removed substances. Refuses to overwrite. */
  exportLibrary(destFile: string): void {
    if (existsSync(destFile)) throw new SpecmatchError('E_OUTPUT', `${destFile}: already exists; choose a new file name`, { file: destFile });
    try {
      this.db.prepare('VACUUM INTO ?').run(destFile);
    } catch (err) {
      throw new SpecmatchError('E_OUTPUT', `${destFile}: cannot write: ${(err as Error).message}`, { file: destFile, cause: err });
    }
    const copy = new Database(destFile);
    try {
      copy.pragma('foreign_keys = ON');
      copy.prepare('DELETE FROM substances WHERE removed_at IS NOT NULL').run();
      copy.exec('VACUUM');
    } finally {
      copy.close();
    }
  }

  /** Writes every reference spectrum as JCAMP-DX 5.01 (one .jdx per spectrum) into a zip. Returns the count. */
  exportJcampZip(destZip: string): number {
    if (existsSync(destZip)) throw new SpecmatchError('E_OUTPUT', `${destZip}: already exists; choose a new file name`, { file: destZip });
    const rows = this.db
      .prepare('SELECT s.id, s.x, s.y, s.meta, s.sample_id, b.name, b.formula, b.cas FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL ORDER BY b.name, s.id')
      .all() as Array<{ id: number; x: Buffer; y: Buffer; meta: string; sample_id: string | null; name: string; formula: string | null; cas: string | null }>;
    const files: Record<string, Uint8Array> = {};
    const enc = new TextEncoder();
    for (const r of rows) {
      const meta = JSON.parse(r.meta) as SpectrumMeta;
      const safe = r.name.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 80) || 'substance';
      files[`${safe}__${r.id}.jdx`] = enc.encode(jcampDx({ title: r.name, x: blobFloats(r.x), y: blobFloats(r.y), meta, formula: r.formula, cas: r.cas, sampleId: r.sample_id, spectrumId: r.id }));
    }
    try {
      writeFileSync(destZip, zipSync(files, { level: 6 }));
    } catch (err) {
      throw new SpecmatchError('E_OUTPUT', `${destZip}: cannot write: ${(err as Error).message}`, { file: destZip, cause: err });
    }
    return rows.length;
  }

  /**
   * Merges another library into this one: substances matched by exact name (new ones created with their metadata),
   * spectra added unless already present (same identity), with their stored vectors. One transaction.
   */
  mergeFrom(otherLibraryPath: string): MergeFromReport {
    if (!existsSync(otherLibraryPath)) throw new SpecmatchError('E_LIBRARY', `${otherLibraryPath}: no such library`, { file: otherLibraryPath });
    const other = Library.open(otherLibraryPath, { readonly: true });
    const report: MergeFromReport = { substancesAdded: 0, substancesMatched: 0, spectraAdded: 0, duplicates: 0 };
    try {
      if (other.info().schemaVersion !== SCHEMA_VERSION) throw new SpecmatchError('E_LIBRARY', `${otherLibraryPath}: schema version differs; open it once with this Specmatch to migrate it`);
      const odb = other.db;
      const subs = odb.prepare(`SELECT ${SUBSTANCE_COLUMNS} FROM substances WHERE removed_at IS NULL ORDER BY id`).all() as SubstanceRow[];
      const spectraOf = odb.prepare('SELECT * FROM spectra WHERE substance_id = ? ORDER BY id');
      const vectorsOf = odb.prepare('SELECT model_id, pipeline_hash, vector FROM embeddings WHERE spectrum_id = ?');
      const db = this.db;
      const find = db.prepare('SELECT id FROM substances WHERE name = ? AND removed_at IS NULL ORDER BY id LIMIT 1');
      const existing = db.prepare('SELECT s.id, b.removed_at FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE s.file_sha256 = ? AND s.file_index = ?');
      const insSub = db.prepare('INSERT INTO substances (name, aliases, formula, cas, tags, notes, elements, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const insSpec = db.prepare(
        `INSERT INTO spectra (substance_id, file_sha256, file_index, source_file, format, laser_nm, instrument, sample_id, x_kind, points, x_min, x_max, x, y, meta, added_at)
         VALUES (@substance_id, @file_sha256, @file_index, @source_file, @format, @laser_nm, @instrument, @sample_id, @x_kind, @points, @x_min, @x_max, @x, @y, @meta, @added_at)`,
      );
      const insVec = db.prepare('INSERT OR IGNORE INTO embeddings (spectrum_id, model_id, pipeline_hash, vector) VALUES (?, ?, ?, ?)');
      this.write(() => {
        report.substancesAdded = report.substancesMatched = report.spectraAdded = report.duplicates = 0;
        const t = now();
        for (const s of subs) {
          let targetId: number | undefined;
          const rows = spectraOf.all(s.id) as Array<Record<string, unknown> & { id: number; file_sha256: string; file_index: number }>;
          for (const r of rows) {
            const prior = existing.get(r.file_sha256, r.file_index) as { id: number; removed_at: string | null } | undefined;
            if (prior && prior.removed_at === null) {
              report.duplicates++;
              continue;
            }
            if (prior) db.prepare('DELETE FROM spectra WHERE id = ?').run(prior.id);
            if (targetId === undefined) {
              const found = find.get(s.name) as { id: number } | undefined;
              if (found) {
                targetId = found.id;
                report.substancesMatched++;
                // The other library's aliases, tags and notes are kept (united), not dropped.
                const mine = this.substanceRow(found.id);
                const aliases = [...new Set([...jsonArray(mine.aliases), ...jsonArray(s.aliases)])].filter((a) => a !== mine.name);
                const tags = [...new Set([...jsonArray(mine.tags), ...jsonArray(s.tags)])];
                const notes = s.notes.trim() !== '' && !mine.notes.includes(s.notes.trim()) ? [mine.notes.trim(), s.notes.trim()].filter((n) => n !== '').join('\n\n') : mine.notes;
                db.prepare('UPDATE substances SET aliases = ?, tags = ?, notes = ?, elements = CASE WHEN formula IS NULL THEN ? ELSE elements END, formula = coalesce(formula, ?), cas = coalesce(cas, ?) WHERE id = ?').run(
                  JSON.stringify(aliases),
                  JSON.stringify(tags),
                  notes,
                  s.elements,
                  s.formula,
                  s.cas,
                  found.id,
                );
              } else {
                targetId = Number(insSub.run(s.name, s.aliases, s.formula, s.cas, s.tags, s.notes, s.elements, t, t).lastInsertRowid);
                report.substancesAdded++;
              }
            }
            const { id: oldId, ...rest } = r;
            const newId = Number(insSpec.run({ ...rest, substance_id: targetId, added_at: t }).lastInsertRowid);
            for (const v of vectorsOf.all(oldId) as Array<{ model_id: string; pipeline_hash: string; vector: Buffer }>) insVec.run(newId, v.model_id, v.pipeline_hash, v.vector);
            report.spectraAdded++;
          }
        }
        this.audit('merge-from', { path: otherLibraryPath, ...report });
      });
    } finally {
      other.close();
    }
    this.changed();
    return report;
  }

  // ----- instruments ----------------------------------------------------------------------------------------

  listInstruments(): Instrument[] {
    return instruments.listInstruments(this.db);
  }

  /** Adds an instrument or updates the serial, laser and recognition rules of the one with that name. */
  saveInstrument(inst: NewInstrument): Instrument {
    let saved: Instrument | undefined;
    this.db.transaction(() => {
      saved = instruments.saveInstrument(this.db, inst, now());
      this.audit('save-instrument', saved);
    })();
    return saved!;
  }

  /** Stores an accepted fit as the newest calibration of `instrument` (created when new). */
  addCalibration(instrument: NewInstrument, fit: CalibrationFit, files: string[]): Calibration {
    let id = 0;
    this.db.transaction(() => {
      const inst = instruments.findInstrument(this.db, instrument.name) ?? instruments.saveInstrument(this.db, instrument, now());
      id = instruments.addCalibration(this.db, inst.id, fit, files, now());
      this.audit('calibrate', { instrument: inst.name, calibrationId: id, standard: fit.standard, rms: fit.rms, files });
    })();
    this.changed();
    return instruments.calibrationById(this.db, id)!;
  }

  calibrations(instrumentName: string): Calibration[] {
    return instruments.calibrationsOf(this.db, instruments.getInstrument(this.db, instrumentName, this.path).id);
  }

  /** The latest calibration of an instrument, or undefined when it has none (E_NOT_FOUND for an unknown name). */
  latestCalibration(instrumentName: string): Calibration | undefined {
    return instruments.latestCalibration(this.db, instruments.getInstrument(this.db, instrumentName, this.path).id);
  }

  /** Which calibration applies to a spectrum with this metadata (see instruments.calibrationFor). */
  calibrationFor(meta: SpectrumMeta, choice: InstrumentChoice): Calibration | null {
    return instruments.calibrationFor(this.db, meta, choice);
  }

  /** A spectrum as the query path sees it: calibrated through `calibrationFor`, or as it is. */
  calibrate(spectrum: Spectrum, choice: InstrumentChoice): Spectrum {
    const cal = this.calibrationFor(spectrum.meta, choice);
    return cal ? applyCalibration(spectrum, cal) : spectrum;
  }

  /** Applies the import's instrument calibration to a parsed spectrum: classic vector from the derived spectrum. */
  private calibratePending(p: PendingSpectrum, choice: InstrumentChoice): PendingSpectrum {
    let cal: Calibration | null;
    try {
      cal = this.calibrationFor(p.spectrum.meta, choice);
      if (!cal) return p;
      const derived = applyCalibration(p.spectrum, cal);
      return { ...p, classic: classicVector(derived.x, derived.y), calibrationId: cal.id };
    } catch (err) {
      (p.result.warnings ??= []).push(`spectrum ${p.index}: not calibrated (${(err as Error).message})`);
      return p;
    }
  }

  private derivedOf(p: PendingSpectrum): Spectrum {
    if (p.calibrationId === undefined) return p.spectrum;
    const cal = instruments.calibrationById(this.db, p.calibrationId);
    return cal ? applyCalibration(p.spectrum, cal) : p.spectrum;
  }

  private readonly calibrationCache = new Map<number, Calibration | undefined>();

  /** A stored row as a spectrum: raw, or derived through the calibration it was imported with. */
  private derive(row: { x: Buffer; y: Buffer; meta: string; calibration_id: number | null }): Spectrum {
    const raw: Spectrum = { x: blobFloat64(row.x), y: blobFloat64(row.y), meta: JSON.parse(row.meta) as SpectrumMeta };
    if (row.calibration_id === null) return raw;
    if (!this.calibrationCache.has(row.calibration_id)) this.calibrationCache.set(row.calibration_id, instruments.calibrationById(this.db, row.calibration_id));
    const cal = this.calibrationCache.get(row.calibration_id);
    return cal ? applyCalibration(raw, cal) : raw;
  }

  // ----- vectors --------------------------------------------------------------------------------------------

  /**
   * How many spectra have an embedding under `modelKey` (`${modelId}:${pipelineHash}`). Given the model itself,
   * embeddings filed under its legacy hashes are re-filed first (adoptLegacyVectors).
   */
  embeddingStatus(modelOrKey: EmbeddingModel | string): EmbeddingStatus {
    if (typeof modelOrKey !== 'string') this.adoptLegacyVectors(modelOrKey);
    const modelKey = typeof modelOrKey === 'string' ? modelOrKey : modelOrKey.key;
    const cut = modelKey.lastIndexOf(':');
    if (cut <= 0) throw new SpecmatchError('E_PARAM', `'${modelKey}' is not a model key (modelId:pipelineHash)`);
    const total = (this.db.prepare('SELECT count(*) AS n FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL').get() as { n: number }).n;
    const current = (
      this.db
        .prepare('SELECT count(*) AS n FROM embeddings e JOIN spectra s ON s.id = e.spectrum_id JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL AND e.model_id = ? AND e.pipeline_hash = ?')
        .get(modelKey.slice(0, cut), modelKey.slice(cut + 1)) as { n: number }
    ).n;
    return { key: modelKey, total, current, missing: total - current };
  }

  private missingIds(modelId: string, pipelineHash: string): number[] {
    return (
      this.db
        .prepare('SELECT s.id FROM spectra s INDEXED BY spectra_substance WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.spectrum_id = s.id AND e.model_id = ? AND e.pipeline_hash = ?) ORDER BY s.id')
        .all(modelId, pipelineHash) as Array<{ id: number }>
    ).map((r) => r.id);
  }

  /**
   * Computes the embeddings missing under the model's key (after a model change, or for spectra imported without a
   * model), in batches, each committed on its own so a cancelled or killed run keeps its progress.
   */
  async recomputeEmbeddings(model: EmbeddingModel, opts: FillVectorsOptions = {}): Promise<FillVectorsReport> {
    this.adoptLegacyVectors(model);
    const r = await this.fillVectors({ modelId: model.manifest.id, pipelineHash: model.manifest.pipelineHash }, (spectra) => embedEach(model, spectra), opts);
    if (r.computed > 0) this.write(() => this.audit('recompute-embeddings', { key: model.key, computed: r.computed, failed: r.failed }));
    return r;
  }

  /** How many non-removed spectra lack a vector under (modelId, pipelineHash). */
  missingVectors(key: VectorKey): number {
    return this.missingIds(key.modelId, key.pipelineHash).length;
  }

  /**
   * The one indexer: fills the vectors missing under `key` with `compute` (a vectorizer, a model's embed, or both
   * after an analyst's pipeline), in batches committed one by one, so a cancelled or killed run keeps its progress.
   * A spectrum `compute` cannot process is reported in `errors` and left without a vector.
   */
  async fillVectors(
    key: VectorKey,
    compute: (spectra: Spectrum[]) => Promise<Array<Float32Array | SpecmatchError>> | Array<Float32Array | SpecmatchError>,
    opts: FillVectorsOptions = {},
  ): Promise<FillVectorsReport> {
    const ids = this.missingIds(key.modelId, key.pipelineHash);
    const batch = Math.max(1, opts.batchSize ?? 64);
    const ins = this.db.prepare('INSERT OR REPLACE INTO embeddings (spectrum_id, model_id, pipeline_hash, vector) VALUES (?, ?, ?, ?)');
    const load = this.db.prepare('SELECT x, y, meta, calibration_id FROM spectra WHERE id = ?');
    let computed = 0;
    const errors: Array<{ spectrumId: number; message: string }> = [];
    opts.onProgress?.(0, ids.length);
    for (let i = 0; i < ids.length; i += batch) {
      if (opts.signal?.aborted) return { computed, failed: errors.length, cancelled: true, errors };
      const chunk = ids.slice(i, i + batch);
      const spectra = chunk.map((id) => {
        return this.derive(load.get(id) as { x: Buffer; y: Buffer; meta: string; calibration_id: number | null });
      });
      const vectors = await compute(spectra);
      this.write(() => {
        chunk.forEach((id, j) => {
          const v = vectors[j]!;
          if (v instanceof Float32Array) ins.run(id, key.modelId, key.pipelineHash, floatBlob(v));
        });
      });
      chunk.forEach((id, j) => {
        const v = vectors[j]!;
        if (v instanceof Float32Array) computed++;
        else errors.push({ spectrumId: id, message: v.message });
      });
      this.changed();
      opts.onProgress?.(Math.min(ids.length, i + chunk.length), ids.length);
    }
    return { computed, failed: errors.length, cancelled: false, errors };
  }

  /**
   * Drops the vectors of every key of `modelId` except `keep` (the keys in use): vectors of an analyst's earlier
   * pipelines, or of an earlier classic pipeline. Returns the rows deleted.
   */
  dropVectorsExcept(modelId: string, keep: readonly string[]): number {
    const marks = keep.map(() => '?').join(', ');
    const n = this.write(() => this.db.prepare(`DELETE FROM embeddings WHERE model_id = ?${keep.length ? ` AND pipeline_hash NOT IN (${marks})` : ''}`).run(modelId, ...keep).changes);
    if (n > 0) this.changed();
    return n;
  }

  /**
   * Re-files the model's embeddings stored under hashes an earlier Specmatch gave the same input pipeline
   * (`manifest.legacyPipelineHashes`, set when an older manifest is migrated) under its current hash, so a library
   * built before the single vectorizer hash keeps its embeddings instead of recomputing them. Returns the rows moved.
   */
  adoptLegacyVectors(model: EmbeddingModel): number {
    const legacy = (model.manifest.legacyPipelineHashes ?? []).filter((h) => h !== model.manifest.pipelineHash);
    if (legacy.length === 0 || this.readOnly) return 0;
    const db = this.db;
    const has = db.prepare('SELECT 1 FROM embeddings WHERE model_id = ? AND pipeline_hash = ? LIMIT 1');
    const found = legacy.filter((h) => has.get(model.manifest.id, h) !== undefined);
    if (found.length === 0) return 0;
    let moved = 0;
    this.write(() => {
      moved = 0;
      for (const h of found) {
        moved += db.prepare('UPDATE OR IGNORE embeddings SET pipeline_hash = ? WHERE model_id = ? AND pipeline_hash = ?').run(model.manifest.pipelineHash, model.manifest.id, h).changes;
        db.prepare('DELETE FROM embeddings WHERE model_id = ? AND pipeline_hash = ?').run(model.manifest.id, h);
      }
      this.audit('adopt-legacy-vectors', { model: model.manifest.id, from: found, to: model.manifest.pipelineHash, vectors: moved });
    });
    this.changed();
    return moved;
  }

  /** Computes missing classic vectors (after a classic pipeline change or a migration). Synchronous and fast. */
  ensureClassicVectors(): number {
    const stamp = this.stamp();
    if (this.classicCompleteAt === stamp) return 0;
    const n = this.fillClassicVectors();
    this.classicCompleteAt = this.stamp();
    return n;
  }

  /** Changes whenever the library changes, here or through another connection. */
  private stamp(): string {
    return `${this.generation}/${String(this.db.pragma('data_version', { simple: true }))}`;
  }

  private fillClassicVectors(): number {
    // Counting through the indexes is cheap; the anti-join below reads every spectrum row, so only run it when needed.
    const spectra = (this.db.prepare('SELECT count(*) AS n FROM spectra INDEXED BY spectra_substance').get() as { n: number }).n;
    const vectors = (this.db.prepare('SELECT count(*) AS n FROM embeddings WHERE model_id = ? AND pipeline_hash = ?').get(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH) as { n: number }).n;
    if (vectors >= spectra) return 0;
    const ids = this.missingIds(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH);
    if (ids.length === 0) return 0;
    // Classic vectors of an earlier classic pipeline are never compared with the current ones: drop them (they are
    // recomputed from the raw spectra in about a millisecond each, unlike model embeddings, which are kept).
    const load = this.db.prepare('SELECT x, y, meta, calibration_id FROM spectra WHERE id = ?');
    const ins = this.db.prepare('INSERT OR REPLACE INTO embeddings (spectrum_id, model_id, pipeline_hash, vector) VALUES (?, ?, ?, ?)');
    let filled = 0;
    this.write(() => {
      filled = 0;
      this.db.prepare('DELETE FROM embeddings WHERE model_id = ? AND pipeline_hash <> ?').run(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH);
      for (const id of ids) {
        const r = load.get(id) as { x: Buffer; y: Buffer; meta: string; calibration_id: number | null };
        let v: Float32Array;
        try {
          if (r.calibration_id !== null) {
            const d = this.derive(r);
            v = classicVector(d.x, d.y);
          } else v = classicVector(blobFloats(r.x), blobFloats(r.y));
        } catch {
          continue; // no point on the classic axis: the classic methods cannot match this spectrum
        }
        ins.run(id, CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, floatBlob(v));
        filled++;
      }
    });
    this.changed();
    return filled;
  }

  /**
   * Every stored vector under (modelId, pipelineHash) of non-removed spectra, as one contiguous matrix, cached
   * until the library changes (here or in another process: PRAGMA data_version).
   */
  referenceVectors(modelId: string, pipelineHash: string): ReferenceVectors {
    const stamp = this.stamp();
    const key = `${modelId}\u0000${pipelineHash}`;
    const hit = this.vectorCache.get(key);
    if (hit && hit.stamp === stamp) return hit.vectors;
    const rows = this.db
      .prepare(
        `SELECT e.spectrum_id, s.substance_id, s.sample_id, b.name, e.vector FROM embeddings e
         JOIN spectra s ON s.id = e.spectrum_id JOIN substances b ON b.id = s.substance_id
         WHERE b.removed_at IS NULL AND e.model_id = ? AND e.pipeline_hash = ? ORDER BY e.spectrum_id`,
      )
      .raw()
      .iterate(modelId, pipelineHash) as IterableIterator<[number, number, string | null, string, Buffer]>;
    let dim = -1;
    let data = new Float32Array(0);
    let bytes = new Uint8Array(0);
    const spectrumIds: number[] = [];
    const refSubstance: number[] = [];
    const sampleIds: Array<string | null> = [];
    const substanceIndex = new Map<number, number>();
    const substanceIds: number[] = [];
    const substanceNames: string[] = [];
    let count = 0;
    for (const [spectrumId, substanceId, sampleId, name, vector] of rows) {
      const d = vector.byteLength >>> 2;
      if (dim < 0) {
        dim = d;
        data = new Float32Array(dim * 1024);
        bytes = new Uint8Array(data.buffer);
      }
      if (d !== dim) throw new SpecmatchError('E_LIBRARY', `${this.path}: vectors of ${modelId}:${pipelineHash} have mixed sizes (${dim} and ${d})`);
      if ((count + 1) * dim > data.length) {
        const grown = new Float32Array(data.length * 2);
        grown.set(data);
        data = grown;
        bytes = new Uint8Array(data.buffer);
      }
      bytes.set(vector, count * dim * 4);
      let si = substanceIndex.get(substanceId);
      if (si === undefined) {
        si = substanceIds.length;
        substanceIndex.set(substanceId, si);
        substanceIds.push(substanceId);
        substanceNames.push(name);
      }
      spectrumIds.push(spectrumId);
      refSubstance.push(si);
      sampleIds.push(sampleId);
      count++;
    }
    const vectors: ReferenceVectors = {
      modelId,
      pipelineHash,
      dim: Math.max(0, dim),
      count,
      data: data.subarray(0, count * Math.max(0, dim)),
      spectrumIds: Int32Array.from(spectrumIds),
      refSubstance: Int32Array.from(refSubstance),
      substanceIds,
      substanceNames,
      sampleIds,
    };
    // At most two keys (the model's and the classic vectors, which the fused method uses together): a
    // 100,000-reference matrix is large.
    this.vectorCache.delete(key);
    while (this.vectorCache.size >= 2) this.vectorCache.delete(this.vectorCache.keys().next().value!);
    this.vectorCache.set(key, { stamp, vectors });
    return vectors;
  }

  /** The stored vector of one spectrum under a key, or undefined. */
  vectorOf(spectrumId: number, modelId: string, pipelineHash: string): Float32Array | undefined {
    const r = this.db.prepare('SELECT vector FROM embeddings WHERE spectrum_id = ? AND model_id = ? AND pipeline_hash = ?').get(spectrumId, modelId, pipelineHash) as { vector: Buffer } | undefined;
    return r ? blobFloats(r.vector) : undefined;
  }

  // ----- checks and map (schema v2) -------------------------------------------------------------------------

  /** Every non-removed spectrum's raw data with its substance, in id order (what the library checks read). */
  *iterateSpectra(): IterableIterator<{ id: number; substanceId: number; name: string; x: Float32Array; y: Float32Array; xBytes: Buffer; yBytes: Buffer; meta: SpectrumMeta; laserNm: number | null }> {
    const rows = this.db
      .prepare('SELECT s.id, s.substance_id, b.name, s.x, s.y, s.meta, s.laser_nm FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL ORDER BY s.id')
      .iterate() as IterableIterator<{ id: number; substance_id: number; name: string; x: Buffer; y: Buffer; meta: string; laser_nm: number | null }>;
    for (const r of rows) {
      yield { id: r.id, substanceId: r.substance_id, name: r.name, x: blobFloats(r.x), y: blobFloats(r.y), xBytes: r.x, yBytes: r.y, meta: JSON.parse(r.meta) as SpectrumMeta, laserNm: r.laser_nm };
    }
  }

  /** Keys of the check findings a user dismissed (src-core/matching/libraryChecks.ts findingKey). */
  dismissedFindings(): Set<string> {
    return new Set((this.db.prepare('SELECT finding_key FROM check_dismissals').all() as Array<{ finding_key: string }>).map((r) => r.finding_key));
  }

  /** Dismisses (or, with `dismissed: false`, restores) a check finding; kept in the library. */
  setFindingDismissed(key: string, dismissed: boolean): void {
    if (typeof key !== 'string' || !/^(mislabelled|duplicate|quality|spread):\d+(,\d+)*$/.test(key)) throw new SpecmatchError('E_PARAM', `'${String(key)}' is not a check finding key`);
    this.db.transaction(() => {
      if (dismissed) this.db.prepare('INSERT OR REPLACE INTO check_dismissals (finding_key, at, user) VALUES (?, ?, ?)').run(key, now(), this.user);
      else this.db.prepare('DELETE FROM check_dismissals WHERE finding_key = ?').run(key);
      this.audit(dismissed ? 'dismiss-finding' : 'restore-finding', { key });
    })();
  }

  /**
   * Moves one spectrum to another substance (a relabel: e.g. a likely mislabelled reference to the substance its
   * neighbours belong to). Returns the substance it came from, so the move can be undone by moving it back.
   */
  moveSpectrum(spectrumId: number, toSubstanceId: number): { fromSubstanceId: number } {
    const info = this.getSpectrumInfo(spectrumId);
    this.substanceRow(toSubstanceId);
    this.db.transaction(() => {
      this.db.prepare('UPDATE spectra SET substance_id = ? WHERE id = ?').run(toSubstanceId, spectrumId);
      this.audit('move-spectrum', { spectrumId, from: info.substanceId, to: toSubstanceId });
    })();
    this.changed();
    return { fromSubstanceId: info.substanceId };
  }

  /**
   * Removes one reference spectrum, undoably: it moves into a soft-removed holder substance (purged with the other
   * removed items), and the returned token moves it back (`undoRemove`).
   */
  removeSpectrum(spectrumId: number): UndoToken {
    const info = this.getSpectrumInfo(spectrumId);
    const from = this.substanceRow(info.substanceId);
    const t = now();
    let holder = 0;
    this.db.transaction(() => {
      holder = Number(
        this.db
          .prepare('INSERT INTO substances (name, notes, created_at, updated_at, removed_at) VALUES (?, ?, ?, ?, ?)')
          .run(from.name, `removed spectrum ${spectrumId} of substance ${from.id}`, t, t, t).lastInsertRowid,
      );
      this.db.prepare('UPDATE spectra SET substance_id = ? WHERE id = ?').run(holder, spectrumId);
      this.audit('remove-spectrum', { spectrumId, substanceId: from.id, name: from.name });
    })();
    this.changed();
    return `spectrum:${spectrumId}:${from.id}:${holder}@${t}`;
  }

  private undoRemoveSpectrum(token: string): { substanceId: number } | null {
    const m = /^spectrum:(\d+):(\d+):(\d+)@(.+)$/.exec(token);
    if (!m) return null;
    const [spectrumId, fromId, holder] = [Number(m[1]), Number(m[2]), Number(m[3])];
    this.db.transaction(() => {
      const h = this.db.prepare('SELECT id FROM substances WHERE id = ? AND removed_at = ?').get(holder, m[4]);
      if (!h) throw new SpecmatchError('E_NOT_FOUND', `cannot undo: spectrum ${spectrumId} is no longer in the removed items (purged or already restored)`);
      this.substanceRow(fromId);
      this.db.prepare('UPDATE spectra SET substance_id = ? WHERE id = ? AND substance_id = ?').run(fromId, spectrumId, holder);
      this.db.prepare('DELETE FROM substances WHERE id = ?').run(holder);
      this.audit('undo-remove-spectrum', { spectrumId, substanceId: fromId });
    })();
    this.changed();
    return { substanceId: fromId };
  }

  /** The cached 2-D map of a key's vectors, or undefined. `idsHash` tells whether it is still current. */
  mapCache(modelId: string, pipelineHash: string): { params: string; idsHash: string; spectrumIds: Int32Array; points: Float32Array; computedAt: string } | undefined {
    const r = this.db.prepare('SELECT params, ids_hash, spectrum_ids, points, computed_at FROM map_cache WHERE model_id = ? AND pipeline_hash = ?').get(modelId, pipelineHash) as
      | { params: string; ids_hash: string; spectrum_ids: Buffer; points: Buffer; computed_at: string }
      | undefined;
    if (!r) return undefined;
    const ids = new Int32Array(r.spectrum_ids.byteLength >>> 2);
    new Uint8Array(ids.buffer).set(r.spectrum_ids);
    return { params: r.params, idsHash: r.ids_hash, spectrumIds: ids, points: blobFloats(r.points), computedAt: r.computed_at };
  }

  saveMapCache(modelId: string, pipelineHash: string, entry: { params: string; idsHash: string; spectrumIds: Int32Array; points: Float32Array }): void {
    this.db
      .prepare('INSERT OR REPLACE INTO map_cache (model_id, pipeline_hash, params, ids_hash, spectrum_ids, points, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(modelId, pipelineHash, entry.params, entry.idsHash, Buffer.from(entry.spectrumIds.buffer, entry.spectrumIds.byteOffset, entry.spectrumIds.byteLength), floatBlob(entry.points), now());
  }
}
