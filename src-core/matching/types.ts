/**
 * Result types of matching, shared by the CLI (`specmatch match --json`), the IPC contract, the renderer and the
 * report renderer. Field names follow the `match --json` contract of the library issue.
 */
import type { Pipeline } from '../preprocess/pipeline.js';
import type { Spectrum } from '../spectrum/Spectrum.js';

export type MatchMethod = 'siamese' | 'fused' | 'hqi-correlation' | 'hqi-derivative' | 'cosine' | 'euclidean';

export type Verdict = 'match' | 'ambiguous' | 'no-match';

export interface HqiValues {
  correlation: number;
  derivative: number;
  cosine: number;
  euclidean: number;
}

export interface MatchRow {
  /** 1-based rank. */
  rank: number;
  /** Substance name verbatim as stored in the library. */
  substance: string;
  substanceId: number;
  /** Score of the chosen method in [0, 1], higher is more similar. */
  score: number;
  /** score − score of the next-ranked substance (also beyond topK for the last row); 0 when none follows. */
  gap: number;
  /** Best-scoring reference spectrum of this substance. */
  spectrumId: number;
  sampleId: string | null;
  /** Every classic method's score for the query against that best reference. */
  hqi: HqiValues;
}

/**
 * One set of vectors a result was scored on: the same pipeline made the query's vector and the references' stored
 * ones (then, for a model, the network). `hash` is the pipeline's hash, the key the references' vectors are under.
 */
export interface MatchVectors {
  /** 'classic' for the classic methods' vectors, else the model id. */
  modelId: string;
  pipeline: Pipeline;
  hash: string;
}

export interface MatchResult {
  method: MatchMethod;
  verdict: Verdict;
  matches: MatchRow[];
  /**
   * The pipeline(s) the query and every reference went through (the analyst's steps, if any, then the method's
   * own), in scoring order: one for classic methods and siamese, two for fused (model, then classic).
   */
  vectors: MatchVectors[];
  /** The analyst's pipeline applied to both sides before the method's own steps; null: none. */
  analystPipeline: Pipeline | null;
  /** The x ranges (cm⁻¹) masked out of the comparison. */
  exclude: Array<[number, number]>;
  /** False when the thresholds were not measured for these pipelines (an analyst's pipeline): the verdict is indicative. */
  calibrated: boolean;
  /** Model id when the method uses the network. */
  modelId?: string;
  /** Hash of the preprocessing pipeline the scores were computed under. */
  pipelineHash?: string;
  /** Reference spectra searched (those with a vector under the method's key). */
  references?: number;
  /** Reference spectra left out because they have no embedding under the current model key yet (recompute them). */
  missingEmbeddings?: number;
  /** The thresholds the verdict came from. */
  calibration?: { match: number; gap: number; noMatch: number; source: string };
}

/**
 * How to match, everything of a request but the query: `specmatch match|report` flags, the app's settings and
 * preprocessing panel, and a report's options are all this.
 */
export interface MatchOptions {
  /** Default: defaultMethodFor (matching/methods.ts). */
  method?: MatchMethod;
  /** Number of substances to return (default 10). Larger than the library returns all. */
  topK?: number;
  /** x ranges in cm⁻¹ masked out of the comparison. */
  exclude?: Array<[number, number]>;
  /**
   * The analyst's preprocessing, applied to the query AND to every reference before the method's own steps (their
   * vectors are computed once per library and pipeline). Null or no steps: the method's defaults.
   */
  pipeline?: Pipeline | null;
}

/** One query and how to match it: the single request the CLI, the app and the report make. */
export interface MatchRequest extends MatchOptions {
  spectrum: Spectrum;
}
