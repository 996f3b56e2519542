import { UMAP } from 'umap-js';
import { SpecmatchError } from '../../errors.js';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH } from '../../matching/classicAxis.js';
import { isMapCurrent, MAP_PARAMS, mapIdsHash, nearestOf, substanceGroup } from '../../matching/libraryMap.js';
import type { LibraryMap } from '../../matching/libraryMap.js';
import type { MatchMethod } from '../../matching/types.js';
import type { Library } from './Library.js';
import { librarySelfScores } from './matchLibrary.js';
import { makeRng } from '../../engine/random.js';

export interface LibraryMapOptions {
  /** The installed model: its embeddings are projected (by Siamese score neighbourhoods); else the classic vectors. */
  model?: EmbeddingModel | null;
  /** Recompute even when the cache is current. */
  force?: boolean;
  /** Only read the cache: undefined when there is no current map (nothing is computed). */
  cacheOnly?: boolean;
  onProgress?(done: number, total: number, phase: 'neighbours' | 'layout'): void;
  signal?: AbortSignal;
}

/** The vectors a map uses: the model's (needs its embeddings computed first), else the classic ones. */
function mapSource(library: Library, model: EmbeddingModel | null | undefined): { modelId: string; pipelineHash: string; method: MatchMethod } {
  if (model) return { modelId: model.manifest.id, pipelineHash: model.manifest.pipelineHash, method: 'siamese' };
  library.ensureClassicVectors();
  return { modelId: CLASSIC_MODEL_ID, pipelineHash: CLASSIC_PIPELINE_HASH, method: 'hqi-derivative' };
}

const tick = (signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    setImmediate(() => (signal?.aborted ? reject(new SpecmatchError('E_CANCELLED', 'library map cancelled')) : resolve()));
  });

/**
 * The library's embedding map: UMAP (umap-js, seeded) of every reference's vector under the model's key (else the
 * classic vectors), with neighbourhoods from the library's own self-scores (`librarySelfScores`: Siamese score with
 * a model, derivative HQI without; the same kernels as a match). Cached in the library's `map_cache` under the
 * vectors' key, current while the same spectra are on it with the same settings; recomputed when stale.
 */
export async function libraryMap(library: Library, opts: LibraryMapOptions = {}): Promise<LibraryMap | undefined> {
  const src = mapSource(library, opts.model);
  const refs = library.referenceVectors(src.modelId, src.pipelineHash);
  const vectorKey = `${src.modelId}:${src.pipelineHash}`;
  const params = JSON.stringify(MAP_PARAMS);
  const cache = library.mapCache(src.modelId, src.pipelineHash);
  let ids: Int32Array;
  let xy: Float32Array;
  let computedAt: string;
  let cached = false;
  if (!opts.force && isMapCurrent(cache, vectorKey, refs.spectrumIds)) {
    ids = cache!.spectrumIds;
    xy = cache!.points;
    computedAt = cache!.computedAt;
    cached = true;
  } else {
    if (opts.cacheOnly) return undefined;
    const n = refs.count;
    if (n < 3) throw new SpecmatchError('E_LIBRARY', `a map needs at least 3 references with vectors under ${vectorKey} (the library has ${n})`);
    const self = librarySelfScores(library, { method: src.method, ...(opts.model ? { model: opts.model } : {}) });
    // Neighbour lists include the point itself; UMAP needs fewer of them than points.
    const k = Math.min(MAP_PARAMS.nNeighbors, n - 1);
    // Score rows one at a time (a full n × n matrix would not fit for large libraries), keeping k per row.
    const indices: number[][] = [];
    const distances: number[][] = [];
    for (let i = 0; i < n; i++) {
      const r = nearestOf(self.scoreRow(i), i, k);
      indices.push(r.indices);
      distances.push(r.distances);
      if (i % 64 === 63 || i === n - 1) {
        opts.onProgress?.(i + 1, n, 'neighbours');
        await tick(opts.signal);
      }
    }
    const umap = new UMAP({
      nComponents: 2,
      nNeighbors: k,
      minDist: MAP_PARAMS.minDist,
      nEpochs: MAP_PARAMS.nEpochs,
      random: makeRng(MAP_PARAMS.seed), // seeded: the same library gives the same picture
    });
    umap.setPrecomputedKNN(indices, distances);
    // The neighbourhoods are given: UMAP reads only the number of rows from X.
    const epochs = umap.initializeFit(Array.from({ length: n }, () => [0]));
    for (let e = 0; e < epochs; e++) {
      umap.step();
      if (e % 10 === 9 || e === epochs - 1) {
        opts.onProgress?.(e + 1, epochs, 'layout');
        await tick(opts.signal);
      }
    }
    const emb = umap.getEmbedding();
    ids = Int32Array.from(refs.spectrumIds);
    xy = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      xy[2 * i] = emb[i]![0]!;
      xy[2 * i + 1] = emb[i]![1]!;
    }
    library.saveMapCache(src.modelId, src.pipelineHash, { params, idsHash: mapIdsHash(vectorKey, ids), spectrumIds: ids, points: xy });
    computedAt = library.mapCache(src.modelId, src.pipelineHash)?.computedAt ?? new Date().toISOString();
  }
  const formula = new Map<number, string | null>();
  for (const s of library.listSubstances({ limit: 100_000 }).items) formula.set(s.id, s.formula);
  const rowOf = new Map<number, number>();
  for (let i = 0; i < refs.count; i++) rowOf.set(refs.spectrumIds[i]!, i);
  const points: LibraryMap['points'] = [];
  for (let i = 0; i < ids.length; i++) {
    const r = rowOf.get(ids[i]!);
    if (r === undefined) continue;
    const substanceId = refs.substanceIds[refs.refSubstance[r]!]!;
    points.push({
      spectrumId: ids[i]!,
      substanceId,
      substance: refs.substanceNames[refs.refSubstance[r]!]!,
      sampleId: refs.sampleIds[r] ?? null,
      group: substanceGroup(formula.get(substanceId)),
      x: xy[2 * i]!,
      y: xy[2 * i + 1]!,
    });
  }
  return { vectorKey, method: src.method, params, computedAt, cached, points };
}
