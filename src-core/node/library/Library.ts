import { existsSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import Database from 'better-sqlite3';
import { zipSync } from 'fflate';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { RECOVERY_HINT, SpecmatchError } from '../../errors.js';
import type {
  StoredEmbeddingStatus,
  ImportReport,
  StoredLibraryInfo,
  LibraryModelKey,
  MergeFromReport,
  SpectrumInfo,
  StoredSubstanceDetail,
  SubstancePage,
  StoredSubstancePatch,
  SubstanceQuery,
  StoredSubstanceSummary,
  UndoToken,
} from '../../matching/libraryTypes.js';
import type { Spectrum, SpectrumMeta } from '../../spectrum/Spectrum.js';
import { blobFloats, floatBlob } from './blobs.js';
import { LibraryImporter } from './importer.js';
import type { AddSpectrumOptions, ImportOptions } from './importer.js';
import { LibraryIndexer } from './indexer.js';
import type { ComputeVectors, FillVectorsOptions, FillVectorsReport } from './indexer.js';
import { jcampDx } from './jcampDx.js';
import { applyCalibration } from '../../calibration/profile.js';
import type { Calibration, Instrument, InstrumentChoice } from '../../calibration/profile.js';
import type { CalibrationFit } from '../../calibration/calibrate.js';
import * as instruments from './instruments.js';
import type { NewInstrument } from './instruments.js';
import { LibraryStore, SPECTRUM_INFO_COLUMNS, SUBSTANCE_COLUMNS, cleanList, cleanName, elementText, jsonArray, now } from './store.js';
import type { LibraryOpenOptions, ReferenceVectors, SpectrumColumns, SubstanceRow, VectorKey } from './store.js';

export type {
  StoredEmbeddingStatus,
  ImportReport,
  StoredLibraryInfo,
  MergeFromReport,
  SpectrumInfo,
  StoredSubstanceDetail,
  SubstancePage,
  StoredSubstancePatch,
  SubstanceQuery,
  StoredSubstanceSummary,
  UndoToken,
} from '../../matching/libraryTypes.js';
export type { LibraryOpenOptions, ReferenceVectors, VectorKey } from './store.js';
export { WRITE_RETRIES } from './store.js';
export type { AddSpectrumOptions, ImportOptions } from './importer.js';
export type { ComputeVectors, FillVectorsOptions, FillVectorsReport } from './indexer.js';
export { embedEach } from './indexer.js';

/** The columns of a spectra row the listings read (the stored arrays and metadata stay in the file). */
type SpectrumRow = Omit<SpectrumColumns, 'x' | 'y' | 'meta' | 'x_kind'> & { id: number; substance_id: number; added_at: string };

/**
 * A reference library: one SQLite file (better-sqlite3) holding substances, their raw reference spectra, vectors
 * for matching (embeddings of the Siamese model and the classic methods' resampled spectra) and an audit log.
 *
 * The facade the application uses, over three parts: the store (store.ts: the file, schema and migrations, the one
 * write discipline, spectra and vectors by key), the importer (importer.ts: files, one spectrum, a pack or another
 * library through one dedupe → substance → insert → vectors sequence) and the indexer (indexer.ts: fills any
 * key's missing vectors). Reading and editing substances, exports, instruments and check dismissals live here.
 *
 * Safety: WAL journal (rollback journal on a network share, with a warning), foreign keys on, every multi-row change
 * in one transaction, imports committed in batches, so a killed process leaves a valid file holding every batch
 * committed before the kill; identities (SHA-256 of the file's bytes + index in the file) make re-imports skip what
 * is already there.
 */
export class Library {
  readonly path: string;
  readonly warnings: string[];
  /** Opened read-only (asked for, or the file or its folder cannot be written): every change is refused. */
  readonly readOnly: boolean;
  private readonly store: LibraryStore;
  private readonly indexer: LibraryIndexer;
  private readonly importer: LibraryImporter;

  private constructor(store: LibraryStore) {
    this.store = store;
    this.path = store.path;
    this.warnings = store.warnings;
    this.readOnly = store.readOnly;
    this.indexer = new LibraryIndexer(store);
    this.importer = new LibraryImporter(store, this.indexer);
  }

  static open(path: string, opts: LibraryOpenOptions = {}): Library {
    return new Library(LibraryStore.open(path, opts));
  }

  private get db(): Database.Database {
    return this.store.db;
  }

  private get user(): string {
    return this.store.user;
  }

  /** The store's one write discipline (see LibraryStore.write). */
  private write<T>(fn: () => T): T {
    return this.store.write(fn);
  }

  close(): void {
    this.store.close();
  }

  /** The database handle, for the store's own modules (matching, tests). Not part of the app's API. */
  get database(): Database.Database {
    return this.store.db;
  }

  /** Appends to the audit log (inside the caller's write); returns the entry's id. */
  private audit(action: string, detail: unknown): number {
    return this.store.audit(action, detail);
  }

  private changed(): void {
    this.store.changed();
  }

  info(): StoredLibraryInfo {
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


  // ----- import (importer.ts) -------------------------------------------------------------------------------

  /** See LibraryImporter.importPaths. */
  importPaths(paths: readonly string[], opts: ImportOptions = {}): Promise<ImportReport> {
    return this.importer.importPaths(paths, opts);
  }

  /** See LibraryImporter.addSpectrum. */
  addSpectrum(spectrum: Spectrum, opts: AddSpectrumOptions): Promise<{ substanceId: number; spectrumId: number; createdSubstance: boolean }> {
    return this.importer.addSpectrum(spectrum, opts);
  }

  /** See LibraryImporter.importPack. */
  importPack(packPath: string): { added: number; duplicates: number } {
    return this.importer.importPack(packPath);
  }

  /** See LibraryImporter.mergeFrom. */
  mergeFrom(otherLibraryPath: string): MergeFromReport {
    return this.importer.mergeFrom(otherLibraryPath);
  }

  // ----- read -----------------------------------------------------------------------------------------------

  private summary(row: SubstanceRow, count: number): StoredSubstanceSummary {
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

  getSubstance(id: number): StoredSubstanceDetail {
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
    return this.store.purgeRemoved(olderThanMs);
  }


  renameSubstance(id: number, name: string): void {
    this.editSubstance(id, { name });
  }

  editSubstance(id: number, patch: StoredSubstancePatch): StoredSubstanceDetail {
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
  mergeSubstances(intoId: number, fromIds: readonly number[]): { substance: StoredSubstanceDetail; undoToken: UndoToken } {
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

  // ----- instruments ----------------------------------------------------------------------------------------

  listInstruments(): Instrument[] {
    return instruments.listInstruments(this.db);
  }

  /** Adds an instrument or updates the serial, laser and recognition rules of the one with that name. */
  saveInstrument(inst: NewInstrument): Instrument {
    let saved: Instrument | undefined;
    this.write(() => {
      saved = instruments.saveInstrument(this.db, inst, now());
      this.audit('save-instrument', saved);
    });
    return saved!;
  }

  /** Stores an accepted fit as the newest calibration of `instrument` (created when new). */
  addCalibration(instrument: NewInstrument, fit: CalibrationFit, files: string[]): Calibration {
    let id = 0;
    this.write(() => {
      const inst = instruments.findInstrument(this.db, instrument.name) ?? instruments.saveInstrument(this.db, instrument, now());
      id = instruments.addCalibration(this.db, inst.id, fit, files, now());
      this.audit('calibrate', { instrument: inst.name, calibrationId: id, standard: fit.standard, rms: fit.rms, files });
    });
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

  /** A stored row as a spectrum: raw, or derived through the calibration it was imported with. */
  private derive(row: { x: Buffer; y: Buffer; meta: string; calibration_id: number | null }): Spectrum {
    return this.store.derive(row);
  }

  // ----- vectors (indexer.ts, store.ts) ---------------------------------------------------------------------

  /** See LibraryIndexer.embeddingStatus. */
  embeddingStatus(modelOrKey: EmbeddingModel | string): StoredEmbeddingStatus {
    return this.indexer.embeddingStatus(modelOrKey);
  }

  /** See LibraryIndexer.recomputeEmbeddings. */
  recomputeEmbeddings(model: EmbeddingModel, opts: FillVectorsOptions = {}): Promise<FillVectorsReport> {
    return this.indexer.recomputeEmbeddings(model, opts);
  }

  /** How many spectra lack a vector under (modelId, pipelineHash). */
  missingVectors(key: VectorKey): number {
    return this.indexer.missingVectors(key);
  }

  /** The one indexer (see LibraryIndexer.fillVectors). */
  fillVectors(key: VectorKey, compute: ComputeVectors, opts: FillVectorsOptions = {}): Promise<FillVectorsReport> {
    return this.indexer.fillVectors(key, compute, opts);
  }

  /** See LibraryStore.dropVectorsExcept. */
  dropVectorsExcept(modelId: string, keep: readonly string[]): number {
    return this.store.dropVectorsExcept(modelId, keep);
  }

  /** See LibraryIndexer.adoptLegacyVectors. */
  adoptLegacyVectors(model: EmbeddingModel): number {
    return this.indexer.adoptLegacyVectors(model);
  }

  /** Computes missing classic vectors (see LibraryIndexer.ensureClassicVectors). */
  ensureClassicVectors(): number {
    return this.indexer.ensureClassicVectors();
  }

  /** See LibraryStore.referenceVectors. */
  referenceVectors(modelId: string, pipelineHash: string): ReferenceVectors {
    return this.store.referenceVectors(modelId, pipelineHash);
  }

  /** The stored vector of one spectrum under a key, or undefined. */
  vectorOf(spectrumId: number, modelId: string, pipelineHash: string): Float32Array | undefined {
    return this.store.vectorOf(spectrumId, modelId, pipelineHash);
  }

  // ----- checks and map (schema v2) -------------------------------------------------------------------------

  /** Every non-removed spectrum's raw data with its substance, in id order (what the library checks read). */
  iterateSpectra(): ReturnType<LibraryStore['iterateSpectra']> {
    return this.store.iterateSpectra();
  }

  /** Every non-removed reference as matching sees it, with its substance, in id order (see LibraryStore.references). */
  references(): ReturnType<LibraryStore['references']> {
    return this.store.references();
  }
  /** Keys of the check findings a user dismissed (src-core/matching/libraryChecks.ts findingKey). */
  dismissedFindings(): Set<string> {
    return new Set((this.db.prepare('SELECT finding_key FROM check_dismissals').all() as Array<{ finding_key: string }>).map((r) => r.finding_key));
  }

  /** Dismisses (or, with `dismissed: false`, restores) a check finding; kept in the library. */
  setFindingDismissed(key: string, dismissed: boolean): void {
    if (typeof key !== 'string' || !/^(mislabelled|duplicate|quality|spread):\d+(,\d+)*$/.test(key)) throw new SpecmatchError('E_PARAM', `'${String(key)}' is not a check finding key`);
    this.write(() => {
      if (dismissed) this.db.prepare('INSERT OR REPLACE INTO check_dismissals (finding_key, at, user) VALUES (?, ?, ?)').run(key, now(), this.user);
      else this.db.prepare('DELETE FROM check_dismissals WHERE finding_key = ?').run(key);
      this.audit(dismissed ? 'dismiss-finding' : 'restore-finding', { key });
    });
  }

  /**
   * Moves one spectrum to another substance (a relabel: e.g. a likely mislabelled reference to the substance its
   * neighbours belong to). Returns the substance it came from, so the move can be undone by moving it back.
   */
  moveSpectrum(spectrumId: number, toSubstanceId: number): { fromSubstanceId: number } {
    const info = this.getSpectrumInfo(spectrumId);
    this.substanceRow(toSubstanceId);
    this.write(() => {
      this.db.prepare('UPDATE spectra SET substance_id = ? WHERE id = ?').run(toSubstanceId, spectrumId);
      this.audit('move-spectrum', { spectrumId, from: info.substanceId, to: toSubstanceId });
    });
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
    this.write(() => {
      holder = Number(
        this.db
          .prepare('INSERT INTO substances (name, notes, created_at, updated_at, removed_at) VALUES (?, ?, ?, ?, ?)')
          .run(from.name, `removed spectrum ${spectrumId} of substance ${from.id}`, t, t, t).lastInsertRowid,
      );
      this.db.prepare('UPDATE spectra SET substance_id = ? WHERE id = ?').run(holder, spectrumId);
      this.audit('remove-spectrum', { spectrumId, substanceId: from.id, name: from.name });
    });
    this.changed();
    return `spectrum:${spectrumId}:${from.id}:${holder}@${t}`;
  }

  private undoRemoveSpectrum(token: string): { substanceId: number } | null {
    const m = /^spectrum:(\d+):(\d+):(\d+)@(.+)$/.exec(token);
    if (!m) return null;
    const [spectrumId, fromId, holder] = [Number(m[1]), Number(m[2]), Number(m[3])];
    this.write(() => {
      const h = this.db.prepare('SELECT id FROM substances WHERE id = ? AND removed_at = ?').get(holder, m[4]);
      if (!h) throw new SpecmatchError('E_NOT_FOUND', `cannot undo: spectrum ${spectrumId} is no longer in the removed items (purged or already restored)`);
      this.substanceRow(fromId);
      this.db.prepare('UPDATE spectra SET substance_id = ? WHERE id = ? AND substance_id = ?').run(fromId, spectrumId, holder);
      this.db.prepare('DELETE FROM substances WHERE id = ?').run(holder);
      this.audit('undo-remove-spectrum', { spectrumId, substanceId: fromId });
    });
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
    this.write(() =>
      this.db
        .prepare('INSERT OR REPLACE INTO map_cache (model_id, pipeline_hash, params, ids_hash, spectrum_ids, points, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(modelId, pipelineHash, entry.params, entry.idsHash, Buffer.from(entry.spectrumIds.buffer, entry.spectrumIds.byteOffset, entry.spectrumIds.byteLength), floatBlob(entry.points), now()),
    );
  }
}
