import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { SpecmatchError } from '../../errors.js';
import type {
  FilePayload,
  ImportFileError,
  JobInfo,
  LibraryFindings,
  LibraryInfo,
  MapResult,
  MapRunRequest,
  MatchRequest,
  MixtureRequest,
  SubtractionVectors,
  ModelInfo,
  CalibrationFitRequest,
  CalibrationFitView,
  InstrumentSaveRequest,
  InstrumentSummary,
  ReadSpectraResult,
  ReportRequest,
  SubstanceDetail,
  SubstanceList,
  SubstancePatch,
  SubstanceSummary,
  TrainRequest,
} from '../../ipc/contract.js';
import type { LibraryFinding } from '../../matching/libraryChecks.js';
import type { MatchResult } from '../../matching/types.js';
import { calibrateSpectra } from '../../calibration/calibrate.js';
import { nmToShift, STANDARD_IDS, standardById } from '../../calibration/standards.js';
import { applyXMap } from '../../calibration/xMap.js';
import type { StoredSubstanceDetail, StoredSubstanceSummary } from '../../matching/libraryTypes.js';
import { assessQuality } from '../../preprocess/quality.js';
import { resampleLinear, linearAxis } from '../../preprocess/resampleLinear.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { Library } from '../library/Library.js';
import { checkLibrary } from '../library/checkLibrary.js';
import { libraryMap } from '../library/libraryMap.js';
import type { LibraryMap } from '../../matching/libraryMap.js';
import { indexForMatch, pendingVectors, runMatchRequest } from '../library/matchLibrary.js';
import { matchMixture, subtractionVectors } from '../library/mixtureLibrary.js';
import type { MixtureResult } from '../../matching/mixtureTypes.js';
import { readSpectra } from '../../formats/readSpectra.js';
import { identifyMap } from '../map/identifyMap.js';
import type { MapReportSource } from '../report/mapReport.js';
import type { AppBackend, EventSink } from './AppBackend.js';
import type { JobContext, JobManager } from './JobManager.js';
import type { ModelProvider } from './ModelProvider.js';

/** Substances per list answer: a screenful many times over; the total tells the user to refine the search. */
const LIST_LIMIT = 500;

/** Points of a list thumbnail (enough to recognise a spectrum's shape at 72 px). */
const THUMBNAIL_POINTS = 64;

export interface LibraryBackendOptions {
  library: Library;
  models: ModelProvider;
  jobs: JobManager;
  emit: EventSink;
  appVersion: string;
}

/**
 * The app's backend over one open library: every channel's work, in the contract's terms, delegated to the
 * library (src-core/node/library), the matcher and the engine. The handler table calls it; Electron and the web
 * server share it.
 */
export class LibraryBackend implements AppBackend {
  private readonly library: Library;
  private readonly models: ModelProvider;
  private readonly jobs: JobManager;
  private readonly emit: EventSink;
  private readonly thumbnails = new Map<number, number[]>();
  private readonly appVersion: string;
  /** The last check's findings and the library state (info counts + time) they were computed on. */
  private lastCheck: { method: string; spectra: number; computedAt: string; generation: number; findings: LibraryFinding[] } | null = null;
  /** Bumped on every edit made through the backend: a check computed before an edit is stale. */
  private generation = 0;
  /** Results of the last few map jobs, by job id (a map of 10,000 pixels is about 1 MB here). */
  private readonly maps = new Map<string, MapResult>();
  /** What a map job's report needs (the phase map without the spectra), by job id, as long as its result is kept. */
  private readonly mapReports = new Map<string, MapReportSource>();

  constructor(opts: LibraryBackendOptions) {
    this.library = opts.library;
    this.models = opts.models;
    this.jobs = opts.jobs;
    this.emit = opts.emit;
    this.appVersion = opts.appVersion;
  }

