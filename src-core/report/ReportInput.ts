import type { MatchResult } from '../matching/types.js';
import type { MixtureResult } from '../matching/mixtureTypes.js';
import type { Spectrum } from '../spectrum/Spectrum.js';

/**
 * Everything a match report shows, gathered once (src-core/node/report/createReport.ts) and rendered by every
 * output: PDF (renderReportPdf), CSV and JSON (reportToCsv / reportToJson). The app and the CLI build it the same way.
 */
export interface ReportQuery {
  /** File name as the user chose it (full name, shown on one line). */
  fileName: string;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  format: string;
  /** Which spectrum of the file (0-based) and how many it holds. */
  index: number;
  count: number;
  spectrum: Spectrum;
}

export interface ReportOverlay {
  rank: number;
  substance: string;
  /** The reference's vector the score was computed on, as a spectrum on the vectors' axis. */
  spectrum: Spectrum;
}

export interface ReportEntry {
  query: ReportQuery;
  /** Set when the query could not be matched (e.g. unreadable file); then result is absent. */
  error?: { code: string; message: string };
  result?: MatchResult;
  /** The query's vector the scores were computed on (the overlay's first trace); absent when it was not matched. */
  queryVector?: Spectrum;
  /** The top matches' reference vectors, for the overlay plot (at most 3). */
  overlays: ReportOverlay[];
  /** Mixture analysis with its curves, when the analyst asked for it (`report --mixture`, the app's checkbox). */
  mixture?: MixtureResult;
  /** Why the mixture analysis failed, when it was asked for and did. */
  mixtureError?: { code: string; message: string };
}

export interface ReportPipelineStep {
  kind: string;
  params: Record<string, unknown>;
}

export interface ReportMethod {
  /** Matching method id (siamese, hqi-correlation, …) and a readable label. */
  method: string;
  methodLabel: string;
  /** The pipeline the query and the references went through (the analyst's steps, if any, then the method's). */
  pipeline: { name?: string; hash: string; steps: ReportPipelineStep[] };
  /** The analyst's steps alone (null: the method's defaults), so the report can say which part the analyst chose. */
  analystPipeline: ReportPipelineStep[] | null;
  /** x ranges (cm⁻¹) masked out of the comparison. */
  exclude: Array<[number, number]>;
  /** False for an analyst's pipeline: the verdict thresholds were measured for the default pipeline only. */
  calibrated: boolean;
  model?: { id: string; version: string; manifestHash: string; backend?: string };
  library: { name: string; path?: string; version?: string; substances: number; spectra: number };
  /** The x-axis calibrations applied to the queries (one line each), or one line saying none was. */
  calibration?: string[];
}

/**
 * A map's page (`specmatch map --out OUT.pdf`, the app's map Export report…): the phase image, its legend with pixel
 * counts and fractions, and how the map was made; the method section prints the pipeline, model and library.
 */
export interface ReportMap {
  fileName: string;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  format: string;
  spectra: number;
  width: number;
  height: number;
  kind: 'grid' | 'line';
  /** Stage distance between neighbouring pixels (µm) and the stage range, when the file gives positions. */
  stepUm?: { x: number; y: number };
  rangeUm?: { x: [number, number]; y: [number, number] };
  /** The phase image (src-core/map/phaseFigure.ts phaseImagePng, the pixels of `specmatch map`'s PNG) and its size. */
  image: { png: Uint8Array; width: number; height: number };
  phases: Array<{ substance: string; colour: [number, number, number]; pixels: number; fraction: number; meanScore: number }>;
  unidentified: number;
  lowSignal: number;
  /** Spectra that could not be matched at all (counted among the unidentified), and the first reason. */
  errors: number;
  firstError?: string;
  /** How pixels were assigned and cleaned. */
  minScore: number;
  despike: boolean;
  spikes: number;
  snrMin?: number;
}

export interface ReportInput {
  title: string;
  lab?: string;
  analyst?: string;
  notes?: string;
  /** When the report was generated. */
  generatedAt: Date;
  /** IANA time zone the date is shown in (e.g. 'Europe/Berlin'). */
  timeZone: string;
  appVersion: string;
  topN: number;
  method: ReportMethod;
  entries: ReportEntry[];
  /** A map report: one map page (then `entries` is empty). */
  map?: ReportMap;
}
