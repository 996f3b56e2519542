/**
 * The IPC contract (HOUSE_STYLE.md §2), declared once. Electron's preload, the main process, the web server and
 * the renderer's HTTP client all derive their types from `ApiContract` and `ApiEvents`; nothing else names a
 * channel.
 *
 * Channels are `noun:verb`. Every response travels as an `ApiResult` because an Error thrown in a handler does not
 * survive `ipcRenderer.invoke` (nor HTTP) with its code intact. Payloads are plain data: typed arrays are fine
 * (structured clone keeps them; the web transport tags them, see wire.ts), class instances are not.
 */
import type { ErrorInfo } from '../errors.js';
import type { LibraryFinding } from '../matching/libraryChecks.js';
import type { LibraryMap } from '../matching/libraryMap.js';
import type { MatchMethod, MatchRequest, MatchResult } from '../matching/types.js';
import type { MixtureResult } from '../matching/mixtureTypes.js';
import type { ModelManifest } from '../engine/EmbeddingModel.js';
import type { Pipeline } from '../preprocess/pipeline.js';
import type { Spectrum } from '../spectrum/Spectrum.js';
import type { CalibrationFit } from '../calibration/calibrate.js';
import type { InstrumentRule } from '../calibration/profile.js';

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** A preprocessing pipeline as data (HOUSE_STYLE.md §3); validated by the preprocess registry on the way in. */
export type PipelineSpec = Pipeline;

export interface AppInfo {
  appVersion: string;
  /** Where it runs: 'electron' or 'web'. */
  shell: 'electron' | 'web';
  /** Node / Electron / Chromium versions, when known. */
  runtime: Record<string, string>;
  model: { id: string; version: string; backend: string } | null;
  library: LibraryInfo | null;
}

export interface EmbeddingStatus {
  /** Model key (`id:pipelineHash`) the library is compared under, or null when no model is loaded. */
  modelKey: string | null;
  /** Reference spectra whose embedding under modelKey is stored. */
  upToDate: number;
  /** Reference spectra without an embedding under modelKey (need re-embedding). */
  stale: number;
}

export interface LibraryInfo {
  /** File name shown to the user (base name only: the web mode never reveals server paths). */
  name: string;
  substances: number;
  spectra: number;
  embeddings: EmbeddingStatus;
  /** The file or its folder cannot be written: browsing and matching work, changes are refused. */
  readOnly?: boolean;
}

export interface SubstanceSummary {
  id: number;
  /** Verbatim as stored. */
  name: string;
  aliases: string[];
  formula: string | null;
  tags: string[];
  spectrumCount: number;
  /** A small preview of the first reference: max-normalised y on an even grid (for list thumbnails). */
  thumbnail: number[];
}

/** One page of the substance list: the first LIST_LIMIT matches (by name) and how many match in all. */
export interface SubstanceList {
  total: number;
  items: SubstanceSummary[];
}

export interface ReferenceSpectrumInfo {
  id: number;
  sourceFile: string;
  sampleId: string | null;
  laserNm: number | null;
  format: string;
  points: number;
  xFrom: number;
  xTo: number;
  /** Signal-to-noise estimate (src-core/preprocess/quality.ts); null for noiseless data. */
  snr: number | null;
}

export interface SubstanceDetail extends SubstanceSummary {
  cas: string | null;
  notes: string | null;
  spectra: ReferenceSpectrumInfo[];
}

export interface SubstancePatch {
  name?: string;
  aliases?: string[];
  formula?: string | null;
  cas?: string | null;
  tags?: string[];
  notes?: string | null;
}

/** A file as its bytes (never a server path). */
export interface FilePayload {
  name: string;
  bytes: Uint8Array;
}

export type JobKind = 'import' | 'embed' | 'train' | 'map' | 'check' | 'index' | 'library-map';
export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface TrainEpoch {
  epoch: number;
  /** Mean training loss of the epoch. */
  loss: number;
  /** Training pair accuracy, when the engine reports it. */
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface ImportFileError {
  file: string;
  code: string;
  message: string;
}

/** Per-file errors a job lists (events and job:list stay small whatever the import); the rest are counted. */
export const MAX_JOB_FILE_ERRORS = 100;

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  /** Short human label, e.g. 'Importing 12 files'. */
  title: string;
  done: number;
  total: number;
  /** What it is doing now ('parsing', 'embedding', 'epoch 3/10', the current file …). */
  phase: string;
  /** Per-file failures of an import so far (the batch never stops for them): the first MAX_JOB_FILE_ERRORS. */
  fileErrors: ImportFileError[];
  /** How many files failed in all (fileErrors lists the first of them). Absent: as many as listed. */
  fileErrorCount?: number;
  /** Training history so far. */
  epochs: TrainEpoch[];
  /** Summary when done (e.g. '41 spectra imported, 2 skipped as duplicates'). */
  summary?: string;
  error?: ErrorInfo;
}

