import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { DEFAULT_FUSION_ALPHA } from '../../engine/calibration.js';
import { SpecmatchError, toSpecmatchError } from '../../errors.js';
import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE, CLASSIC_PIPELINE_HASH, CLASSIC_VECTORIZER, classicAxisValues } from '../../matching/classicAxis.js';
import { excludeMask } from '../../matching/excludeMask.js';
import { rankSubstances } from '../../matching/rankSubstances.js';
import { prepareVector, preparedLength, scoreAll, scoreFromDot } from '../../matching/search.js';
import type { ReferenceMatrix } from '../../matching/search.js';
import { classicMethods } from '../../matching/similarity.js';
import type { ClassicMethod } from '../../matching/similarity.js';
import { DEFAULT_CLASSIC_METHOD, MATCH_METHODS, defaultMethodFor, matchMethod } from '../../matching/methods.js';
import type { MatchMethodSpec } from '../../matching/methods.js';
import type { HqiValues, MatchMethod, MatchOptions, MatchRequest, MatchResult, MatchRow, MatchVectors } from '../../matching/types.js';
import type { Pipeline } from '../../preprocess/pipeline.js';
import { pipelineHash, runPipeline, validatePipeline } from '../../preprocess/pipeline.js';
import { makeVectorizer } from '../../preprocess/vectorizer.js';
import type { Vectorizer } from '../../preprocess/vectorizer.js';
import { verdictFor } from '../../matching/verdict.js';
import type { VerdictCalibration } from '../../matching/verdict.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import { embedEach } from './Library.js';
import type { FillVectorsReport, Library, ReferenceVectors } from './Library.js';
import { padTo4, SimdMatrix, simdAvailable } from './simdDot.js';

