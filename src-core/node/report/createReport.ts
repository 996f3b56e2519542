import { createHash } from 'node:crypto';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { toSpecmatchError } from '../../errors.js';
import { readSpectra } from '../../formats/readSpectra.js';
import { CLASSIC_PIPELINE, CLASSIC_PIPELINE_HASH } from '../../matching/classicAxis.js';
import type { MatchMethod } from '../../matching/types.js';
import { getPreset } from '../../preprocess/presets.js';
import { runPipeline } from '../../preprocess/pipeline.js';
import type { ReportEntry, ReportInput, ReportMethod, ReportPipelineStep } from '../../report/ReportInput.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { Library } from '../library/Library.js';
import { matchSpectrum } from '../library/matchLibrary.js';
import { matchMixture } from '../library/mixtureLibrary.js';

/**
 * Gathers everything a report shows: reads each query's bytes, matches every spectrum it holds against the library
 * with the same defaults as `specmatch match`, and fetches the top references for the overlay. The CLI
 * (`specmatch report`) and the app's Export report… both call this, then one renderer.
 */
export interface ReportQueryFile {
  /** The name the user chose, shown verbatim. */
  fileName: string;
  bytes: Uint8Array;
  /** Set when the file could not be read at all (the report lists it as an error). */
  error?: { code: string; message: string };
}

export interface CreateReportOptions {
  library: Library;
  model?: EmbeddingModel | null;
  method?: MatchMethod;
  topN?: number;
  exclude?: Array<[number, number]>;
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
  /** Add a mixture analysis of each spectrum (components, fractions, fit, overlay). */
  mixture?: boolean;
}

const METHOD_LABEL: Record<string, string> = {
  siamese: 'Siamese network similarity (one-shot)',
  fused: 'Siamese network fused with first-derivative correlation',
  'hqi-correlation': 'Correlation HQI (squared Pearson correlation)',
  'hqi-derivative': 'First-derivative correlation HQI',
  cosine: 'Cosine similarity',
  euclidean: 'Euclidean similarity of L2-normalised spectra',
};

/** The overlay is drawn after baseline removal (RRUFF's processing), so references and query compare by their bands. */
const DISPLAY_PRESET = 'rruff-processed';

function forDisplay(s: Spectrum): Spectrum {
  try {
    return runPipeline(s, getPreset(DISPLAY_PRESET).pipeline).result;
  } catch {
    return s;
  }
}

function emptySpectrum(fileName: string): Spectrum {
  return { x: new Float64Array(0), y: new Float64Array(0), meta: { sourceFile: fileName, format: 'unknown', xKind: 'other', originalXUnit: '', position: { index: 0, count: 1 }, fields: {}, warnings: [] } };
}

function methodInfo(lib: Library, model: EmbeddingModel | null | undefined, method: MatchMethod): ReportMethod {
  const info = lib.info();
  const library = { name: info.name, path: info.path, version: `schema v${info.schemaVersion}`, substances: info.substances, spectra: info.spectra };
  if ((method === 'siamese' || method === 'fused') && model) {
    const m = model.manifest;
    const pipeline = m.pipeline as { steps?: ReportPipelineStep[] } | undefined;
    return {
      method,
      methodLabel: METHOD_LABEL[method] ?? method,
      pipeline: { name: 'model input pipeline', hash: m.pipelineHash, steps: pipeline?.steps ?? [] },
      model: { id: m.id, version: m.version, manifestHash: createHash('sha256').update(JSON.stringify(m)).digest('hex'), backend: model.backend },
      library,
    };
  }
  return {
    method,
    methodLabel: METHOD_LABEL[method] ?? method,
    pipeline: { name: CLASSIC_PIPELINE.id, hash: CLASSIC_PIPELINE_HASH, steps: CLASSIC_PIPELINE.steps.map((s) => ({ kind: s.kind, params: { ...s.params } })) },
    library,
  };
}

export async function createReport(files: readonly ReportQueryFile[], opts: CreateReportOptions): Promise<ReportInput> {
  const topN = opts.topN ?? 10;
  const entries: ReportEntry[] = [];
  let usedMethod: MatchMethod | undefined = opts.method;
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
    const indices = opts.spectrumIndex === undefined ? spectra.map((_, i) => i) : [opts.spectrumIndex];
    for (const i of indices) {
      const spectrum = spectra[i];
      const query = { fileName: file.fileName, sha256, format, index: i, count: spectra.length, spectrum: spectrum ? forDisplay(spectrum) : emptySpectrum(file.fileName) };
      if (!spectrum) {
        entries.push({ query, error: { code: 'E_PARAM', message: `${file.fileName}: holds ${spectra.length} spectra, there is no spectrum ${i + 1}` }, overlays: [] });
        continue;
      }
      try {
        const result = await matchSpectrum(opts.library, spectrum, {
          ...(opts.method ? { method: opts.method } : {}),
          topK: topN,
          ...(opts.exclude ? { exclude: opts.exclude } : {}),
          model: opts.model ?? null,
        });
        usedMethod = result.method;
        const overlays = result.matches.slice(0, 3).map((m) => ({ rank: m.rank, substance: m.substance, spectrum: forDisplay(opts.library.getSpectrum(m.spectrumId)) }));
        const entry: ReportEntry = { query, result, overlays };
        if (opts.mixture) {
          try {
            entry.mixture = await matchMixture(opts.library, spectrum, { curves: true, ...(opts.exclude ? { exclude: opts.exclude } : {}) });
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
  const method = methodInfo(opts.library, opts.model, usedMethod ?? (opts.model ? 'siamese' : 'hqi-derivative'));
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