export interface ModelSummary {
  id: string;
  version: string;
  /** Where it comes from: bundled with the app or trained by the user. */
  origin: 'bundled' | 'user';
}

export interface ModelInfo {
  manifest: ModelManifest | null;
  backend: string | null;
  available: ModelSummary[];
  /** Why no model is loaded, when none is. */
  unavailableReason?: string;
}

/** The one match request (src-core/matching/types.ts): the CLI and the report make the same. */
export type { MatchRequest };

/** Mixture analysis of one query (the Identify view's mixture panel); the fit's curves come with the answer. */
export interface MixtureRequest {
  spectrum: Spectrum;
  /** 1…5, default 3. */
  maxComponents?: number;
  exclude?: Array<[number, number]>;
  /** As MatchRequest.pipeline: applied to the query only. */
  pipeline?: PipelineSpec;
}

/**
 * A reference and the query as mixture vectors on the common axis (baseline removed, peak height 1), over the
 * points the query covers: the renderer subtracts `scale × reference` live and can search what is left.
 */
export interface SubtractionVectors {
  x: number[];
  query: number[];
  reference: number[];
  /** The least-squares scale of the reference in the query (≥ 0), the slider's starting point. */
  bestScale: number;
  substance: string;
  spectrumId: number;
}

export interface ReadSpectraResult {
  format: string;
  spectra: Spectrum[];
  warnings: string[];
}

export interface TrainRequest {
  /** Maximum epochs (the engine's early stopping may end sooner). */
  epochs: number;
}

/**
 * A report of one spectrum of an open file. The file travels as its bytes and the report is made by the same code
 * as `specmatch report` (src-core/node/report/createReport.ts), which reads and matches it again with the same
 * match options as the view (method, the analyst's pipeline, excluded ranges), so the app and the CLI produce the
 * same report for the same file and options.
 */
export interface ReportRequest {
  /** One spectrum of an open file (with spectrumIndex). Exactly one of file, files and mapJobId is given. */
  file?: FilePayload;
  spectrumIndex?: number;
  /** A batch (the Identify view's batch table): a summary page, then a page per query, as `specmatch report` of several files. */
  files?: ReportBatchFile[];
  /** A finished map job (map:run): its map page (phase image, phases, method), from its result: nothing is matched again. */
  mapJobId?: string;
  method?: MatchMethod;
  topK?: number;
  exclude?: Array<[number, number]>;
  pipeline?: PipelineSpec | null;
  lab?: string;
  analyst?: string;
  notes?: string;
  /** Add the mixture section (components, fractions, fit, overlay). */
  mixture?: boolean;
}

/** A file of a batch report and which of its spectra (0-based) to report; all when absent. */
export interface ReportBatchFile extends FilePayload {
  spectra?: number[];
}

/** An instrument profile as the Instruments page shows it (src-core/calibration/profile.ts). */
export interface InstrumentSummary {
  name: string;
  serial: string | null;
  laserNm: number | null;
  recognise: InstrumentRule[];
  /** Newest first. */
  calibrations: CalibrationSummary[];
}

export interface CalibrationSummary {
  id: number;
  createdAt: string;
  standard: string;
  files: string[];
  rms: number;
  lines: number;
  resolutionCm: number | null;
  laserNm: number | null;
  laserCorrectedNm: number | null;
}

export interface InstrumentSaveRequest {
  name: string;
  serial?: string | null;
  laserNm?: number | null;
  recognise?: InstrumentRule[];
}

/** A standard's spectrum to calibrate on; with `instrument`, a shift standard corrects its lamp calibration's laser. */
export interface CalibrationFitRequest {
  file: FilePayload;
  standard: string;
  laserNm?: number;
  instrument?: string;
}

export interface CalibrationFitView {
  fit: CalibrationFit;
  /** The standard's spectrum on its uncorrected shift axis (what the found lines refer to) and through the fit. */
  spectrum: { x: Float64Array; calibratedX: Float64Array; y: Float64Array; sourceFile: string };
  standard: { id: string; label: string; source: string };
}

