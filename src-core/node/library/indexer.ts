import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, classicVector } from '../../matching/classicAxis.js';
import type { StoredEmbeddingStatus } from '../../matching/libraryTypes.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { LibraryStore, VectorKey } from './store.js';

/**
 * The library's one indexer: fills the vectors a key lacks, whatever computes them (the classic vectorizer, a
 * model's embed, an analyst's pipeline before either), and re-files embeddings stored under a model's legacy hash.
 * Vectors are read from and written to the store (store.ts) by key; the importer (importer.ts) stores the vectors
 * it computed with each new spectrum, and anything it could not compute is filled here later.
 */

export interface FillVectorsOptions {
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
  /** Spectra per committed batch. @default 64 */
  batchSize?: number;
}

export interface FillVectorsReport {
  computed: number;
  failed: number;
  cancelled: boolean;
  errors: Array<{ spectrumId: number; message: string }>;
}

/** What fills a key: vectors (or the reason there is none) for a batch of spectra, in order. */
export type ComputeVectors = (spectra: Spectrum[]) => Promise<Array<Float32Array | SpecmatchError>> | Array<Float32Array | SpecmatchError>;

const CLASSIC_KEY: VectorKey = { modelId: CLASSIC_MODEL_ID, pipelineHash: CLASSIC_PIPELINE_HASH };

/** The key a model's embeddings are filed under. */
export function modelKey(model: EmbeddingModel): VectorKey {
  return { modelId: model.manifest.id, pipelineHash: model.manifest.pipelineHash };
}

/**
 * Embeds a batch; when the batch fails (one spectrum outside the model's axis, say), embeds the spectra one by
 * one so only the failing ones are left without an embedding. A model that fails on every spectrum of a batch
 * larger than one is unusable: E_MODEL.
 */
export async function embedEach(model: EmbeddingModel, spectra: readonly Spectrum[]): Promise<Array<Float32Array | SpecmatchError>> {
  try {
    const v = await model.embed(spectra);
    if (v.length === spectra.length) return v;
  } catch {
    // fall through to one at a time
  }
  const out: Array<Float32Array | SpecmatchError> = [];
  for (const s of spectra) {
    try {
      const [v] = await model.embed([s]);
      out.push(v ?? new SpecmatchError('E_MODEL', `model ${model.manifest.id} returned no embedding`));
    } catch (err) {
      out.push(toSpecmatchError(err, { code: 'E_MODEL' }));
    }
  }
  if (spectra.length > 1 && out.every((v) => v instanceof SpecmatchError)) {
    const first = out[0] as SpecmatchError;
    throw new SpecmatchError('E_MODEL', `model ${model.manifest.id} cannot embed: ${first.message}`, { cause: first });
  }
  return out;
}

/** The classic vectors of a batch; a spectrum with no point on the classic axis gets its error. */
function classicVectors(spectra: readonly Spectrum[]): Array<Float32Array | SpecmatchError> {
  return spectra.map((s) => {
    try {
      return classicVector(s.x, s.y);
    } catch (err) {
      return toSpecmatchError(err, { code: 'E_PARAM' });
    }
  });
}

export class LibraryIndexer {
  /** The store's stamp when its classic vectors were last found complete. */
  private classicCompleteAt = '';
  /** embeddingStatus per key, valid while the store's stamp is unchanged (every model query asks for it). */
  private readonly statusAt = new Map<string, { stamp: string; status: StoredEmbeddingStatus }>();

  constructor(private readonly store: LibraryStore) {}

  /**
   * How many spectra have an embedding under `modelKey` (`${modelId}:${pipelineHash}`). Given the model itself,
   * embeddings filed under its legacy hashes are re-filed first (adoptLegacyVectors). Two counts over the library
   * (about 4 ms at 10,000 spectra): kept until the library changes (the store's stamp, which also sees writes made
   * through other connections).
   */
  embeddingStatus(modelOrKey: EmbeddingModel | string): StoredEmbeddingStatus {
    if (typeof modelOrKey !== 'string') this.adoptLegacyVectors(modelOrKey);
    const key = typeof modelOrKey === 'string' ? modelOrKey : modelOrKey.key;
    const cut = key.lastIndexOf(':');
    if (cut <= 0) throw new SpecmatchError('E_PARAM', `'${key}' is not a model key (modelId:pipelineHash)`);
    const stamp = this.store.stamp();
    const hit = this.statusAt.get(key);
    if (hit?.stamp === stamp) return { ...hit.status };
    const db = this.store.db;
    const total = (db.prepare('SELECT count(*) AS n FROM spectra s JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL').get() as { n: number }).n;
    const current = (
      db
        .prepare('SELECT count(*) AS n FROM embeddings e JOIN spectra s ON s.id = e.spectrum_id JOIN substances b ON b.id = s.substance_id WHERE b.removed_at IS NULL AND e.model_id = ? AND e.pipeline_hash = ?')
        .get(key.slice(0, cut), key.slice(cut + 1)) as { n: number }
    ).n;
    const status = { key, total, current, missing: total - current };
    this.statusAt.set(key, { stamp, status });
    return { ...status };
  }

