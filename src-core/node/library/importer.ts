import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { applyCalibration } from '../../calibration/profile.js';
import type { Calibration, InstrumentChoice } from '../../calibration/profile.js';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../errors.js';
import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, classicVector } from '../../matching/classicAxis.js';
import type { ImportFileResult, ImportReport, MergeFromReport } from '../../matching/libraryTypes.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { floatBlob } from './blobs.js';
import { expandImportPaths, readLeaves } from './importSources.js';
import type { ImportLeaf } from './importSources.js';
import { embedEach, modelKey } from './indexer.js';
import type { LibraryIndexer } from './indexer.js';
import * as instruments from './instruments.js';
import { decodePack } from './pack.js';
import { classicVectorOrWarn, parseImportFile } from './parseImportFile.js';
import type { ParsedFile } from './parseImportFile.js';
import { ParsePool } from './parsePool.js';
import { SCHEMA_VERSION } from './schema.js';
import { LibraryStore, SUBSTANCE_COLUMNS, cleanList, cleanName, elementText, jsonArray, now, spectrumColumns } from './store.js';
import type { SpectrumColumns, SubstanceRow, VectorKey } from './store.js';

/**
 * The library's importer: every way references come in (files, folders and zips; one spectrum; a bundled pack;
 * another library) ends in one sequence, `insertReferences`: dedupe by identity → find or create the substance →
 * insert the spectrum → store the vectors computed with it, in one transaction per batch. Vectors it could not
 * compute are filled later by the indexer (indexer.ts).
 */

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

/** The substance a new reference belongs to: an existing one of that exact name, else one created with these fields. */
export interface NewSubstance {
  name: string;
  formula: string | null;
  /** JSON array. @default '[]' */
  aliases?: string;
  cas?: string | null;
  /** JSON array. @default '[]' */
  tags?: string;
  notes?: string;
  /** @default parsed from the formula */
  elements?: string;
}

/** One reference to insert: the spectrum's columns, its substance and the vectors computed with it. */
export interface NewReference {
  columns: SpectrumColumns;
  substance: NewSubstance;
  /** References with the same key go to one substance within a call. @default the substance's name */
  substanceKey?: string;
  vectors: Array<{ key: VectorKey; vector: Float32Array | Buffer }>;
  /** The calibration its vectors were computed through (the stored x/y stay raw). */
  calibrationId?: number;
}

export interface InsertReferencesOptions {
  /** A reference already present (same identity, not removed): 'skip' counts it a duplicate, 'refuse' throws E_PARAM. */
  duplicates: 'skip' | 'refuse';
  /** Called inside the transaction when a reference goes to an existing substance found by its name. */
  onMatched?(substanceId: number, ref: NewReference): void;
  /** Called inside the transaction after the inserts (the audit entry). */
  then?(outcome: InsertOutcome): void;
}

export interface InsertOutcome {
  /** Per reference: its new spectrum id, or null for a duplicate. */
  spectrumIds: Array<number | null>;
  substanceIds: Array<number | null>;
  /** Per reference: whether its substance was created by this call for it. */
  createdSubstance: boolean[];
  substancesCreated: number;
  substancesMatched: number;
}

/**
 * The one insert sequence: for each reference, dedupe by identity (a copy held by a removed substance is replaced:
 * the file comes back as new), find its substance by name or create it, insert the spectrum, store its vectors.
 * One write (transaction); outcomes are returned, not applied to outside state, because the write may run again
 * after a busy retry.
 */
