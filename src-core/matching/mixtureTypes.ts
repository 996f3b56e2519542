import type { Pipeline } from '../preprocess/pipeline.js';
import type { MixtureCurves, MixtureVerdict } from './mixture.js';

/**
 * Result types of mixture analysis, shared by the CLI (`specmatch mixture --json`), the IPC contract, the renderer
 * and the report. Field names follow the `mixture --json` contract of the mixtures issue.
 */
export interface MixtureComponentRow {
  /** Substance name verbatim as stored in the library. */
  substance: string;
  substanceId: number;
  /** The reference spectrum that was fitted. */
  spectrumId: number;
  sampleId: string | null;
  /** Share of the explained signal (summed peak heights), 0…1. */
  fraction: number;
  /** HQI (r²) of the component against the query with the other components subtracted. */
  score: number;
  /** Peak height in the query scaled to a maximum of 1. */
  coefficient: number;
  /** Shift the fit applied to the reference, cm⁻¹. */
  shiftCm: number;
}

export interface MixtureFitSummary {
  /** 1 − RSS / TSS after a free low-order baseline. */
  r2: number;
  /** Correlation HQI (r²) of the fitted sum against the query. */
  hqi: number;
  /** ‖residual‖ / ‖query‖. */
  residual: number;
}

export interface MixtureCombination {
  components: MixtureComponentRow[];
  fit: MixtureFitSummary;
}

export interface MixtureResult {
  verdict: MixtureVerdict;
  components: MixtureComponentRow[];
  fit: MixtureFitSummary;
  /** The best one-substance fit (what `match` would call the answer, fitted the same way). */
  single: MixtureCombination;
  /** The next-best combinations, best first. */
  alternatives: MixtureCombination[];
  /** Reference spectra searched. */
  references: number;
  /** Hash of the mixture vector pipeline (with an analyst's pipeline: of both together). */
  pipelineHash: string;
  /** The analyst's pipeline the query and every reference went through first (null: the default vectors). */
  analystPipeline: Pipeline | null;
  /** The fit's curves on the common axis, when asked for (the app and the report draw them). */
  curves?: MixtureCurves;
}
