import type * as tf from '@tensorflow/tfjs';
import type { EmbeddingModel, ModelManifest } from '../../engine/EmbeddingModel.js';
import { headSimilarity, headSimilarityMany, type SiameseHead } from '../../engine/siameseHead.js';
import { SpecmatchError } from '../../errors.js';
import { makeVectorizer, type Vectorizer } from '../../preprocess/vectorizer.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { embedInputs } from './siameseNetwork.js';

/**
 * EmbeddingModel on a tfjs encoder: `embed` runs the manifest's input pipeline on each spectrum (a vectorizer,
 * preprocess/vectorizer.ts) and the network on the vectors; `similarity`/`similarityMany` apply the Siamese head to stored
 * embeddings in plain typed-array maths, never calling tfjs per reference.
 */
export class TfEmbeddingModel implements EmbeddingModel {
  readonly manifest: ModelManifest;
  readonly key: string;
  readonly backend: string;
  private encoder: tf.LayersModel | null;
  private readonly head: SiameseHead;
  private readonly input: Vectorizer;

  constructor(manifest: ModelManifest, encoder: tf.LayersModel, head: SiameseHead, backend: string) {
    this.manifest = manifest;
    this.key = `${manifest.id}:${manifest.pipelineHash}`;
    this.backend = backend;
    this.encoder = encoder;
    this.head = head;
    this.input = makeVectorizer(manifest.pipeline);
    if (this.input.hash !== manifest.pipelineHash || this.input.axis.points !== manifest.axis.points) {
      throw new SpecmatchError('E_MODEL', `model ${manifest.id}: its pipeline (hash ${this.input.hash}, ${this.input.axis.points} points) does not match the manifest's pipelineHash ${manifest.pipelineHash} and axis`);
    }
    if (head.w.length !== manifest.embeddingSize) {
      throw new SpecmatchError('E_MODEL', `model ${manifest.id}: head has ${head.w.length} weights, manifest says embedding size ${manifest.embeddingSize}`);
    }
  }

  /** Network input of a spectrum (exposed for diagnostics and the training tools). */
  inputOf(spectrum: Spectrum): Float32Array {
    try {
      return this.input.apply(spectrum);
    } catch (err) {
      throw new SpecmatchError(
        'E_PARAM',
        `${spectrum.meta.sourceFile}: cannot make the input of model ${this.manifest.id} (${this.manifest.axis.from}–${this.manifest.axis.to} cm⁻¹): ${(err as Error).message}`,
        { file: spectrum.meta.sourceFile, cause: err },
      );
    }
  }

  embed(spectra: readonly Spectrum[]): Promise<Float32Array[]> {
    if (!this.encoder) return Promise.reject(new SpecmatchError('E_MODEL', `model ${this.manifest.id} was disposed`));
    try {
      const inputs = spectra.map((s) => this.inputOf(s));
      return Promise.resolve(embedInputs(this.encoder, inputs, this.manifest.axis.points));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Embeds ready-made network inputs (length axis.points each). */
  embedInputs(inputs: readonly Float32Array[]): Float32Array[] {
    if (!this.encoder) throw new SpecmatchError('E_MODEL', `model ${this.manifest.id} was disposed`);
    return embedInputs(this.encoder, inputs, this.manifest.axis.points);
  }

  similarity(a: Float32Array, b: Float32Array): number {
    this.checkSize(a);
    this.checkSize(b);
    return headSimilarity(this.head, a, b);
  }

  similarityMany(query: Float32Array, refs: readonly Float32Array[]): Float32Array {
    this.checkSize(query);
    for (const r of refs) if (r.length !== this.head.w.length) this.checkSize(r);
    return headSimilarityMany(this.head, query, refs);
  }

  dispose(): void {
    this.encoder?.dispose();
    this.encoder = null;
  }

  private checkSize(v: Float32Array): void {
    if (v.length !== this.head.w.length) {
      throw new SpecmatchError('E_MODEL', `embedding of length ${v.length} does not belong to model ${this.key} (size ${this.head.w.length}): re-embed under this model`);
    }
  }
}