  /** How many spectra lack a vector under `key`. */
  missingVectors(key: VectorKey): number {
    return this.store.missingIds(key).length;
  }

  /**
   * Computes the embeddings missing under the model's key (after a model change, or for spectra imported without a
   * model), in batches, each committed on its own so a cancelled or killed run keeps its progress.
   */
  async recomputeEmbeddings(model: EmbeddingModel, opts: FillVectorsOptions = {}): Promise<FillVectorsReport> {
    this.adoptLegacyVectors(model);
    const r = await this.fillVectors(modelKey(model), (spectra) => embedEach(model, spectra), opts);
    if (r.computed > 0) this.store.write(() => this.store.audit('recompute-embeddings', { key: model.key, computed: r.computed, failed: r.failed }));
    return r;
  }

  /**
   * The one indexer: fills the vectors missing under `key` with `compute` (a vectorizer, a model's embed, or both
   * after an analyst's pipeline), in batches committed one by one, so a cancelled or killed run keeps its progress.
   * A spectrum `compute` cannot process is reported in `errors` and left without a vector.
   */
  async fillVectors(key: VectorKey, compute: ComputeVectors, opts: FillVectorsOptions = {}): Promise<FillVectorsReport> {
    const store = this.store;
    const ids = store.missingIds(key);
    const batch = Math.max(1, opts.batchSize ?? 64);
    let computed = 0;
    const errors: Array<{ spectrumId: number; message: string }> = [];
    opts.onProgress?.(0, ids.length);
    for (let i = 0; i < ids.length; i += batch) {
      if (opts.signal?.aborted) return { computed, failed: errors.length, cancelled: true, errors };
      const chunk = ids.slice(i, i + batch);
      const vectors = await compute(store.loadSpectra(chunk));
      store.write(() => store.putVectors(key, chunk, vectors));
      chunk.forEach((id, j) => {
        const v = vectors[j]!;
        if (v instanceof Float32Array) computed++;
        else errors.push({ spectrumId: id, message: v.message });
      });
      store.changed();
      opts.onProgress?.(Math.min(ids.length, i + chunk.length), ids.length);
    }
    return { computed, failed: errors.length, cancelled: false, errors };
  }

  /**
   * Computes missing classic vectors (after a classic pipeline change or a migration), synchronously (about a
   * millisecond each) in one transaction. Classic vectors of an earlier classic pipeline are dropped: they are never
   * compared with the current ones and are recomputed from the raw spectra (unlike model embeddings, which are kept).
   */
  ensureClassicVectors(): number {
    const stamp = this.store.stamp();
    if (this.classicCompleteAt === stamp) return 0;
    const n = this.fillClassicVectors();
    this.classicCompleteAt = this.store.stamp();
    return n;
  }

  private fillClassicVectors(): number {
    const store = this.store;
    // Counting through the indexes is cheap; the anti-join of missingIds reads every spectrum row, so only run it when needed.
    const spectra = (store.db.prepare('SELECT count(*) AS n FROM spectra INDEXED BY spectra_substance').get() as { n: number }).n;
    if (store.countVectors(CLASSIC_KEY) >= spectra) return 0;
    const ids = store.missingIds(CLASSIC_KEY);
    if (ids.length === 0) return 0;
    let filled = 0;
    store.write(() => {
      store.db.prepare('DELETE FROM embeddings WHERE model_id = ? AND pipeline_hash <> ?').run(CLASSIC_KEY.modelId, CLASSIC_KEY.pipelineHash);
      // A spectrum with no point on the classic axis is left without a vector: the classic methods cannot match it.
      filled = store.putVectors(CLASSIC_KEY, ids, classicVectors(store.loadSpectra(ids)));
    });
    store.changed();
    return filled;
  }

  /**
   * Re-files the model's embeddings stored under hashes an earlier Specmatch gave the same input pipeline
   * (`manifest.legacyPipelineHashes`, set when an older manifest is migrated) under its current hash, so a library
   * built before the single vectorizer hash keeps its embeddings instead of recomputing them. Returns the rows moved.
   */
  adoptLegacyVectors(model: EmbeddingModel): number {
    const store = this.store;
    const to = modelKey(model);
    const legacy = (model.manifest.legacyPipelineHashes ?? []).filter((h) => h !== to.pipelineHash);
    if (legacy.length === 0 || store.readOnly) return 0;
    const found = legacy.filter((h) => store.hasVectors({ modelId: to.modelId, pipelineHash: h }));
    if (found.length === 0) return 0;
    let moved = 0;
    store.write(() => {
      moved = 0;
      for (const h of found) moved += store.refileVectors({ modelId: to.modelId, pipelineHash: h }, to);
      store.audit('adopt-legacy-vectors', { model: to.modelId, from: found, to: to.pipelineHash, vectors: moved });
    });
    store.changed();
    return moved;
  }
}
