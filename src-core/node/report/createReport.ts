import { createHash } from 'node:crypto';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { toSpecmatchError } from '../../errors.js';
import { readSpectra } from '../../formats/readSpectra.js';
import { defaultMethodFor, matchMethod } from '../../matching/methods.js';
import type { MatchOptions, MatchRequest, MatchResult } from '../../matching/types.js';
import type { Pipeline } from '../../preprocess/pipeline.js';
import { canonicalJsonHash, validatePipeline } from '../../preprocess/pipeline.js';
import { linearAxis } from '../../preprocess/resampleLinear.js';
import { makeVectorizer } from '../../preprocess/vectorizer.js';
import type { ReportEntry, ReportInput, ReportMethod, ReportOverlay, ReportPipelineStep } from '../../report/ReportInput.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { Library } from '../library/Library.js';
import { classicVectorizerFor, modelVectorsFor, runMatchRequest } from '../library/matchLibrary.js';
import { describeCalibration } from '../../calibration/profile.js';
import type { InstrumentChoice } from '../../calibration/profile.js';
import { matchMixture } from '../library/mixtureLibrary.js';

/**
 * Gathers everything a report shows: reads each query's bytes, matches every spectrum it holds against the library
 * with the same MatchRequest as `specmatch match` and the app (method, analyst's pipeline, excluded ranges), and
 * draws the overlay from the vectors the scores were computed on. The CLI
 * (`specmatch report`) and the app's Export report… both call this, then one renderer.
 */
export interface ReportQueryFile {
  /** The name the user chose, shown verbatim. */
  fileName: string;
  bytes: Uint8Array;
  /** Set when the file could not be read at all (the report lists it as an error). */
  error?: { code: string; message: string };
  /** Only these spectra of the file (0-based; the app's batch table as filtered); default opts.spectrumIndex, else all. */
  spectra?: readonly number[];
}

export interface CreateReportOptions extends Omit<MatchOptions, 'topK'> {
  library: Library;
  model?: EmbeddingModel | null;
  topN?: number;
  title?: string;
  lab?: string;
  analyst?: string;
  notes?: string;
  appVersion: string;
  /** Defaults to the system time zone. */
  timeZone?: string;
  now?: Date;
  /** Only this spectrum of each file (0-based); default every spectrum. */
  spectrumIndex?: number;
  /** Instrument calibration applied to each query first (see Library.calibrate): undefined = recognised, 'none'. */
  instrument?: InstrumentChoice;
  /** Add a mixture analysis of each spectrum (components, fractions, fit, overlay). */
  mixture?: boolean;
}

function emptySpectrum(fileName: string): Spectrum {
  return { x: new Float64Array(0), y: new Float64Array(0), meta: { sourceFile: fileName, format: 'unknown', xKind: 'other', originalXUnit: '', position: { index: 0, count: 1 }, fields: {}, warnings: [] } };
}

const steps = (p: { steps: ReadonlyArray<{ kind: string; params: Record<string, unknown> }> }): ReportPipelineStep[] => p.steps.map((s) => ({ kind: s.kind, params: { ...s.params } }));

/** What the Method section prints: taken from a result (what was computed), or from the options when none matched. */
export function reportMethod(lib: Library, model: EmbeddingModel | null | undefined, opts: MatchOptions, result: MatchResult | undefined): ReportMethod {
  const info = lib.info();
  const library = { name: info.name, path: info.path, version: `schema v${info.schemaVersion}`, substances: info.substances, spectra: info.spectra };
  const spec = matchMethod(result?.method ?? opts.method ?? defaultMethodFor(model?.manifest));
  const analyst = result ? result.analystPipeline : opts.pipeline && opts.pipeline.steps.length ? validatePipeline(opts.pipeline) : null;
  const used = result?.vectors[0] ?? (spec.vectors === 'classic' || !model ? { modelId: 'classic', ...classicVectors(analyst) } : modelVectorsFor(model, analyst));
  const base = {
    method: spec.id,
    methodLabel: spec.description,
    pipeline: { name: used.modelId === 'classic' ? 'classic vectors' : `model ${used.modelId} input`, hash: used.hash, steps: steps(used.pipeline) },
    analystPipeline: analyst ? steps(analyst) : null,
    exclude: result?.exclude ?? opts.exclude ?? [],
    calibrated: result?.calibrated ?? analyst === null,
    library,
  };
  if (spec.vectors !== 'classic' && model) {
    const m = model.manifest;
    return { ...base, model: { id: m.id, version: m.version, manifestHash: canonicalJsonHash(m), backend: model.backend } };
  }
  return base;
}

function classicVectors(analyst: Pipeline | null): { pipeline: Pipeline; hash: string } {
  const v = classicVectorizerFor(analyst);
  return { pipeline: v.pipeline, hash: v.hash };
}

/**
 * The overlay from the vectors the scores were computed on: the query through the result's first pipeline, the
 * references' vectors as stored under its hash (classic methods) or through the same pipeline (a model's input).
 */