export interface LibraryMatchOptions extends MatchOptions {
  /** The Siamese model, needed by the siamese and fused methods. */
  model?: EmbeddingModel | null;
  /**
   * Progress while reference vectors for an analyst's pipeline are computed (once per library and pipeline, before
   * the first match that needs them).
   */
  onIndexProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export const DEFAULT_TOP_K = 10;
export { DEFAULT_CLASSIC_METHOD, MATCH_METHODS, defaultMethodFor };

/** Weight of the Siamese score in the fused method (α·siamese + (1 − α)·derivative HQI): see engine/calibration.ts. */
export { DEFAULT_FUSION_ALPHA };

/** The model's own α (`metrics.fusionAlpha`), else DEFAULT_FUSION_ALPHA. */
export function fusionAlpha(model: EmbeddingModel): number {
  const a = model.manifest.metrics['fusionAlpha'];
  return typeof a === 'number' && a >= 0 && a <= 1 ? a : DEFAULT_FUSION_ALPHA;
}

/**
 * Used when a model's manifest carries no calibration: the verdict then only separates clear from unclear, with
 * thresholds chosen for a sigmoid head (0.5 = undecided). Replace by measured ones in the manifest.
 */
const UNCALIBRATED_MODEL: VerdictCalibration = { match: 0.9, gap: 0.05, noMatch: 0.5, source: 'model manifest has no calibration: sigmoid defaults' };

/** A prepared matrix, in WebAssembly memory with a SIMD dot-product kernel when the runtime has SIMD. */
interface PreparedMatrix extends ReferenceMatrix {
  simd: SimdMatrix | null;
}

/** Prepared matrices per method, kept as long as the library's vector cache keeps their source. */
const prepared = new WeakMap<ReferenceVectors, Map<ClassicMethod, PreparedMatrix>>();
const views = new WeakMap<ReferenceVectors, Float32Array[]>();

function preparedMatrix(refs: ReferenceVectors, method: ClassicMethod): PreparedMatrix {
  let byMethod = prepared.get(refs);
  if (!byMethod) {
    byMethod = new Map();
    prepared.set(refs, byMethod);
  }
  const hit = byMethod.get(method);
  if (hit) return hit;
  // Rows padded with zeros to a multiple of 4 (the SIMD width): no dot product changes, and a padded query or mask
  // (zeros) keeps the masked formulas exact.
  const simd = simdAvailable() && refs.count > 0 ? new SimdMatrix(refs.count, preparedLength(method, refs.dim), MATCH_BATCH) : null;
  const dim = padTo4(preparedLength(method, refs.dim));
  const data = simd ? simd.data : new Float32Array(refs.count * dim);
  for (let r = 0; r < refs.count; r++) data.set(prepareVector(method, refs.data.subarray(r * refs.dim, (r + 1) * refs.dim)), r * dim);
  const m: PreparedMatrix = { dim, count: refs.count, data, simd };
  byMethod.set(method, m);
  return m;
}

/** Scores of a query (axis vector) against a prepared matrix: SIMD dot products unmasked, scoreAll with a mask. */
function classicScores(method: ClassicMethod, matrix: PreparedMatrix, qAxis: Float32Array, mask: Uint8Array | undefined): Float32Array {
  const q = new Float32Array(matrix.dim);
  q.set(prepareVector(method, qAxis));
  if (!mask && matrix.simd) {
    const dots = matrix.simd.dotAll(q);
    for (let i = 0; i < dots.length; i++) dots[i] = scoreFromDot(method, dots[i]!);
    return dots;
  }
  return scoreAll(method, matrix, q, mask);
}

const rowIndexes = new WeakMap<ReferenceVectors, Map<number, number>>();
function classicRowIndex(refs: ReferenceVectors): Map<number, number> {
  let m = rowIndexes.get(refs);
  if (!m) {
    m = new Map();
    for (let r = 0; r < refs.count; r++) m.set(refs.spectrumIds[r]!, r);
    rowIndexes.set(refs, m);
  }
  return m;
}

const siameseMatrices = new WeakMap<ReferenceVectors, SimdMatrix>();
/** Models whose similarity was checked to be exactly the L1 head sigmoid(b + Σ w|a − b|): true = fast path ok. */
const headChecked = new WeakMap<EmbeddingModel, boolean>();

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Siamese scores of a query embedding against every reference. When the model exposes its L1 head (`head.w`,
 * `head.b`, as the tfjs model does) and SIMD is available, the head runs in the SIMD kernel over one matrix; the
 * fast path is used only after it reproduced the model's own `similarityMany` on the first references (a model
 * with another head keeps its own maths).
 */
function siameseScores(model: EmbeddingModel, refs: ReferenceVectors, embedding: Float32Array): Float32Array {
  const head = (model as unknown as { head?: { w?: unknown; b?: unknown } }).head;
  const w = head?.w;
  const b = head?.b;
  if (!simdAvailable() || !(w instanceof Float32Array) || typeof b !== 'number' || w.length !== refs.dim || headChecked.get(model) === false) {
    return model.similarityMany(embedding, rowViews(refs));
  }
  let matrix = siameseMatrices.get(refs);
  if (!matrix) {
    matrix = new SimdMatrix(refs.count, refs.dim, MATCH_BATCH);
    for (let r = 0; r < refs.count; r++) matrix.data.set(refs.data.subarray(r * refs.dim, (r + 1) * refs.dim), r * matrix.dim);
    siameseMatrices.set(refs, matrix);
  }
  const z = matrix.weightedL1All(embedding, w);
  for (let i = 0; i < z.length; i++) z[i] = sigmoid(b + z[i]!);
  if (!headChecked.has(model)) {
    const n = Math.min(16, refs.count);
    const own = model.similarityMany(embedding, rowViews(refs).slice(0, n));
    const same = Array.from(own).every((v, i) => Math.abs(v - z[i]!) <= 1e-4);
    headChecked.set(model, same);
    if (!same) return model.similarityMany(embedding, rowViews(refs));
  }
  return z;
}