/** The last library check's findings (the Checks panel), or `computedAt: null` before the first run. */
export interface LibraryFindings {
  /** Method whose scores found mislabelled references and spread. */
  method: string | null;
  spectra: number;
  computedAt: string | null;
  /** True when the library changed since the check ran (run it again). */
  stale: boolean;
  /** Every finding, dismissed ones marked `dismissed: true`. */
  findings: LibraryFinding[];
}

/** Identify every spectrum of a map, line scan or multi-spectrum file (the same code as `specmatch map`). */
export interface MapRunRequest {
  file: FilePayload;
  method?: MatchMethod;
  /** Cosmic-ray removal across neighbouring pixels. */
  despike?: boolean;
  /** Spectra under this signal-to-noise ratio are not matched ('low-signal'). */
  snrMin?: number;
  /** A pixel is assigned only with a score ≥ this (besides a 'match' or 'ambiguous' verdict). */
  minScore?: number;
}

/** The outcome of a map job (`map:result`): the layout, each spectrum's identification and the phases. */
export interface MapResult {
  width: number;
  height: number;
  kind: 'grid' | 'line';
  /** Pixel (row-major; row 0 = smallest y, at the top) → spectrum index in the file, −1 where none. */
  spectrumAt: number[];
  stepUm: { x: number; y: number } | null;
  rangeUm: { x: [number, number]; y: [number, number] } | null;
  method: MatchMethod;
  modelId: string | null;
  /** Substances found, most pixels first, with their colours. */
  phases: {
    substance: string;
    colour: [number, number, number];
    pixels: number;
    fraction: number;
    meanScore: number;
  }[];
  /** Per spectrum (file order): index into phases, −1 unidentified, −2 low signal. */
  phaseOf: number[];
  /** Per spectrum: top substance (null when not matched), score, verdict ('low-signal', 'error' too), why. */
  pixels: { substance: string | null; score: number; verdict: string; spectrumId?: number; reason?: string }[];
  unidentified: number;
  lowSignal: number;
  spikes: number;
}

/** Channel → request and response. Requests are always objects (`{}` when empty) so validation is uniform. */
export interface ApiContract {
  'app:info': { req: Record<string, never>; res: AppInfo };
  'spectrum:read': { req: FilePayload; res: ReadSpectraResult };
  'match:run': { req: MatchRequest; res: MatchResult };
  'mixture:run': { req: MixtureRequest; res: MixtureResult };
  'mixture:vectors': { req: { spectrum: Spectrum; spectrumId: number; pipeline?: PipelineSpec }; res: SubtractionVectors };
  'library:info': { req: Record<string, never>; res: LibraryInfo };
  'library:list': { req: { query?: string }; res: SubstanceList };
  'library:get': { req: { substanceId: number }; res: SubstanceDetail };
  'library:spectrum': { req: { spectrumId: number }; res: Spectrum };
  'library:add': {
    req: { spectrum: Spectrum; name: string; sourceBytes?: Uint8Array };
    res: { substanceId: number; spectrumId: number };
  };
  'library:edit': { req: { substanceId: number; patch: SubstancePatch }; res: SubstanceDetail };
  'library:remove': { req: { substanceId: number }; res: { undoToken: string; name: string } };
  'library:undoRemove': { req: { undoToken: string }; res: { substanceId: number } };
  'library:import': { req: { files: FilePayload[] }; res: JobInfo };
  'library:reembed': { req: Record<string, never>; res: JobInfo };
  'library:check': { req: Record<string, never>; res: JobInfo };
  'library:findings': { req: Record<string, never>; res: LibraryFindings };
  'library:dismiss': { req: { key: string; dismissed: boolean }; res: LibraryFindings };
  /** Computes the library's embedding map as a background job (cached in the library; `force` recomputes it). */
  'library:map': { req: { force?: boolean }; res: JobInfo };
  /** The library's current map from its cache, or null when there is none for the current model and spectra. */
  'library:mapData': { req: Record<string, never>; res: { map: LibraryMap | null } };
  'library:merge': { req: { intoId: number; fromIds: number[] }; res: SubstanceDetail };
  'library:moveSpectrum': { req: { spectrumId: number; toSubstanceId: number }; res: { fromSubstanceId: number } };
  'library:removeSpectrum': { req: { spectrumId: number }; res: { undoToken: string; name: string } };
  'model:info': { req: Record<string, never>; res: ModelInfo };
  'model:select': { req: { modelId: string }; res: { model: ModelInfo; job: JobInfo | null } };
  'model:train': { req: TrainRequest; res: JobInfo };
  'job:get': { req: { jobId: string }; res: JobInfo };
  'job:list': { req: Record<string, never>; res: JobInfo[] };
  'job:cancel': { req: { jobId: string }; res: JobInfo };
  'report:render': { req: ReportRequest; res: { fileName: string; bytes: Uint8Array } };
  'instrument:list': { req: Record<string, never>; res: InstrumentSummary[] };
  'instrument:save': { req: InstrumentSaveRequest; res: InstrumentSummary };
  'calibration:fit': { req: CalibrationFitRequest; res: CalibrationFitView };
  /** Fits again on the server (never trusts a client's fit) and stores it when accepted; E_CALIBRATION when refused. */
  'calibration:accept': { req: CalibrationFitRequest & { instrument: string }; res: InstrumentSummary };
  'map:run': { req: MapRunRequest; res: JobInfo };
  'map:result': { req: { jobId: string }; res: MapResult };
}

