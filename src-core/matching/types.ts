/**
 * Result types of matching, shared by the CLI (`specmatch match --json`), the IPC contract, the renderer and the
 * report renderer. Field names follow the `match --json` contract of the library issue.
 */
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

export interface MatchResult {
  method: MatchMethod;
  verdict: Verdict;
  matches: MatchRow[];
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

export interface MatchOptions {
  method?: MatchMethod;
  /** Number of substances to return (default 10). Larger than the library returns all. */
  topK?: number;
  /** x ranges in cm⁻¹ masked out of the comparison. */
  exclude?: Array<[number, number]>;
}