  libraryInfo(): LibraryInfo {
    const info = this.library.info();
    const model = this.models.current();
    let embeddings: LibraryInfo['embeddings'] = { modelKey: null, upToDate: 0, stale: 0 };
    if (model) {
      const st = this.library.embeddingStatus(model);
      embeddings = { modelKey: model.key, upToDate: st.current, stale: st.missing };
    }
    // Only the file's base name: the web mode never shows server paths to the page.
    return {
      name: info.name || basename(info.path),
      substances: info.substances,
      spectra: info.spectra,
      embeddings,
      ...(this.library.readOnly ? { readOnly: true } : {}),
    };
  }

  private changed(): void {
    this.generation++;
    this.emit('library:changed', this.libraryInfo());
  }

  private thumbnail(spectrumId: number | undefined): number[] {
    if (spectrumId === undefined) return [];
    const hit = this.thumbnails.get(spectrumId);
    if (hit) return hit;
    const s = this.library.getSpectrum(spectrumId);
    const n = s.x.length;
    if (n < 2) return [];
    const grid = linearAxis(s.x[0]!, s.x[n - 1]!, THUMBNAIL_POINTS);
    // Max over each grid cell rather than point sampling, so narrow peaks survive the downsampling.
    const out = Array.from(resampleLinear(s.x, s.y, grid));
    const step = (s.x[n - 1]! - s.x[0]!) / (THUMBNAIL_POINTS - 1);
    for (let i = 0; i < n; i++) {
      const c = Math.min(THUMBNAIL_POINTS - 1, Math.round((s.x[i]! - s.x[0]!) / step));
      if (s.y[i]! > out[c]!) out[c] = s.y[i]!;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of out) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const thumb = out.map((v) => (hi > lo ? Number(((v - lo) / (hi - lo)).toFixed(3)) : 0));
    this.thumbnails.set(spectrumId, thumb);
    return thumb;
  }

  private summary(s: StoredSubstanceSummary, firstSpectrumId: number | undefined): SubstanceSummary {
    return {
      id: s.id,
      name: s.name,
      aliases: s.aliases,
      formula: s.formula,
      tags: s.tags,
      spectrumCount: s.spectra,
      thumbnail: this.thumbnail(firstSpectrumId),
    };
  }

  private detail(d: StoredSubstanceDetail): SubstanceDetail {
    return {
      ...this.summary(d, d.spectraList[0]?.id),
      cas: d.cas,
      notes: d.notes === '' ? null : d.notes,
      spectra: d.spectraList.map((sp) => ({
        id: sp.id,
        sourceFile: sp.sourceFile,
        sampleId: sp.sampleId,
        laserNm: sp.laserNm,
        format: sp.format,
        points: sp.points,
        xFrom: sp.xMin,
        xTo: sp.xMax,
        snr: this.snrOf(sp.id),
      })),
    };
  }

  private snrOf(spectrumId: number): number | null {
    const snr = assessQuality(this.library.getSpectrum(spectrumId)).snr;
    return Number.isFinite(snr) ? snr : null;
  }

  listSubstances(query: string | undefined): SubstanceList {
    const q = query?.trim() ?? '';
    // An element symbol (Cu, S, Fe) searches RRUFF's IDEAL CHEMISTRY as well as names.
    const page = this.library.listSubstances({ ...(q ? { query: q } : {}), limit: LIST_LIMIT });
    let items = page.items;
    let total = page.total;
    if (/^[A-Z][a-z]?$/.test(q)) {
      const byElement = this.library.listSubstances({ element: q, limit: LIST_LIMIT });
      const seen = new Set(items.map((i) => i.id));
      const extra = byElement.items.filter((i) => !seen.has(i.id));
      items = [...items, ...extra].slice(0, LIST_LIMIT);
      total += byElement.total - (byElement.items.length - extra.length);
    }
    return { total, items: items.map((s) => this.summary(s, this.library.getSubstance(s.id).spectraList[0]?.id)) };
  }

  getSubstance(id: number): SubstanceDetail {
    return this.detail(this.library.getSubstance(id));
  }

  getSpectrum(id: number): Spectrum {
    return this.library.getSpectrum(id);
  }