function rowViews(refs: ReferenceVectors): Float32Array[] {
  let v = views.get(refs);
  if (!v) {
    v = [];
    for (let r = 0; r < refs.count; r++) v.push(refs.data.subarray(r * refs.dim, (r + 1) * refs.dim));
    views.set(refs, v);
  }
  return v;
}

/**
 * Replaces the query's points inside excluded ranges by a straight line between the range's edges, so the network
 * does not see a masked band (it cannot take a mask). The classic HQIs use the exact mask instead.
 */
function bridgeExcluded(q: Spectrum, ranges: ReadonlyArray<readonly [number, number]>): Spectrum {
  const y = Float64Array.from(q.y);
  for (const [a, b] of ranges) {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    let i0 = -1;
    let i1 = -1;
    for (let i = 0; i < q.x.length; i++) {
      if (q.x[i]! >= lo && q.x[i]! <= hi) {
        if (i0 < 0) i0 = i;
        i1 = i;
      }
    }
    if (i0 < 0) continue;
    const left = i0 > 0 ? i0 - 1 : i1 + 1 < q.x.length ? i1 + 1 : i0;
    const right = i1 + 1 < q.x.length ? i1 + 1 : left;
    const xl = q.x[left]!;
    const xr = q.x[right]!;
    for (let i = i0; i <= i1; i++) y[i] = xr === xl ? y[left]! : y[left]! + ((q.x[i]! - xl) * (y[right]! - y[left]!)) / (xr - xl);
  }
  return { ...q, y };
}

function checkOptions(opts: LibraryMatchOptions): { method: MatchMethodSpec; topK: number; analyst: Pipeline | null } {
  const method = matchMethod(opts.method ?? defaultMethodFor(opts.model?.manifest));
  if (method.vectors !== 'classic' && !opts.model) throw new SpecmatchError('E_MODEL', `method '${method.id}' needs a model and none is loaded`);
  const topK = opts.topK ?? DEFAULT_TOP_K;
  if (!Number.isInteger(topK) || topK < 1) throw new SpecmatchError('E_PARAM', `topK must be a whole number ≥ 1, got ${topK}`);
  const analyst = opts.pipeline && opts.pipeline.steps.length > 0 ? validatePipeline(opts.pipeline) : null;
  return { method, topK, analyst };
}

const joined = (analyst: Pipeline | null, own: Pipeline): Pipeline => (analyst ? { schemaVersion: 1, steps: [...analyst.steps, ...own.steps] } : own);

/** The classic vectorizer after the analyst's steps (the default one without them). */
export function classicVectorizerFor(analyst: Pipeline | null): Vectorizer {
  return analyst ? makeVectorizer(joined(analyst, CLASSIC_PIPELINE)) : CLASSIC_VECTORIZER;
}

/** The key and pipeline of a model's embeddings after the analyst's steps. */
export function modelVectorsFor(model: EmbeddingModel, analyst: Pipeline | null): MatchVectors {
  if (!analyst) return { modelId: model.manifest.id, pipeline: model.manifest.pipeline, hash: model.manifest.pipelineHash };
  const pipeline = validatePipeline(joined(analyst, model.manifest.pipeline));
  return { modelId: model.manifest.id, pipeline, hash: pipelineHash(pipeline) };
}

/** Embeds spectra after the analyst's steps (a spectrum they cannot process gets its error). */
async function embedAfter(model: EmbeddingModel, analyst: Pipeline | null, spectra: readonly Spectrum[]): Promise<Array<Float32Array | SpecmatchError>> {
  if (!analyst) return embedEach(model, spectra);
  const processed: Array<Spectrum | SpecmatchError> = spectra.map((s) => {
    try {
      return runPipeline(s, analyst).result;
    } catch (err) {
      return toSpecmatchError(err, { code: 'E_PIPELINE' });
    }
  });
  const ok = processed.filter((p): p is Spectrum => !(p instanceof SpecmatchError));
  const vectors = ok.length ? await embedEach(model, ok) : [];
  let k = 0;
  return processed.map((p) => (p instanceof SpecmatchError ? p : vectors[k++]!));
}

