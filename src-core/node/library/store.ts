import { accessSync, closeSync, constants as fsConstants, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { applyCalibration } from '../../calibration/profile.js';
import type { Calibration } from '../../calibration/profile.js';
import { RECOVERY_HINT, SpecmatchError } from '../../errors.js';
import { parseElements } from '../../matching/elements.js';
import type { Spectrum, SpectrumMeta } from '../../spectrum/Spectrum.js';
import { blobFloat64, blobFloats, floatBlob } from './blobs.js';
import * as instruments from './instruments.js';
import { networkFilesystemOf } from './networkShare.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, createSchema } from './schema.js';

/**
 * The library's store: one SQLite file (better-sqlite3), its schema and migrations, the one write discipline
 * (`write`), the audit log, change stamps, stored spectra as `Spectrum`s and vectors by key. It knows nothing of
 * files to import (importer.ts) or of how vectors are computed (indexer.ts); `Library` (Library.ts) is the facade
 * the rest of the application uses.
 */

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

/** A row of `substances` as stored. */
export interface SubstanceRow {
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

/** The key stored vectors are filed under: a model id ('classic' for the classic methods) and a pipeline hash. */
export interface VectorKey {
  modelId: string;
  pipelineHash: string;
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

/** What `spectra` stores of one spectrum besides its substance (see `spectrumColumns`). */
export interface SpectrumColumns {
  file_sha256: string;
  file_index: number;
  source_file: string;
  format: string;
  laser_nm: number | null;
  instrument: string | null;
  sample_id: string | null;
  x_kind: string;
  points: number;
  x_min: number;
  x_max: number;
  x: Buffer;
  y: Buffer;
  meta: string;
}

/** A stored spectrum row as `derive` reads it. */
export interface StoredSpectrumRow {
  x: Buffer;
  y: Buffer;
  meta: string;
  calibration_id: number | null;
}

export const SUBSTANCE_COLUMNS = 'id, name, aliases, formula, cas, tags, notes, elements, created_at, updated_at, removed_at';
export const SPECTRUM_INFO_COLUMNS = 'id, substance_id, file_sha256, file_index, source_file, format, laser_nm, instrument, sample_id, points, x_min, x_max, added_at';
/** Soft-deleted substances older than this are purged when a library is opened. */
export function now(): string {
  return new Date().toISOString();
}

export function jsonArray(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

export function cleanList(list: readonly string[] | undefined, what: string): string[] {
  if (list === undefined) return [];
  const items: unknown[] = Array.isArray(list) ? (list as unknown[]) : [];
  if (!Array.isArray(list) || items.some((s) => typeof s !== 'string')) throw new SpecmatchError('E_PARAM', `${what} must be a list of strings`);
  return [...new Set((items as string[]).map((s) => s.trim()).filter((s) => s !== ''))];
}

export function cleanName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new SpecmatchError('E_PARAM', 'a substance name must not be empty');
  return name.trim();
}

export function elementText(formula: string | null): string {
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

/** Soft-deleted substances older than this are purged when a library is opened. */
const PURGE_AFTER_MS = 24 * 3600 * 1000;

/** The columns of a spectrum to store, from the spectrum and its identity (SHA-256 of the file's bytes, index). */
export function spectrumColumns(s: Spectrum, sha: string, index: number): SpectrumColumns {
  const n = s.x.length;
  return {
    file_sha256: sha,
    file_index: index,
    source_file: s.meta.sourceFile,
    format: s.meta.format,
    laser_nm: s.meta.laserNm ?? null,
    instrument: s.meta.instrument ?? null,
    sample_id: s.meta.sampleId ?? null,
    x_kind: s.meta.xKind,
    points: n,
    x_min: n ? s.x[0]! : 0,
    x_max: n ? s.x[n - 1]! : 0,
    x: floatBlob(s.x),
    y: floatBlob(s.y),
    meta: JSON.stringify(s.meta),
  };
}

/**
 * One library file. Safety: WAL journal (rollback journal on a network share, with a warning), foreign keys on,
 * every change through `write` (one IMMEDIATE transaction, retried while another process holds the lock), so a
 * killed process leaves a valid file holding every transaction committed before the kill.
 */
export class LibraryStore {
  readonly path: string;
  readonly warnings: string[] = [];
  /** Opened read-only (asked for, or the file or its folder cannot be written): every change is refused. */
  readonly readOnly: boolean;
  readonly db: Database.Database;
  /** Who the audit log names. */
  readonly user: string;
  /** Bumped on every local change; with PRAGMA data_version it invalidates cached search vectors. */
  private generation = 0;
  private readonly vectorCache = new Map<string, { stamp: string; vectors: ReferenceVectors }>();
  private readonly calibrationCache = new Map<number, Calibration | undefined>();
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  private constructor(path: string, db: Database.Database, user: string, readOnly: boolean) {
    this.path = path;
    this.db = db;
    this.user = user;
    this.readOnly = readOnly;
  }

  static open(path: string, opts: LibraryOpenOptions = {}): LibraryStore {
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
    const lib = new LibraryStore(path, db, userName(opts.user), readonly);
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
  write<T>(fn: () => T): T {
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
  translate(err: unknown, what: string): SpecmatchError {
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

  /** A prepared statement, kept for the connection's life (for the statements run once per row). */
  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Appends to the audit log (inside the caller's write); returns the entry's id. */
  audit(action: string, detail: unknown): number {
    return Number(this.db.prepare('INSERT INTO audit (at, user, action, detail) VALUES (?, ?, ?, ?)').run(now(), this.user, action, JSON.stringify(detail)).lastInsertRowid);
  }

  /** Marks a local change (cached search vectors are reloaded). */
  changed(): void {
    this.generation++;
  }

  /** Changes whenever the library changes, here or through another connection. */
  stamp(): string {
    return `${this.generation}/${String(this.db.pragma('data_version', { simple: true }))}`;
  }

  /** Deletes soft-removed substances removed more than `olderThanMs` ago (0: all). Returns how many. */
  purgeRemoved(olderThanMs = 0): number {
    const cutoff = new Date(Date.now() - olderThanMs).toISOString();
    const n = this.write(() => this.db.prepare('DELETE FROM substances WHERE removed_at IS NOT NULL AND removed_at <= ?').run(cutoff).changes);
    if (n > 0) this.changed();
    return n;
  }

  // ----- spectra --------------------------------------------------------------------------------------------

  /** Inserts one spectrum row (inside the caller's write); returns its id. */
  insertSpectrum(substanceId: number, cols: SpectrumColumns, addedAt: string, calibrationId: number | null = null): number {
    const info = this.statement(
      `INSERT INTO spectra (substance_id, file_sha256, file_index, source_file, format, laser_nm, instrument, sample_id, x_kind, points, x_min, x_max, x, y, meta, added_at, calibration_id)
       VALUES (@substance_id, @file_sha256, @file_index, @source_file, @format, @laser_nm, @instrument, @sample_id, @x_kind, @points, @x_min, @x_max, @x, @y, @meta, @added_at, @calibration_id)`,
    ).run({ ...cols, substance_id: substanceId, added_at: addedAt, calibration_id: calibrationId });
    return Number(info.lastInsertRowid);
  }

  /** A stored row as a spectrum: raw, or derived through the calibration it was imported with. */
  derive(row: StoredSpectrumRow): Spectrum {
    const raw: Spectrum = { x: blobFloat64(row.x), y: blobFloat64(row.y), meta: JSON.parse(row.meta) as SpectrumMeta };
    if (row.calibration_id === null) return raw;
    if (!this.calibrationCache.has(row.calibration_id)) this.calibrationCache.set(row.calibration_id, instruments.calibrationById(this.db, row.calibration_id));
    const cal = this.calibrationCache.get(row.calibration_id);
    return cal ? applyCalibration(raw, cal) : raw;
  }

  /** The spectra of these ids as matching sees them (calibrated where they were imported through a calibration). */
  loadSpectra(ids: readonly number[]): Spectrum[] {
    const load = this.db.prepare('SELECT x, y, meta, calibration_id FROM spectra WHERE id = ?');
    return ids.map((id) => this.derive(load.get(id) as StoredSpectrumRow));
  }

  // ----- vectors by key -------------------------------------------------------------------------------------

  /** Spectra (those of removed substances included) without a vector under `key`, in id order. */
  missingIds(key: VectorKey): number[] {
    return (
      this.db
        .prepare('SELECT s.id FROM spectra s INDEXED BY spectra_substance WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.spectrum_id = s.id AND e.model_id = ? AND e.pipeline_hash = ?) ORDER BY s.id')
        .all(key.modelId, key.pipelineHash) as Array<{ id: number }>
    ).map((r) => r.id);
  }

  /** Stores (replacing) the vectors of these spectra under `key`, inside the caller's write; skips non-vectors. */
  putVectors(key: VectorKey, ids: readonly number[], vectors: ReadonlyArray<Float32Array | Buffer | null | undefined | Error>): number {
    const ins = this.statement('INSERT OR REPLACE INTO embeddings (spectrum_id, model_id, pipeline_hash, vector) VALUES (?, ?, ?, ?)');
    let n = 0;
    ids.forEach((id, j) => {
      const v = vectors[j];
      if (v instanceof Float32Array) ins.run(id, key.modelId, key.pipelineHash, floatBlob(v));
      else if (Buffer.isBuffer(v)) ins.run(id, key.modelId, key.pipelineHash, v);
      else return;
      n++;
    });
    return n;
  }

  /** Whether any vector is filed under `key`. */
  hasVectors(key: VectorKey): boolean {
    return this.db.prepare('SELECT 1 FROM embeddings WHERE model_id = ? AND pipeline_hash = ? LIMIT 1').get(key.modelId, key.pipelineHash) !== undefined;
  }

  /** How many vectors are filed under `key` (removed substances' spectra included). */
  countVectors(key: VectorKey): number {
    return (this.db.prepare('SELECT count(*) AS n FROM embeddings WHERE model_id = ? AND pipeline_hash = ?').get(key.modelId, key.pipelineHash) as { n: number }).n;
  }

  /** Re-files the vectors of `from` under `to` (inside the caller's write): rows `to` already has are dropped. */
  refileVectors(from: VectorKey, to: VectorKey): number {
    const moved = this.db.prepare('UPDATE OR IGNORE embeddings SET model_id = ?, pipeline_hash = ? WHERE model_id = ? AND pipeline_hash = ?').run(to.modelId, to.pipelineHash, from.modelId, from.pipelineHash).changes;
    this.db.prepare('DELETE FROM embeddings WHERE model_id = ? AND pipeline_hash = ?').run(from.modelId, from.pipelineHash);
    return moved;
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

  /** Every non-removed spectrum's raw data with its substance, in id order (what the library checks read). */
  *iterateSpectra(): IterableIterator<{ id: number; substanceId: number; name: string; x: Float32Array; y: Float32Array; xBytes: Buffer; yBytes: Buffer; meta: SpectrumMeta; laserNm: number | null }> {
    const rows = this.db
      .prepare('SELECT s.id, s.substance_id, b.name, s.x, s.y, s.meta, s.laser_nm FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL ORDER BY s.id')
      .iterate() as IterableIterator<{ id: number; substance_id: number; name: string; x: Buffer; y: Buffer; meta: string; laser_nm: number | null }>;
    for (const r of rows) {
      yield { id: r.id, substanceId: r.substance_id, name: r.name, x: blobFloats(r.x), y: blobFloats(r.y), xBytes: r.x, yBytes: r.y, meta: JSON.parse(r.meta) as SpectrumMeta, laserNm: r.laser_nm };
    }
  }

  /**
   * Every non-removed reference as matching sees it (calibrated where it was imported through a calibration), with
   * its substance, in id order: what training on the library reads.
   */
  *references(): IterableIterator<{ id: number; substanceId: number; name: string; spectrum: Spectrum }> {
    const rows = this.db
      .prepare('SELECT s.id, s.substance_id, b.name, s.x, s.y, s.meta, s.calibration_id FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL ORDER BY s.id')
      .iterate() as IterableIterator<StoredSpectrumRow & { id: number; substance_id: number; name: string }>;
    for (const r of rows) yield { id: r.id, substanceId: r.substance_id, name: r.name, spectrum: this.derive(r) };
  }
}