  async addSubstance(
    spectrum: Spectrum,
    name: string,
    sourceBytes: Uint8Array | undefined,
  ): Promise<{ substanceId: number; spectrumId: number }> {
    if (this.library.findSubstancesByName(name).length > 0) {
      throw new SpecmatchError(
        'E_PARAM',
        `a substance named '${name}' is already in the library: choose another name, or import the file to add a reference to it`,
      );
    }
    const r = await this.library.addSpectrum(spectrum, {
      substance: name,
      ...(sourceBytes
        ? {
            fileSha256: createHash('sha256').update(sourceBytes).digest('hex'),
            fileIndex: spectrum.meta.position.index,
          }
        : {}),
      model: this.models.current(),
    });
    this.changed();
    return { substanceId: r.substanceId, spectrumId: r.spectrumId };
  }

  editSubstance(id: number, patch: SubstancePatch): SubstanceDetail {
    const { notes, ...rest } = patch;
    const d = this.library.editSubstance(id, { ...rest, ...(notes === undefined ? {} : { notes: notes ?? '' }) });
    this.changed();
    return this.detail(d);
  }

  removeSubstance(id: number): { undoToken: string; name: string } {
    const name = this.library.getSubstance(id).name;
    const undoToken = this.library.removeSubstance(id);
    this.changed();
    return { undoToken, name };
  }

  undoRemove(token: string): { substanceId: number } {
    const r = this.library.undo(token);
    this.thumbnails.clear();
    this.changed();
    return r;
  }

  readSpectra(file: FilePayload): ReadSpectraResult {
    const r = readSpectra(file.bytes, file.name);
    const warnings = [...r.warnings];
    const spectra = r.spectra.map((s) => {
      try {
        return this.library.calibrate(s, undefined);
      } catch (err) {
        warnings.push(`${file.name}: not calibrated: ${(err as Error).message}`);
        return s;
      }
    });
    return { format: r.format, spectra, warnings };
  }

  listInstruments(): InstrumentSummary[] {
    return this.library.listInstruments().map((i) => this.instrumentSummary(i.name));
  }

  private instrumentSummary(name: string): InstrumentSummary {
    const inst = this.library.listInstruments().find((i) => i.name === name);
    if (!inst) throw new SpecmatchError('E_NOT_FOUND', `no instrument named '${name}'`);
    return {
      name: inst.name,
      serial: inst.serial,
      laserNm: inst.laserNm,
      recognise: inst.recognise,
      calibrations: this.library.calibrations(inst.name).map((c) => ({
        id: c.id,
        createdAt: c.createdAt,
        standard: c.standard,
        files: c.files,
        rms: c.rms,
        lines: c.lines.length,
        resolutionCm: c.resolutionCm,
        laserNm: c.laserNm,
        laserCorrectedNm: c.laserCorrectedNm,
      })),
    };
  }

  saveInstrument(req: InstrumentSaveRequest): InstrumentSummary {
    const saved = this.library.saveInstrument(req);
    return this.instrumentSummary(saved.name);
  }

  /** The fit the CLI's `specmatch calibrate` makes for the same file, standard, laser and instrument. */
  fitCalibration(req: CalibrationFitRequest): CalibrationFitView {
    const std = standardById(req.standard);
    if (!std) throw new SpecmatchError('E_PARAM', `unknown standard '${req.standard}' (${STANDARD_IDS.join(', ')})`);
    const spectrum = readSpectra(req.file.bytes, req.file.name).spectra[0];
    if (!spectrum) throw new SpecmatchError('E_EMPTY', `${req.file.name}: no spectrum`);
    const inst = req.instrument ? this.library.listInstruments().find((i) => i.name === req.instrument) : undefined;
    const latest = inst ? this.library.latestCalibration(inst.name) : undefined;
    const base = std.kind === 'shift' && latest && standardById(latest.standard)?.kind === 'lamp' ? latest.xMap : null;
    const laserNm = req.laserNm ?? inst?.laserNm ?? undefined;
    const fit = calibrateSpectra([spectrum], std, { ...(laserNm ? { laserNm } : {}), base });
    const x = base
      ? applyXMap(base, spectrum.x)
      : spectrum.meta.xKind === 'wavelength' && fit.laser.nominalNm
        ? spectrum.x.map((v) => nmToShift(v, fit.laser.nominalNm!))
        : Float64Array.from(spectrum.x);
    return {
      fit,
      spectrum: {
        x,
        calibratedX: applyXMap(fit.map, spectrum.x),
        y: Float64Array.from(spectrum.y),
        sourceFile: spectrum.meta.sourceFile,
      },
      standard: { id: std.id, label: std.label, source: std.source },
    };
  }