export function insertReferences(store: LibraryStore, refs: readonly NewReference[], opts: InsertReferencesOptions): InsertOutcome {
  const db = store.db;
  const existing = db.prepare('SELECT s.id, b.removed_at, b.name FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE s.file_sha256 = ? AND s.file_index = ?');
  const delSpectrum = db.prepare('DELETE FROM spectra WHERE id = ?');
  const findSubstance = db.prepare('SELECT id FROM substances WHERE name = ? AND removed_at IS NULL ORDER BY id LIMIT 1');
  const insSubstance = db.prepare('INSERT INTO substances (name, aliases, formula, cas, tags, notes, elements, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  return store.write(() => {
    const out: InsertOutcome = { spectrumIds: [], substanceIds: [], createdSubstance: [], substancesCreated: 0, substancesMatched: 0 };
    const ids = new Map<string, number>();
    const t = now();
    for (const ref of refs) {
      const c = ref.columns;
      const prior = existing.get(c.file_sha256, c.file_index) as { id: number; removed_at: string | null; name: string } | undefined;
      if (prior && prior.removed_at === null) {
        if (opts.duplicates === 'refuse') throw new SpecmatchError('E_PARAM', `this spectrum is already in the library (reference of '${prior.name}')`);
        out.spectrumIds.push(null);
        out.substanceIds.push(null);
        out.createdSubstance.push(false);
        continue;
      }
      if (prior) delSpectrum.run(prior.id);
      const key = ref.substanceKey ?? ref.substance.name;
      let sid = ids.get(key);
      let created = false;
      if (sid === undefined) {
        const found = findSubstance.get(ref.substance.name) as { id: number } | undefined;
        if (found) {
          sid = found.id;
          out.substancesMatched++;
          opts.onMatched?.(found.id, ref);
        } else {
          const s = ref.substance;
          sid = Number(insSubstance.run(s.name, s.aliases ?? '[]', s.formula, s.cas ?? null, s.tags ?? '[]', s.notes ?? '', s.elements ?? elementText(s.formula), t, t).lastInsertRowid);
          out.substancesCreated++;
          created = true;
        }
        ids.set(key, sid);
      }
      const spectrumId = store.insertSpectrum(sid, c, t, ref.calibrationId ?? null);
      for (const v of ref.vectors) store.putVectors(v.key, [spectrumId], [v.vector]);
      out.spectrumIds.push(spectrumId);
      out.substanceIds.push(sid);
      out.createdSubstance.push(created);
    }
    opts.then?.(out);
    return out;
  });
}

const CLASSIC_KEY: VectorKey = { modelId: CLASSIC_MODEL_ID, pipelineHash: CLASSIC_PIPELINE_HASH };

/** A parsed spectrum waiting for its batch's insert: what the import computed outside the transaction. */
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

export class LibraryImporter {
  constructor(
    private readonly store: LibraryStore,
    private readonly indexer: LibraryIndexer,
  ) {}