export type Channel = keyof ApiContract;
export type Req<C extends Channel> = ApiContract[C]['req'];
export type Res<C extends Channel> = ApiContract[C]['res'];

/** What a native menu asks the renderer to do (Electron only; the web mode has no native menu). */
export type AppCommand =
  'view:identify' | 'view:library' | 'view:model' | 'view:settings' | 'report:export' | 'library:reloaded';

/** Push events (main → renderer). `on…` names in the API object. */
export interface ApiEvents {
  'job:progress': JobInfo;
  'library:changed': LibraryInfo;
  'model:changed': ModelInfo;
  /** A file chosen in a native dialog, the Open recent menu, or given on the command line. */
  'app:openFile': FilePayload;
  'app:command': { command: AppCommand };
}
export type EventName = keyof ApiEvents;

/** Every channel, in a fixed order (preload, server routes and the HTTP client iterate this list). */
export const CHANNELS = [
  'app:info',
  'spectrum:read',
  'match:run',
  'mixture:run',
  'mixture:vectors',
  'library:info',
  'library:list',
  'library:get',
  'library:spectrum',
  'library:add',
  'library:edit',
  'library:remove',
  'library:undoRemove',
  'library:import',
  'library:reembed',
  'library:check',
  'library:findings',
  'library:dismiss',
  'library:map',
  'library:mapData',
  'library:merge',
  'library:moveSpectrum',
  'library:removeSpectrum',
  'model:info',
  'model:select',
  'model:train',
  'job:get',
  'job:list',
  'job:cancel',
  'report:render',
  'instrument:list',
  'instrument:save',
  'calibration:fit',
  'calibration:accept',
  'map:run',
  'map:result',
] as const satisfies readonly Channel[];

export const EVENTS = [
  'job:progress',
  'library:changed',
  'model:changed',
  'app:openFile',
  'app:command',
] as const satisfies readonly EventName[];

// Compile-time check that CHANNELS lists every channel of ApiContract (and EVENTS every event).
type Missing<All, Listed> = Exclude<All, Listed>;
const _allChannels: Missing<Channel, (typeof CHANNELS)[number]> extends never ? true : never = true;
const _allEvents: Missing<EventName, (typeof EVENTS)[number]> extends never ? true : never = true;
void _allChannels;
void _allEvents;

/** 'library:undoRemove' → 'libraryUndoRemove' (the preload's method name for a channel). */
export type MethodName<C extends string> = C extends `${infer N}:${infer V}` ? `${N}${Capitalize<V>}` : never;
/** 'job:progress' → 'onJobProgress'. */
export type ListenerName<E extends string> = E extends `${infer N}:${infer V}`
  ? `on${Capitalize<N>}${Capitalize<V>}`
  : never;

export function methodName<C extends Channel>(channel: C): MethodName<C> {
  const [noun, verb] = channel.split(':') as [string, string];
  return `${noun}${verb.charAt(0).toUpperCase()}${verb.slice(1)}` as MethodName<C>;
}

export function listenerName<E extends EventName>(event: E): ListenerName<E> {
  const [noun, verb] = event.split(':') as [string, string];
  return `on${noun.charAt(0).toUpperCase()}${noun.slice(1)}${verb.charAt(0).toUpperCase()}${verb.slice(1)}` as ListenerName<E>;
}

/**
 * What `window.api` is: one method per channel, one subscription per event (returning an unsubscribe function).
 * Implemented by electron/preload.ts and renderer/src/api/httpApi.ts.
 */
export type SpecmatchApi = {
  [C in Channel as MethodName<C>]: (req: Req<C>) => Promise<ApiResult<Res<C>>>;
} & {
  [E in EventName as ListenerName<E>]: (listener: (payload: ApiEvents[E]) => void) => () => void;
};