  acceptCalibration(req: CalibrationFitRequest & { instrument: string }): InstrumentSummary {
    const view = this.fitCalibration(req);
    if (!view.fit.accepted)
      throw new SpecmatchError('E_CALIBRATION', `${req.file.name}: ${view.fit.reason ?? 'refused'}`, {
        file: req.file.name,
      });
    const known = this.library.listInstruments().find((i) => i.name === req.instrument);
    const spectrum = readSpectra(req.file.bytes, req.file.name).spectra[0]!;
    this.library.addCalibration(
      known
        ? { name: req.instrument }
        : {
            name: req.instrument,
            laserNm: view.fit.laser.nominalNm,
            recognise: spectrum.meta.instrument ? [{ field: 'instrument', contains: spectrum.meta.instrument }] : [],
          },
      view.fit,
      [basename(req.file.name)],
    );
    return this.instrumentSummary(req.instrument);
  }

  /**
   * The view's MatchRequest. With an analyst's pipeline whose reference vectors are not in the library yet, they
   * are computed first as a job (progress in the app's job list; the request waits for it).
   */
  async match(req: MatchRequest): Promise<MatchResult> {
    const model = this.models.current();
    const { spectrum, ...opts } = req;
    if (pendingVectors(this.library, { ...opts, model }) > 0) {
      const job = this.jobs.start('index', 'Processing the library with the query pipeline', async (ctx) => {
        ctx.progress({ phase: 'processing references' });
        const r = await indexForMatch(this.library, {
          ...opts,
          model,
          signal: ctx.signal,
          onIndexProgress: (done, total) => ctx.progress({ done, total, phase: 'processing references' }),
        });
        if (r.cancelled) throw new SpecmatchError('E_CANCELLED', `cancelled after ${r.computed} reference vectors (they are kept)`);
        return `${r.computed} reference vectors computed for the pipeline${r.failed ? `; ${r.failed} references could not be processed` : ''}`;
      });
      await this.jobs.settled(job.id);
      const done = this.jobs.list().find((j) => j.id === job.id);
      if (done && done.state !== 'done') throw new SpecmatchError(done.state === 'cancelled' ? 'E_CANCELLED' : 'E_PIPELINE', done.error?.message ?? 'processing the library with the pipeline failed');
    }
    return runMatchRequest(this.library, { ...opts, spectrum }, { model });
  }

  /**
   * Mixture analysis with the fit's curves (the Identify view's mixture panel): the panel's pipeline goes to the
   * query and to every reference, as for the match.
   */
  async mixture(req: MixtureRequest): Promise<MixtureResult> {
    return matchMixture(this.library, req.spectrum, {
      curves: true,
      ...(req.maxComponents === undefined ? {} : { maxComponents: req.maxComponents }),
      ...(req.exclude === undefined ? {} : { exclude: req.exclude }),
      ...(req.pipeline && req.pipeline.steps.length > 0 ? { pipeline: req.pipeline } : {}),
    });
  }

  mixtureVectors(req: { spectrum: Spectrum; spectrumId: number; pipeline?: MatchRequest['pipeline'] }): Promise<SubtractionVectors> {
    return subtractionVectors(this.library, req.spectrum, req.spectrumId, req.pipeline);
  }