  /**
   * Imports files, folders and .zip archives. Every file is read and parsed outside the transaction; each batch of
   * files is then inserted in one transaction. A file that cannot be read is listed in `errors` and the batch goes
   * on. Spectra already present (same file bytes and index) are counted as duplicates and skipped.
   */
  async importPaths(paths: readonly string[], opts: ImportOptions = {}): Promise<ImportReport> {
    const store = this.store;
    const started = performance.now();
    const nameOverride = opts.name === undefined ? undefined : cleanName(opts.name);
    if (opts.instrument !== undefined && opts.instrument !== 'none' && !instruments.latestCalibration(store.db, instruments.getInstrument(store.db, opts.instrument, store.path).id)) {
      throw new SpecmatchError('E_CALIBRATION', `${store.path}: instrument '${opts.instrument}' has no calibration yet`, { file: store.path });
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
          if (start === 0) this.indexer.adoptLegacyVectors(opts.model);
          const vectors = await embedEach(opts.model, pending.map((p) => this.derivedOf(p)));
          pending.forEach((p, i) => {
            const v = vectors[i]!;
            if (v instanceof Float32Array) p.embedding = v;
            else (p.result.warnings ??= []).push(`spectrum ${p.index}: not embedded with ${opts.model!.manifest.id} (${v.message}); it is matched by the classic methods only`);
          });
        }
        const created = this.insertPending(pending, opts.model ? modelKey(opts.model) : null);
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
      store.write(() =>
        store.audit('import', { paths, files: report.files, added: report.added, duplicates: report.duplicates, errors: report.errors.length, cancelled: report.cancelled }),
      );
    }
    return report;
  }

  /**
   * Inserts a batch of parsed spectra through `insertReferences` and counts each as added or duplicate in its
   * file's result. `key`: the key the pending embeddings belong to (null: none). Returns the substances created.
   */
  private insertPending(pending: PendingSpectrum[], key: VectorKey | null): number {
    if (pending.length === 0) return 0;
    const outcome = insertReferences(
      this.store,
      pending.map((p) => ({
        columns: spectrumColumns(p.spectrum, p.sha, p.index),
        substance: { name: p.substance, formula: p.formula },
        vectors: [...(p.classic ? [{ key: CLASSIC_KEY, vector: p.classic }] : []), ...(key && p.embedding ? [{ key, vector: p.embedding }] : [])],
        ...(p.calibrationId === undefined ? {} : { calibrationId: p.calibrationId }),
      })),
      { duplicates: 'skip' },
    );
    pending.forEach((p, i) => {
      if (outcome.spectrumIds[i] !== null) p.result.added++;
      else p.result.duplicates++;
    });
    this.store.changed();
    return outcome.substancesCreated;
  }

  /**
   * Adds one spectrum as a reference of `opts.substance` (created when no substance has that exact name). It is
   * matchable at once: its classic vector and, with a model, its embedding are stored in the same transaction.
   */
  async addSpectrum(spectrum: Spectrum, opts: AddSpectrumOptions): Promise<{ substanceId: number; spectrumId: number; createdSubstance: boolean }> {
    const store = this.store;
    const name = cleanName(opts.substance);
    if (spectrum.x.length < 3 || spectrum.x.length !== spectrum.y.length) throw new SpecmatchError('E_PARAM', `the spectrum must hold at least 3 points with as many x as y values`);
    if (spectrum.meta.xKind !== 'raman-shift') throw new SpecmatchError('E_PARAM', `the spectrum's x axis is ${spectrum.meta.xKind}, not Raman shift`);
    const sha = opts.fileSha256 ?? createHash('sha256').update(floatBlob(spectrum.x)).update(floatBlob(spectrum.y)).digest('hex');
    const index = opts.fileIndex ?? spectrum.meta.position.index;
    if (opts.model) this.indexer.adoptLegacyVectors(opts.model);
    const embedding = opts.model ? (await opts.model.embed([spectrum]))[0] : undefined;
    const classic = classicVector(spectrum);
    const tags = cleanList(opts.tags, 'tags');
    const outcome = insertReferences(
      store,
      [
        {
          columns: spectrumColumns(spectrum, sha, index),
          substance: { name, formula: opts.formula ?? spectrum.meta.fields['IDEAL CHEMISTRY'] ?? null, cas: opts.cas ?? null, tags: JSON.stringify(tags), notes: opts.notes ?? '' },
          vectors: [{ key: CLASSIC_KEY, vector: classic }, ...(opts.model && embedding ? [{ key: modelKey(opts.model), vector: embedding }] : [])],
        },
      ],
      {
        duplicates: 'refuse',
        then: (o) =>
          store.audit('add-spectrum', { substance: name, substanceId: o.substanceIds[0], spectrumId: o.spectrumIds[0], createdSubstance: o.createdSubstance[0], sourceFile: spectrum.meta.sourceFile }),
      },
    );
    store.changed();
    return { substanceId: outcome.substanceIds[0]!, spectrumId: outcome.spectrumIds[0]!, createdSubstance: outcome.createdSubstance[0]! };
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
    this.insertPending(pending, header.embeddings ? { modelId: header.embeddings.modelId, pipelineHash: header.embeddings.pipelineHash } : null);
    const added = pending.reduce((n, p) => n + p.result.added, 0);
    this.store.write(() => this.store.audit('import-pack', { pack: basename(packPath), name: header.name, added }));
    return { added, duplicates: pending.length - added };
  }

  /**
   * Merges another library into this one: substances matched by exact name (new ones created with their metadata,
   * matched ones get the other's aliases, tags and notes united in and a missing formula or CAS filled), spectra
   * added unless already present (same identity), with their stored vectors. One transaction.
   */
  mergeFrom(otherLibraryPath: string): MergeFromReport {
    const store = this.store;
    if (!existsSync(otherLibraryPath)) throw new SpecmatchError('E_LIBRARY', `${otherLibraryPath}: no such library`, { file: otherLibraryPath });
    const other = LibraryStore.open(otherLibraryPath, { readonly: true });
    const report: MergeFromReport = { substancesAdded: 0, substancesMatched: 0, spectraAdded: 0, duplicates: 0 };
    try {
      if ((other.db.pragma('user_version', { simple: true }) as number) !== SCHEMA_VERSION) {
        throw new SpecmatchError('E_LIBRARY', `${otherLibraryPath}: schema version differs; open it once with this Specmatch to migrate it`);
      }
      const odb = other.db;
      const subs = odb.prepare(`SELECT ${SUBSTANCE_COLUMNS} FROM substances WHERE removed_at IS NULL ORDER BY id`).all() as SubstanceRow[];
      const spectraOf = odb.prepare('SELECT * FROM spectra WHERE substance_id = ? ORDER BY id');
      const vectorsOf = odb.prepare('SELECT model_id, pipeline_hash, vector FROM embeddings WHERE spectrum_id = ?');
      const refs: NewReference[] = [];
      const sourceOf = new Map<NewReference, SubstanceRow>();
      for (const s of subs) {
        for (const r of spectraOf.all(s.id) as Array<SpectrumColumns & { id: number }>) {
          const ref: NewReference = {
            // The other library's calibration ids mean nothing here: the row is copied without one, as before.
            columns: {
              file_sha256: r.file_sha256,
              file_index: r.file_index,
              source_file: r.source_file,
              format: r.format,
              laser_nm: r.laser_nm,
              instrument: r.instrument,
              sample_id: r.sample_id,
              x_kind: r.x_kind,
              points: r.points,
              x_min: r.x_min,
              x_max: r.x_max,
              x: r.x,
              y: r.y,
              meta: r.meta,
            },
            substance: { name: s.name, formula: s.formula, aliases: s.aliases, cas: s.cas, tags: s.tags, notes: s.notes, elements: s.elements },
            substanceKey: `other:${s.id}`,
            vectors: (vectorsOf.all(r.id) as Array<{ model_id: string; pipeline_hash: string; vector: Buffer }>).map((v) => ({ key: { modelId: v.model_id, pipelineHash: v.pipeline_hash }, vector: v.vector })),
          };
          refs.push(ref);
          sourceOf.set(ref, s);
        }
      }
      const db = store.db;
      const outcome = insertReferences(store, refs, {
        duplicates: 'skip',
        // The other library's aliases, tags and notes are kept (united), not dropped.
        onMatched: (id, ref) => {
          const s = sourceOf.get(ref)!;
          const mine = db.prepare(`SELECT ${SUBSTANCE_COLUMNS} FROM substances WHERE id = ?`).get(id) as SubstanceRow;
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
            id,
          );
        },
        then: (o) => {
          const added = o.spectrumIds.filter((id) => id !== null).length;
          store.audit('merge-from', { path: otherLibraryPath, substancesAdded: o.substancesCreated, substancesMatched: o.substancesMatched, spectraAdded: added, duplicates: refs.length - added });
        },
      });
      report.substancesAdded = outcome.substancesCreated;
      report.substancesMatched = outcome.substancesMatched;
      report.spectraAdded = outcome.spectrumIds.filter((id) => id !== null).length;
      report.duplicates = refs.length - report.spectraAdded;
    } finally {
      other.close();
    }
    store.changed();
    return report;
  }

  /** Applies the import's instrument calibration to a parsed spectrum: classic vector from the derived spectrum. */
  private calibratePending(p: PendingSpectrum, choice: InstrumentChoice): PendingSpectrum {
    let cal: Calibration | null;
    try {
      cal = instruments.calibrationFor(this.store.db, p.spectrum.meta, choice);
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
    const cal = instruments.calibrationById(this.store.db, p.calibrationId);
    return cal ? applyCalibration(p.spectrum, cal) : p.spectrum;
  }
}