function plotVectors(lib: Library, query: Spectrum, result: MatchResult): { queryVector: Spectrum; overlays: ReportOverlay[] } {
  const used = result.vectors[0]!;
  const vz = makeVectorizer(used.pipeline);
  const axis = linearAxis(vz.axis.from, vz.axis.to, vz.axis.points);
  const asSpectrum = (y: Float32Array, like: Spectrum): Spectrum => ({ x: axis, y: Float64Array.from(y), meta: like.meta });
  const overlays = result.matches.slice(0, 3).flatMap((m) => {
    const ref = lib.getSpectrum(m.spectrumId);
    let v = used.modelId === 'classic' ? lib.vectorOf(m.spectrumId, 'classic', used.hash) : undefined;
    try {
      v ??= vz.apply(ref);
    } catch {
      return [];
    }
    return [{ rank: m.rank, substance: m.substance, spectrum: asSpectrum(v, ref) }];
  });
  return { queryVector: asSpectrum(vz.apply(query), query), overlays };
}

export async function createReport(files: readonly ReportQueryFile[], opts: CreateReportOptions): Promise<ReportInput> {
  const topN = opts.topN ?? 10;
  const entries: ReportEntry[] = [];
  const match: MatchOptions = {
    ...(opts.method ? { method: opts.method } : {}),
    topK: topN,
    ...(opts.exclude ? { exclude: opts.exclude } : {}),
    ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
  };
  let first: MatchResult | undefined;
  const calibrations = new Set<string>();
  for (const file of files) {
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    if (file.error) {
      entries.push({ query: { fileName: file.fileName, sha256: '', format: 'unknown', index: 0, count: 1, spectrum: emptySpectrum(file.fileName) }, error: file.error, overlays: [] });
      continue;
    }
    let spectra: Spectrum[];
    let format: string;
    try {
      const r = readSpectra(file.bytes, file.fileName);
      spectra = r.spectra;
      format = r.format;
    } catch (err) {
      entries.push({ query: { fileName: file.fileName, sha256, format: 'unknown', index: 0, count: 1, spectrum: emptySpectrum(file.fileName) }, error: toSpecmatchError(err, { file: file.fileName }).toInfo(), overlays: [] });
      continue;
    }
    const indices = file.spectra ?? (opts.spectrumIndex === undefined ? spectra.map((_, i) => i) : [opts.spectrumIndex]);
    for (const i of indices) {
      let spectrum = spectra[i];
      try {
        if (spectrum) spectrum = opts.library.calibrate(spectrum, opts.instrument);
      } catch (err) {
        const q = { fileName: file.fileName, sha256, format, index: i, count: spectra.length, spectrum: spectrum! };
        entries.push({ query: q, error: toSpecmatchError(err, { file: file.fileName }).toInfo(), overlays: [] });
        continue;
      }
      if (spectrum?.meta.calibration) calibrations.add(describeCalibration(spectrum.meta.calibration));
      const query = { fileName: file.fileName, sha256, format, index: i, count: spectra.length, spectrum: spectrum ?? emptySpectrum(file.fileName) };
      if (!spectrum) {
        entries.push({ query, error: { code: 'E_PARAM', message: `${file.fileName}: holds ${spectra.length} spectra, there is no spectrum ${i + 1}` }, overlays: [] });
        continue;
      }
      try {
        const request: MatchRequest = { ...match, spectrum };
        const result = await runMatchRequest(opts.library, request, { model: opts.model ?? null });
        first ??= result;
        const entry: ReportEntry = { query, result, ...plotVectors(opts.library, spectrum, result) };
        if (opts.mixture) {
          try {
            entry.mixture = await matchMixture(opts.library, spectrum, { curves: true, ...(opts.exclude ? { exclude: opts.exclude } : {}), ...(opts.pipeline ? { pipeline: opts.pipeline } : {}) });
          } catch (err) {
            entry.mixtureError = toSpecmatchError(err, { file: file.fileName }).toInfo();
          }
        }
        entries.push(entry);
      } catch (err) {
        entries.push({ query, error: toSpecmatchError(err, { file: file.fileName }).toInfo(), overlays: [] });
      }
    }
  }
  const method = reportMethod(opts.library, opts.model, match, first);
  method.calibration = calibrations.size ? [...calibrations] : [opts.instrument === 'none' ? 'none (raw instrument axis, --instrument none)' : 'none (no instrument profile recognised the queries)'];
  return {
    title: opts.title ?? 'Raman identification report',
    ...(opts.lab ? { lab: opts.lab } : {}),
    ...(opts.analyst ? { analyst: opts.analyst } : {}),
    ...(opts.notes ? { notes: opts.notes } : {}),
    generatedAt: opts.now ?? new Date(),
    timeZone: opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    appVersion: opts.appVersion,
    topN,
    method,
    entries,
  };
}
