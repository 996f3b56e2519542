import type {
  ApiEvents,
  CalibrationFitRequest,
  CalibrationFitView,
  EventName,
  FilePayload,
  InstrumentSaveRequest,
  InstrumentSummary,
  JobInfo,
  LibraryInfo,
  LibraryFindings,
  MatchRequest,
  MixtureRequest,
  SubtractionVectors,
  ModelInfo,
  ReadSpectraResult,
  ReportRequest,
  SubstanceDetail,
  SubstanceList,
  SubstancePatch,
  TrainRequest,
  MapResult,
  MapRunRequest,
} from '../../ipc/contract.js';
import type { LibraryMap } from '../../matching/libraryMap.js';
import type { MatchResult } from '../../matching/types.js';
import type { MixtureResult } from '../../matching/mixtureTypes.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';

/** Push-event sink: Electron sends to the window, the web server to its SSE clients. */
export type EventSink = <E extends EventName>(event: E, payload: ApiEvents[E]) => void;

/**
 * What the handler table needs from the library, the matcher and the engine, in the contract's terms. One
 * implementation (`LibraryBackend`) delegates to src-core/node/library, matching and engine; the handler table is
 * the only caller, so Electron IPC and the web server share every line below it.
 */
export interface AppBackend {
  libraryInfo(): LibraryInfo;
  listSubstances(query: string | undefined): SubstanceList;
  getSubstance(id: number): SubstanceDetail;
  getSpectrum(id: number): Spectrum;
  addSubstance(
    spectrum: Spectrum,
    name: string,
    sourceBytes: Uint8Array | undefined,
  ): Promise<{ substanceId: number; spectrumId: number }>;
  editSubstance(id: number, patch: SubstancePatch): SubstanceDetail;
  removeSubstance(id: number): { undoToken: string; name: string };
  undoRemove(token: string): { substanceId: number };
  match(req: MatchRequest): Promise<MatchResult>;
  mixture(req: MixtureRequest): Promise<MixtureResult>;
  mixtureVectors(req: { spectrum: Spectrum; spectrumId: number; pipeline?: MatchRequest['pipeline'] }): Promise<SubtractionVectors>;
  importFiles(files: FilePayload[]): JobInfo;
  reembed(): JobInfo;
  /** Library checks (src-core/node/library/checkLibrary.ts) as a background job; `findings()` gives the result. */
  checkLibrary(): JobInfo;
  findings(): LibraryFindings;
  /** The library's embedding map (src-core/node/library/libraryMap.ts) as a background job, cached in the library. */
  mapLibrary(force: boolean): JobInfo;
  /** The cached map when current for the model and the library's spectra, else null. */
  libraryMapData(): Promise<LibraryMap | null>;
  dismissFinding(key: string, dismissed: boolean): LibraryFindings;
  mergeSubstances(intoId: number, fromIds: number[]): SubstanceDetail;
  moveSpectrum(spectrumId: number, toSubstanceId: number): { fromSubstanceId: number };
  removeSpectrum(spectrumId: number): { undoToken: string; name: string };
  modelInfo(): ModelInfo;
  selectModel(modelId: string): Promise<{ model: ModelInfo; job: JobInfo | null }>;
  train(req: TrainRequest): JobInfo;
  renderReport(req: ReportRequest): Promise<{ fileName: string; bytes: Uint8Array }>;
  /** Reads a file and applies the calibration of the instrument that recognises it (meta.calibration says so). */
  readSpectra(file: FilePayload): ReadSpectraResult;
  listInstruments(): InstrumentSummary[];
  saveInstrument(req: InstrumentSaveRequest): InstrumentSummary;
  fitCalibration(req: CalibrationFitRequest): CalibrationFitView;
  acceptCalibration(req: CalibrationFitRequest & { instrument: string }): InstrumentSummary;
  /** Starts a map job (identify every pixel); its result is kept for `mapResult`. */
  runMap(req: MapRunRequest): JobInfo;
  mapResult(jobId: string): MapResult;
  /** Versions for Help ▸ About. */
  versions(): { model: { id: string; version: string; backend: string } | null };
  close(): Promise<void>;
}