  /**
   * Import files that arrived as bytes: they are written to a private temporary folder (relative paths kept, so a
   * folder's structure and zip names survive) and imported from there by the library's own import, which reads
   * folders and zips, reports per-file errors and commits in batches.
   */
  importFiles(files: FilePayload[]): JobInfo {
    const title = files.length === 1 ? `Importing ${files[0]!.name}` : `Importing ${files.length} files`;
    return this.jobs.start('import', title, async (ctx) => {
      const dir = await mkdtemp(join(tmpdir(), 'specmatch-import-'));
      try {
        ctx.progress({ phase: 'receiving', total: files.length, done: 0 });
        const used = new Set<string>();
        const refused: ImportFileError[] = [];
        for (const f of files) {
          // A name this file system cannot hold (a file and a folder of the same name, an over-long name) fails
          // that file only, with a message that names the file as the page sent it, never the server's folder.
          const rel = safeRelative(f.name, used);
          try {
            const dest = join(dir, rel);
            await mkdir(dirname(dest), { recursive: true });
            await writeFile(dest, f.bytes, { flag: 'wx' });
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            const why =
              code === 'ENAMETOOLONG'
                ? 'the name is too long'
                : code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR'
                  ? 'another file of the import has the same name as its folder'
                  : code === 'ENOSPC'
                    ? 'the disk is full'
                    : `it cannot be stored (${code ?? 'error'})`;
            refused.push({ file: rel, code: 'E_READ', message: `${rel}: not imported: ${why}` });
          }
        }
        return await this.runImport([dir], dir + sep, ctx, refused);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  /**
   * Import files, folders or zips the user chose in a native dialog (Electron's main process only: the renderer
   * and the web mode never pass paths).
   */
  importPaths(paths: string[]): JobInfo {
    const title = paths.length === 1 ? `Importing ${basename(paths[0]!)}` : `Importing ${paths.length} items`;
    return this.jobs.start('import', title, (ctx) => this.runImport(paths, '', ctx));
  }

  private async runImport(paths: string[], hidePrefix: string, ctx: JobContext, refused: ImportFileError[] = []): Promise<string> {
    const shown = (file: string): string =>
      hidePrefix && file.startsWith(hidePrefix) ? file.slice(hidePrefix.length) : file;
    const report = await this.library.importPaths(paths, {
      signal: ctx.signal,
      model: this.models.current(),
      onProgress: (done, total, file) => ctx.progress({ done, total, phase: shown(file) }),
    });
    for (const e of refused) ctx.fileError(e);
    for (const e of report.errors)
      ctx.fileError({
        file: shown(e.file),
        code: e.code,
        message: hidePrefix ? e.message.split(hidePrefix).join('') : e.message,
      });
    this.changed();
    const parts = [`${report.added} spectra imported from ${report.files} files`];
    if (report.duplicates > 0) parts.push(`${report.duplicates} already in the library`);
    if (report.substancesCreated > 0) parts.push(`${report.substancesCreated} new substances`);
    const failed = report.errors.length + refused.length;
    if (failed > 0) parts.push(`${failed} files could not be read`);
    if (report.cancelled)
      throw new SpecmatchError(
        'E_CANCELLED',
        `import cancelled after ${report.added} spectra (they stay in the library)`,
      );
    return parts.join(', ');
  }

  reembed(): JobInfo {
    const model = this.models.current();
    if (!model) throw new SpecmatchError('E_MODEL', 'no model is loaded: there are no embeddings to compute');
    return this.startReembed(model.manifest.id);
  }

  /**
   * At start: when the current model lacks embeddings of some library spectra (a new model, or a library made from
   * the bundled pack, which ships none), compute them as a background job, so the first Siamese or fused match does
   * not wait for the whole library. Returns the job, or null when nothing is missing.
   */
  embedMissingInBackground(): JobInfo | null {
    const model = this.models.current();
    if (!model || this.library.embeddingStatus(model).missing === 0) return null;
    return this.startReembed(model.manifest.id);
  }

  private startReembed(modelId: string): JobInfo {
    return this.jobs.start('embed', `Computing embeddings for ${modelId}`, async (ctx) => {
      const model = this.models.current();
      if (!model) throw new SpecmatchError('E_MODEL', 'the model was unloaded');
      ctx.progress({ phase: 'embedding' });
      const r = await this.library.recomputeEmbeddings(model, {
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress({ done, total, phase: 'embedding' }),
      });
      this.changed();
      if (r.cancelled)
        throw new SpecmatchError('E_CANCELLED', `cancelled after ${r.computed} embeddings (they are kept)`);
      return r.computed === 0 ? 'all embeddings were already up to date' : `${r.computed} embeddings computed`;
    });
  }

  checkLibrary(): JobInfo {
    return this.jobs.start('check', 'Checking the library', async (ctx) => {
      const model = this.models.current();
      if (model && this.library.embeddingStatus(model.key).missing > 0) {
        ctx.progress({ phase: 'embedding' });
        await this.library.recomputeEmbeddings(model, { signal: ctx.signal, onProgress: (done, total) => ctx.progress({ done, total, phase: 'embedding' }) });
      }
      const generation = this.generation;
      ctx.progress({ phase: 'comparing references', done: 0 });
      const r = await checkLibrary(this.library, {
        model,
        includeDismissed: true,
        signal: ctx.signal,
        onProgress: (done, total) => {
          if (done % 100 === 0 || done === total) ctx.progress({ done, total, phase: 'comparing references' });
        },
      });
      this.lastCheck = { method: r.method, spectra: r.spectra, computedAt: new Date().toISOString(), generation, findings: r.findings };
      const open = r.findings.filter((f) => !f.dismissed);
      return `${open.length} findings in ${r.spectra} spectra${r.dismissed ? ` (${r.dismissed} dismissed)` : ''}`;
    });
  }

  mapLibrary(force: boolean): JobInfo {
    return this.jobs.start('library-map', 'Mapping the library', async (ctx) => {
      const model = this.models.current();
      if (model && this.library.embeddingStatus(model.key).missing > 0) {
        ctx.progress({ phase: 'embedding' });
        await this.library.recomputeEmbeddings(model, { signal: ctx.signal, onProgress: (done, total) => ctx.progress({ done, total, phase: 'embedding' }) });
      }
      ctx.progress({ phase: 'finding neighbours', done: 0 });
      const m = await libraryMap(this.library, {
        model,
        force,
        signal: ctx.signal,
        onProgress: (done, total, phase) => ctx.progress({ done, total, phase: phase === 'neighbours' ? 'finding neighbours' : 'laying out' }),
      });
      return m!.cached ? `map of ${m!.points.length} references (cached)` : `map of ${m!.points.length} references computed`;
    });
  }

  async libraryMapData(): Promise<LibraryMap | null> {
    return (await libraryMap(this.library, { model: this.models.current(), cacheOnly: true })) ?? null;
  }

  findings(): LibraryFindings {
    const c = this.lastCheck;
    if (!c) return { method: null, spectra: 0, computedAt: null, stale: false, findings: [] };
    const dismissed = this.library.dismissedFindings();
    return {
      method: c.method,
      spectra: c.spectra,
      computedAt: c.computedAt,
      stale: c.generation !== this.generation,
      findings: c.findings.map((f) => ({ ...f, dismissed: dismissed.has(f.key) })),
    };
  }

  dismissFinding(key: string, dismissed: boolean): LibraryFindings {
    this.library.setFindingDismissed(key, dismissed);
    return this.findings();
  }

  mergeSubstances(intoId: number, fromIds: number[]): SubstanceDetail {
    const d = this.library.mergeSubstances(intoId, fromIds);
    this.changed();
    return this.detail(d.substance);
  }

  moveSpectrum(spectrumId: number, toSubstanceId: number): { fromSubstanceId: number } {
    const r = this.library.moveSpectrum(spectrumId, toSubstanceId);
    this.thumbnails.clear();
    this.changed();
    return r;
  }

  removeSpectrum(spectrumId: number): { undoToken: string; name: string } {
    const info = this.library.getSpectrumInfo(spectrumId);
    const name = this.library.getSubstance(info.substanceId).name;
    const undoToken = this.library.removeSpectrum(spectrumId);
    this.thumbnails.clear();
    this.changed();
    return { undoToken, name };
  }

  modelInfo(): ModelInfo {
    const m = this.models.current();
    const reason = this.models.unavailableReason();
    return {
      manifest: m?.manifest ?? null,
      backend: m?.backend ?? null,
      available: this.models.list(),
      ...(reason === undefined ? {} : { unavailableReason: reason }),
    };
  }

  async selectModel(modelId: string): Promise<{ model: ModelInfo; job: JobInfo | null }> {
    // An embedding job still running for the previous model (e.g. the one started with the app) is cancelled first:
    // what it computed is kept under that model's key, and the new model's job takes the slot.
    for (const j of this.jobs.list()) {
      if (j.kind === 'embed' && j.state === 'running') {
        this.jobs.cancel(j.id);
        await this.jobs.settled(j.id);
      }
    }
    const model = await this.models.select(modelId);
    const info = this.modelInfo();
    this.emit('model:changed', info);
    this.changed();
    const st = this.library.embeddingStatus(model);
    // Embeddings are never compared across model keys: switching starts recomputing what is missing.
    return { model: info, job: st.missing > 0 ? this.startReembed(model.manifest.id) : null };
  }

  train(req: TrainRequest): JobInfo {
    return this.jobs.start('train', `Training a model (up to ${req.epochs} epochs)`, async (ctx) => {
      const out = await this.models.train(this.library, {
        epochs: req.epochs,
        signal: ctx.signal,
        onProgress: (done, total, phase) => ctx.progress({ done, total, phase }),
        onEpoch: (e) => ctx.epoch(e),
      });
      this.emit('model:changed', this.modelInfo());
      this.changed();
      return out.summary;
    });
  }

  runMap(req: MapRunRequest): JobInfo {
    // Read before the job starts: an unreadable file is answered at once, as for spectrum:read.
    const read = readSpectra(req.file.bytes, req.file.name);
    const n = read.spectra.length;
    const info = this.jobs.start('map', `Identifying ${n} spectra of ${req.file.name}`, async (ctx) => {
      ctx.progress({ phase: 'matching', done: 0, total: n });
      const model = this.models.current();
      const run = await identifyMap(this.library, read.spectra, {
        model,
        ...(req.method === undefined ? {} : { method: req.method }),
        ...(req.minScore === undefined ? {} : { minScore: req.minScore }),
        ...(req.snrMin === undefined ? {} : { snrMin: req.snrMin }),
        despike: req.despike === true,
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress({ done, total, phase: 'matching' }),
      });
      const { map } = run;
      this.maps.set(info.id, {
        width: map.layout.width,
        height: map.layout.height,
        kind: map.layout.kind,
        spectrumAt: Array.from(map.layout.spectrumAt),
        stepUm: map.layout.stepUm ?? null,
        rangeUm: map.layout.rangeUm ?? null,
        method: run.method,
        modelId: run.modelId ?? null,
        phases: map.phases.map((p) => ({ substance: p.substance, colour: [p.colour[0], p.colour[1], p.colour[2]], pixels: p.pixels, fraction: p.fraction, meanScore: p.meanScore })),
        phaseOf: Array.from(map.phaseOf),
        pixels: map.results.map((r) => ({ substance: r.substance, score: r.score, verdict: r.verdict, ...(r.spectrumId === undefined ? {} : { spectrumId: r.spectrumId }), ...(r.reason ? { reason: r.reason } : {}) })),
        unidentified: map.unidentified,
        lowSignal: map.lowSignal,
        spikes: run.spikes,
      });
      this.mapReports.set(info.id, { fileName: req.file.name, sha256: createHash('sha256').update(req.file.bytes).digest('hex'), format: read.format, identified: { ...run, spectra: [] }, despike: req.despike === true, ...(req.snrMin === undefined ? {} : { snrMin: req.snrMin }) });
      while (this.maps.size > 4) {
        const oldest = this.maps.keys().next().value!;
        this.maps.delete(oldest);
        this.mapReports.delete(oldest);
      }
      return `${n} spectra: ${map.phases.length} substance${map.phases.length === 1 ? '' : 's'} found, ${map.unidentified} unidentified`;
    });
    return info;
  }

  mapResult(jobId: string): MapResult {
    const r = this.maps.get(jobId);
    if (!r) throw new SpecmatchError('E_NOT_FOUND', `no finished map job ${jobId}`);
    return r;
  }

  /**
   * The PDF of `specmatch report` (same gathering, same renderer): one spectrum of a file, a batch of files (summary
   * page, then a page per query), or a finished map job's map page.
   */
  async renderReport(req: ReportRequest): Promise<{ fileName: string; bytes: Uint8Array }> {
    // Loaded on first use: PDFKit and its fonts are not needed to identify spectra.
    const [{ createReport }, { renderReportPdf }, { createMapReport }] = await Promise.all([
      import('../report/createReport.js'),
      import('../report/renderReportPdf.js'),
      import('../report/mapReport.js'),
    ]);
    const header = {
      appVersion: this.appVersion,
      ...(req.lab ? { lab: req.lab } : {}),
      ...(req.analyst ? { analyst: req.analyst } : {}),
      ...(req.notes ? { notes: req.notes } : {}),
    };
    const stemOf = (name: string): string => basename(name.replace(/\\/g, '/')).replace(/\.[^.]*$/, '') || 'spectrum';
    if (req.mapJobId !== undefined) {
      const src = this.mapReports.get(req.mapJobId);
      if (!src) throw new SpecmatchError('E_NOT_FOUND', `no finished map job ${req.mapJobId} (run the map again)`);
      const input = createMapReport(src, { library: this.library, model: this.models.current(), ...header });
      return { fileName: `${stemOf(src.fileName)}-map-report.pdf`, bytes: await renderReportPdf(input) };
    }
    const files = req.files ?? (req.file ? [{ ...req.file, spectra: [req.spectrumIndex ?? 0] }] : []);
    const input = await createReport(
      files.map((f) => ({ fileName: f.name, bytes: f.bytes, ...(f.spectra ? { spectra: f.spectra } : {}) })),
      {
        library: this.library,
        model: this.models.current(),
        ...header,
        ...(req.method === undefined ? {} : { method: req.method }),
        ...(req.topK === undefined ? {} : { topN: req.topK }),
        ...(req.exclude === undefined ? {} : { exclude: req.exclude }),
        ...(req.pipeline === undefined || req.pipeline === null ? {} : { pipeline: req.pipeline }),
        ...(req.mixture ? { mixture: true } : {}),
      },
    );
    const fileName = req.files ? `batch-${files.length}-files-report.pdf` : `${stemOf(files[0]?.name ?? '')}-report.pdf`;
    return { fileName, bytes: await renderReportPdf(input) };
  }

  versions(): { model: { id: string; version: string; backend: string } | null } {
    const m = this.models.current();
    return { model: m ? { id: m.manifest.id, version: m.manifest.version, backend: m.backend } : null };
  }

  async close(): Promise<void> {
    await this.jobs.shutdown();
    this.models.dispose();
    this.library.close();
  }
}

/**
 * A relative path inside the import folder for a name that came from the page: separators normalised, no
 * absolute paths, drive letters or '..' (a hostile name cannot write outside the folder), unique.
 */
export function safeRelative(name: string, used: Set<string>): string {
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .map((p) => p.replace(/[\p{Cc}:*?"<>|]/gu, '_').trim())
    .filter((p) => p !== '' && p !== '.' && p !== '..');
  let rel = parts.length > 0 ? parts.join('/') : 'file';
  if (used.has(rel)) {
    const dot = rel.lastIndexOf('.');
    const stem = dot > rel.lastIndexOf('/') + 0 && dot > 0 ? rel.slice(0, dot) : rel;
    const ext = stem === rel ? '' : rel.slice(dot);
    let i = 2;
    while (used.has(`${stem} (${i})${ext}`)) i++;
    rel = `${stem} (${i})${ext}`;
  }
  used.add(rel);
  return rel;
}