function vectorsOrError(v: Vectorizer, spectra: readonly Spectrum[]): Array<Float32Array | SpecmatchError> {
  return spectra.map((s) => {
    try {
      return v.apply(s);
    } catch (err) {
      return toSpecmatchError(err, { code: 'E_PIPELINE' });
    }
  });
}

/**
 * Makes sure every reference has its vectors for these options (the analyst's pipeline through the method's own
 * steps) and returns how many were computed. Default pipelines: the classic vectors are filled at once (they are
 * made on import anyway); an analyst's pipeline's vectors are computed once per library and pipeline, with
 * progress, and the previous analyst pipeline's are dropped (one is kept per model id beside the defaults).
 */
export async function indexForMatch(library: Library, opts: LibraryMatchOptions): Promise<{ computed: number; failed: number; cancelled: boolean }> {
  const { method, analyst } = checkOptions(opts);
  library.ensureClassicVectors();
  const total = { computed: 0, failed: 0, cancelled: false };
  const add = (r: FillVectorsReport): void => {
    total.computed += r.computed;
    total.failed += r.failed;
    total.cancelled ||= r.cancelled;
  };
  const fillOpts = { ...(opts.onIndexProgress ? { onProgress: opts.onIndexProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
  if (method.vectors !== 'classic') {
    const model = opts.model!;
    library.adoptLegacyVectors(model);
    if (analyst) {
      const mv = modelVectorsFor(model, analyst);
      if (library.missingVectors({ modelId: mv.modelId, pipelineHash: mv.hash }) > 0) {
        library.dropVectorsExcept(model.manifest.id, [model.manifest.pipelineHash, mv.hash]);
        add(await library.fillVectors({ modelId: mv.modelId, pipelineHash: mv.hash }, (spectra) => embedAfter(model, analyst, spectra), fillOpts));
      }
    }
  }
  if (analyst && method.vectors !== 'model') {
    const v = classicVectorizerFor(analyst);
    if (library.missingVectors({ modelId: CLASSIC_MODEL_ID, pipelineHash: v.hash }) > 0) {
      library.dropVectorsExcept(CLASSIC_MODEL_ID, [CLASSIC_PIPELINE_HASH, v.hash]);
      add(await library.fillVectors({ modelId: CLASSIC_MODEL_ID, pipelineHash: v.hash }, (spectra) => vectorsOrError(v, spectra), fillOpts));
    }
  }
  return total;
}

/**
 * Reference vectors indexForMatch would compute for these options (an analyst's pipeline's; the model's own
 * embeddings missing are counted by Library.embeddingStatus).
 */
export function pendingVectors(library: Library, opts: LibraryMatchOptions): number {
  const { method, analyst } = checkOptions(opts);
  if (!analyst) return 0;
  let n = 0;
  if (method.vectors !== 'classic') {
    const mv = modelVectorsFor(opts.model!, analyst);
    n += library.missingVectors({ modelId: mv.modelId, pipelineHash: mv.hash });
  }
  if (method.vectors !== 'model') n += library.missingVectors({ modelId: CLASSIC_MODEL_ID, pipelineHash: classicVectorizerFor(analyst).hash });
  return n;
}

/** Queries scored together in one pass over the reference matrices (and embedded in one model call). */
export const MATCH_BATCH = 64;

export interface BatchMatchOptions extends LibraryMatchOptions {
  /** Checked between batches: an aborted signal stops the work with E_CANCELLED. */
  signal?: AbortSignal;
  /** Called after each batch with the number of queries done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** One query's outcome in a batch: its result, or the typed error that made it unanswerable (bad axis, no points). */
export type BatchMatchOutcome = { ok: true; result: MatchResult } | { ok: false; error: SpecmatchError };

function checkQuery(query: Spectrum): void {
  if (query.meta.xKind !== 'raman-shift') {
    throw new SpecmatchError('E_PARAM', `${query.meta.sourceFile}: the query's x axis is ${query.meta.xKind} (${query.meta.originalXUnit}), not Raman shift${query.meta.xKind === 'wavelength' ? ': the laser wavelength is needed to convert it' : ''}`);
  }
  if (query.x.length < 3) throw new SpecmatchError('E_EMPTY', `${query.meta.sourceFile}: the query holds ${query.x.length} points`);
}

/** Classic scores of many queries (axis vectors): block SIMD passes unmasked, scoreAll per query with a mask. */
function classicScoresMany(method: ClassicMethod, matrix: PreparedMatrix, qAxes: readonly Float32Array[], mask: Uint8Array | undefined): Float32Array[] {
  if (mask || !matrix.simd || matrix.simd.batch === 0 || qAxes.length === 1) return qAxes.map((q) => classicScores(method, matrix, q, mask));
  const dots = matrix.simd.dotsMany(qAxes.map((q) => prepareVector(method, q)));
  for (const d of dots) for (let i = 0; i < d.length; i++) d[i] = scoreFromDot(method, d[i]!);
  return dots;
}

/**
 * Ranks the library's substances against each query spectrum: the one matching path of the CLI, the app, the
 * report and maps. Queries are handled in batches of MATCH_BATCH: one model call embeds a batch, and one pass over
 * each reference matrix scores it (WebAssembly SIMD block kernels), which is what makes a 10,000-pixel map fast.
 * Every substance gets the score of its best reference spectrum; each row also carries every classic HQI of that
 * best pair (on the classic axis, with the exclusion mask). The verdict comes from the method's calibration
 * (src-core/matching/verdict.ts, or the model manifest's). A query that cannot be matched (not Raman shift, fewer
 * than 3 points) gets its error in its slot; library and model failures throw.
 */
export async function matchSpectra(library: Library, queries: readonly Spectrum[], opts: BatchMatchOptions = {}): Promise<BatchMatchOutcome[]> {
  const { method, topK, analyst } = checkOptions(opts);
  const idx = await indexForMatch(library, opts);
  if (idx.cancelled) throw new SpecmatchError('E_CANCELLED', `cancelled while computing reference vectors for the pipeline (${idx.computed} kept for next time)`);
  const exclude = opts.exclude ?? [];
  const classicVz = classicVectorizerFor(analyst);
  const classicVectors: MatchVectors = { modelId: CLASSIC_MODEL_ID, pipeline: classicVz.pipeline, hash: classicVz.hash };
  const axis = classicAxisValues();
  const mask = excludeMask(axis, exclude);
  const classicRefs = library.referenceVectors(CLASSIC_MODEL_ID, classicVz.hash);
  const model = method.vectors === 'classic' ? null : opts.model!;
  const mv = model ? modelVectorsFor(model, analyst) : null;
  const refs = model && mv ? library.referenceVectors(mv.modelId, mv.hash) : classicRefs;
  let calibration: VerdictCalibration;
  const used: MatchVectors[] = mv ? [mv] : [classicVectors];
  const extra: Partial<MatchResult> = {};
  if (!model) {
    calibration = method.calibration.kind === 'constant' ? method.calibration.thresholds : UNCALIBRATED_MODEL;
  } else {
    const c = model.manifest.calibration;
    calibration = c ? { match: c.match, gap: c.ambiguousGap, noMatch: c.noMatch, source: `model ${model.manifest.id} manifest` } : UNCALIBRATED_MODEL;
    if (method.scorer.kind === 'fused') {
      used.push(classicVectors);
      const alpha = fusionAlpha(model);
      const fc = model.manifest.fusedCalibration;
      calibration =
        fc && fc.alpha === alpha
          ? { match: fc.match, gap: fc.ambiguousGap, noMatch: fc.noMatch, source: `model ${model.manifest.id} manifest, fused α = ${alpha}` }
          : { ...UNCALIBRATED_MODEL, source: `fused α = ${alpha}: uncalibrated defaults` };
    }
    extra.modelId = model.manifest.id;
    extra.missingEmbeddings = library.embeddingStatus(model).missing;
  }
  const calibrated = analyst === null && calibration !== UNCALIBRATED_MODEL && !calibration.source.includes('uncalibrated');
  if (analyst) calibration = { ...calibration, source: `uncalibrated: thresholds measured for the default pipeline (${calibration.source}), not for this one` };
  Object.assign(extra, { vectors: used, analystPipeline: analyst, exclude: exclude.map(([a, b]) => [a, b] as [number, number]), calibrated, pipelineHash: used[0]!.hash });

  const outcomes: BatchMatchOutcome[] = new Array<BatchMatchOutcome>(queries.length);
  for (let start = 0; start < queries.length; start += MATCH_BATCH) {
    if (opts.signal?.aborted) throw new SpecmatchError('E_CANCELLED', 'matching was cancelled');
    const end = Math.min(queries.length, start + MATCH_BATCH);
    let batch: { slot: number; query: Spectrum; qClassic: Float32Array }[] = [];
    // The model's input: the query after the analyst's steps (the references went through them too).
    for (let i = start; i < end; i++) {
      const query = queries[i]!;
      try {
        checkQuery(query);
        const processed = model && analyst ? runPipeline(query, analyst).result : query;
        batch.push({ slot: i, query: processed, qClassic: classicVz.apply(query) });
      } catch (err) {
        outcomes[i] = { ok: false, error: toSpecmatchError(err, { code: 'E_PARAM' }) };
      }
    }
    if (batch.length > 0) {
      let qAxes = batch.map((b) => b.qClassic);
      let scores: Float32Array[];
      if (!model) {
        const m = (method.scorer as { measure: ClassicMethod }).measure;
        scores = refs.count === 0 ? batch.map(() => new Float32Array(0)) : classicScoresMany(m, preparedMatrix(refs, m), qAxes, mask);
      } else {
        const inputs = exclude.length > 0 ? batch.map((b) => bridgeExcluded(b.query, exclude)) : batch.map((b) => b.query);
        let embeddings: Float32Array[];
        try {
          embeddings = await model.embed(inputs);
        } catch (err) {
          const e = toSpecmatchError(err, { code: 'E_MODEL' });
          if (e.code === 'E_MODEL') throw e;
          // One query the model refuses (outside its axis, …) must not fail its whole batch: embed one by one and
          // give each refused query its own error.
          const one: (Float32Array | null)[] = [];
          for (let k = 0; k < batch.length; k++) {
            try {
              one.push((await model.embed([inputs[k]!]))[0]!);
            } catch (err1) {
              const e1 = toSpecmatchError(err1, { code: 'E_MODEL' });
              if (e1.code === 'E_MODEL') throw e1;
              outcomes[batch[k]!.slot] = { ok: false, error: e1 };
              one.push(null);
            }
          }
          batch = batch.filter((_, k) => one[k] !== null);
          qAxes = batch.map((b) => b.qClassic);
          embeddings = one.filter((v): v is Float32Array => v !== null);
        }
        if (batch.length === 0) {
          opts.onProgress?.(end, queries.length);
          continue;
        }
        scores = refs.count === 0 ? batch.map(() => new Float32Array(0)) : siameseScoresMany(model, refs, embeddings);
        if (method.scorer.kind === 'fused') {
          const measure = method.scorer.measure;
          const derivative = classicRefs.count === 0 ? batch.map(() => new Float32Array(0)) : classicScoresMany(measure, preparedMatrix(classicRefs, measure), qAxes, mask);
          const rowOf = classicRowIndex(classicRefs);
          const alpha = fusionAlpha(model);
          // Row of each Siamese reference in the classic matrix, computed once per batch.
          const rows = new Int32Array(refs.count);
          for (let i = 0; i < refs.count; i++) rows[i] = rowOf.get(refs.spectrumIds[i]!) ?? -1;
          scores = scores.map((siamese, k) => {
            const d = derivative[k]!;
            const fused = new Float32Array(siamese.length);
            for (let i = 0; i < siamese.length; i++) fused[i] = alpha * siamese[i]! + (1 - alpha) * (rows[i]! < 0 ? 0 : d[rows[i]!]!);
            return fused;
          });
        }
      }
      batch.forEach((b, k) => {
        outcomes[b.slot] = { ok: true, result: rankedResult(library, classicRefs, refs, scores[k]!, b.qClassic, mask, topK, method.id, calibration, extra) };
      });
    }
    opts.onProgress?.(end, queries.length);
    // Let the event loop breathe between batches (progress events, a cancel request, HTTP requests in web mode).
    if (end < queries.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return outcomes;
}

/** Siamese scores of many query embeddings: the block SIMD head when the fast path holds, else one query at a time. */
function siameseScoresMany(model: EmbeddingModel, refs: ReferenceVectors, embeddings: readonly Float32Array[]): Float32Array[] {
  const first = siameseScores(model, refs, embeddings[0]!); // checks the fast path once per model
  if (embeddings.length === 1) return [first];
  const w = (model as unknown as { head?: { w?: unknown; b?: unknown } }).head?.w;
  const b = (model as unknown as { head?: { b?: unknown } }).head?.b;
  const matrix = siameseMatrices.get(refs);
  if (headChecked.get(model) !== true || !matrix || !(w instanceof Float32Array) || typeof b !== 'number') {
    return [first, ...embeddings.slice(1).map((e) => siameseScores(model, refs, e))];
  }
  const z = matrix.weightedL1Many(embeddings.slice(1), w);
  for (const row of z) for (let i = 0; i < row.length; i++) row[i] = sigmoid(b + row[i]!);
  return [first, ...z];
}

function rankedResult(
  library: Library,
  classicRefs: ReferenceVectors,
  refs: ReferenceVectors,
  scores: ArrayLike<number>,
  qClassic: Float32Array,
  mask: Uint8Array | undefined,
  topK: number,
  method: MatchMethod,
  calibration: VerdictCalibration,
  extra: Partial<MatchResult>,
): MatchResult {
  const ranked = rankSubstances(scores, refs.refSubstance, refs.substanceIds.length, topK);
  const matches: MatchRow[] = ranked.map((r, i) => {
    const spectrumId = refs.spectrumIds[r.ref]!;
    // The classic vector of the best reference, from the in-memory matrix (the database only when it is missing).
    const row = classicRowIndex(classicRefs).get(spectrumId);
    const ref = row !== undefined ? classicRefs.data.subarray(row * classicRefs.dim, (row + 1) * classicRefs.dim) : library.vectorOf(spectrumId, CLASSIC_MODEL_ID, classicRefs.pipelineHash);
    const hqi: HqiValues = ref
      ? {
          correlation: classicMethods['hqi-correlation'](qClassic, ref, mask),
          derivative: classicMethods['hqi-derivative'](qClassic, ref, mask),
          cosine: classicMethods.cosine(qClassic, ref, mask),
          euclidean: classicMethods.euclidean(qClassic, ref, mask),
        }
      : { correlation: 0, derivative: 0, cosine: 0, euclidean: 0 };
    return {
      rank: i + 1,
      substance: refs.substanceNames[r.substance]!,
      substanceId: refs.substanceIds[r.substance]!,
      score: r.score,
      gap: r.gap,
      spectrumId,
      sampleId: refs.sampleIds[r.ref] ?? null,
      hqi,
    };
  });
  const best = matches[0];
  return {
    method,
    verdict: verdictFor(best?.score, best?.gap ?? 0, calibration),
    matches,
    vectors: extra.vectors ?? [],
    analystPipeline: extra.analystPipeline ?? null,
    exclude: extra.exclude ?? [],
    calibrated: extra.calibrated ?? false,
    references: refs.count,
    calibration: { match: calibration.match, gap: calibration.gap, noMatch: calibration.noMatch, source: calibration.source },
    ...extra,
  };
}

/**
 * The library scored against itself by one method, row by row, from the stored vectors (no query is embedded): what
 * the library checks use to find each reference's nearest neighbours. `scoreRow(i)` is the score of reference `i`
 * against every reference of `refs` (itself included), exactly as `matchSpectrum` would score that reference's
 * spectrum given as a query without an exclusion mask. For `fused`, rows without a classic vector score 0 on the HQI
 * part, as in `matchSpectrum`.
 */
export interface LibrarySelfScores {
  method: MatchMethod;
  refs: ReferenceVectors;
  scoreRow: (i: number) => Float32Array;
}

export function librarySelfScores(library: Library, opts: { method?: MatchMethod; model?: EmbeddingModel | null; classicRefs?: ReferenceVectors } = {}): LibrarySelfScores {
  const { method: spec } = checkOptions(opts);
  const method = spec.id;
  library.ensureClassicVectors();
  // other classic vectors of the same references (the library checks' near-duplicate vectors) may be given
  const classic = opts.classicRefs ?? library.referenceVectors(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH);
  if (spec.scorer.kind === 'classic') {
    const m = spec.scorer.measure;
    const matrix = preparedMatrix(classic, m);
    return { method, refs: classic, scoreRow: (i) => classicScores(m, matrix, classic.data.subarray(i * classic.dim, (i + 1) * classic.dim), undefined) };
  }
  const model = opts.model!;
  const refs = library.referenceVectors(model.manifest.id, model.manifest.pipelineHash);
  const rowOf = classicRowIndex(classic);
  const derivative = classic.count === 0 ? null : preparedMatrix(classic, spec.scorer.kind === 'fused' ? spec.scorer.measure : 'hqi-derivative');
  const alpha = fusionAlpha(model);
  return {
    method,
    refs,
    scoreRow(i) {
      const siamese = siameseScores(model, refs, refs.data.slice(i * refs.dim, (i + 1) * refs.dim));
      if (spec.scorer.kind !== 'fused') return siamese;
      const own = rowOf.get(refs.spectrumIds[i]!);
      const d = derivative && own !== undefined ? classicScores(spec.scorer.kind === 'fused' ? spec.scorer.measure : 'hqi-derivative', derivative, classic.data.subarray(own * classic.dim, (own + 1) * classic.dim), undefined) : null;
      const fused = new Float32Array(siamese.length);
      for (let j = 0; j < siamese.length; j++) {
        const row = rowOf.get(refs.spectrumIds[j]!);
        fused[j] = alpha * siamese[j]! + (1 - alpha) * (d === null || row === undefined ? 0 : d[row]!);
      }
      return fused;
    },
  };
}

/** Ranks the library's substances against one query spectrum (matchSpectra with one query; its error is thrown). */
export async function matchSpectrum(library: Library, query: Spectrum, opts: LibraryMatchOptions = {}): Promise<MatchResult> {
  checkOptions(opts);
  checkQuery(query);
  const [outcome] = await matchSpectra(library, [query], opts);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.result;
}

/** One MatchRequest (the CLI's, the app's and the report's) against the library. */
export function runMatchRequest(library: Library, req: MatchRequest, ctx: Pick<LibraryMatchOptions, 'model' | 'onIndexProgress' | 'signal'> = {}): Promise<MatchResult> {
  const { spectrum, ...opts } = req;
  return matchSpectrum(library, spectrum, { ...opts, ...ctx });
}
