import type { Pipeline } from '../preprocess/pipeline.js';
import type { Spectrum } from '../spectrum/Spectrum.js';

/**
 * What the library and matching need from the Siamese engine, whatever backend runs it. Implemented in
 * src-core/node/engine (tfjs). Embeddings are only comparable under the same `key` (model id + pipeline hash).
 */
export interface ModelManifest {
  id: string;
  /** Human version string, e.g. '2026.11-a'. */
  version: string;
  /** Input axis in cm⁻¹ the network expects: the axis of `pipeline`'s last axis.resample step. */
  axis: { from: number; to: number; points: number };
  /**
   * The model's input pipeline (a registry pipeline, preprocess/vectorizer.ts): `embed` runs it on each spectrum and
   * feeds the vector it yields to the network. Whatever else a recipe computes from that vector (a derivative
   * channel, say) happens inside the engine, so the pipeline and its hash stay the whole input contract.
   */
  pipeline: Pipeline;
  /** pipelineHash(pipeline): SHA-256 of its canonical JSON; stored embeddings are keyed by id and this. */
  pipelineHash: string;
  /**
   * Hashes this model's embeddings were filed under by an earlier Specmatch for the same computation (set when an
   * older manifest is read and migrated; the library re-files those vectors under pipelineHash).
   */
  legacyPipelineHashes?: string[];
  embeddingSize: number;
  /** Free-form description of the training data, metrics and tfjs version. */
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  tfjsVersion: string;
  /** Calibration of the similarity into verdicts (thresholds on the score). */
  calibration?: { match: number; ambiguousGap: number; noMatch: number };
  /**
   * The same thresholds for the fused score α·similarity + (1 − α)·derivative HQI (library classic chain), measured
   * on the same held-out classes with this α; used by the 'fused' method when α equals `metrics.fusionAlpha`.
   */
  fusedCalibration?: { alpha: number; match: number; ambiguousGap: number; noMatch: number };
}

export interface EmbeddingModel {
  readonly manifest: ModelManifest;
  /** `${manifest.id}:${manifest.pipelineHash}`: the key stored embeddings are filed under. */
  readonly key: string;
  /** Backend that runs it ('tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'). */
  readonly backend: string;
  /** Embed raw spectra (the model applies its own pipeline and axis). Returns one vector per spectrum. */
  embed(spectra: readonly Spectrum[]): Promise<Float32Array[]>;
  /** Similarity in [0, 1] of two embeddings (the Siamese head: sigmoid(wᵀ|a − b| + b₀), or its calibrated form). */
  similarity(a: Float32Array, b: Float32Array): number;
  /** Similarity of one query embedding against many (fast path for search). */
  similarityMany(query: Float32Array, refs: readonly Float32Array[]): Float32Array;
  dispose(): void;
}
