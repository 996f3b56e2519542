import { SpecmatchError } from '../../errors.js';
import { CLASSIC_MODEL_ID, classicAxisValues } from '../../matching/classicAxis.js';
import { canonicalJsonHash, validatePipeline } from '../../preprocess/pipeline.js';
import type { Pipeline } from '../../preprocess/pipeline.js';
import type { Vectorizer } from '../../preprocess/vectorizer.js';
import { excludeMask } from '../../matching/excludeMask.js';
import type { ExcludeRanges } from '../../matching/excludeMask.js';
import { buildMixtureReferences, coverageMask, fitMixture, mixtureCurves, mixtureVector, MIXTURE_PIPELINE_HASH, referenceScale } from '../../matching/mixture.js';
import type { SubtractionVectors } from '../../ipc/contract.js';
import type { MixtureFit, MixtureOptions, MixtureReferences } from '../../matching/mixture.js';
import type { MixtureCombination, MixtureComponentRow, MixtureResult } from '../../matching/mixtureTypes.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { Library, ReferenceVectors } from './Library.js';
import { classicVectorizerFor, indexForMatch, matchSpectrum } from './matchLibrary.js';

/**
 * Mixture analysis against a library (the maths is src-core/matching/mixture.ts). The mixture vectors of the
 * references are derived from their stored classic vectors (an ALS baseline on 701 points, ≈ 0.5 ms each) once per
 * loaded library and kept in memory as long as the library's vector cache keeps the classic vectors. With an
 * analyst's pipeline (`--preset/--pipeline`, the app's panel) the query and every reference go through it first, as
 * for `match`: the classic vectors of the joined pipeline, computed once per library and pipeline by the indexer.
 */
const cache = new WeakMap<ReferenceVectors, MixtureReferences>();

export function mixtureReferencesOf(refs: ReferenceVectors): MixtureReferences {
  let m = cache.get(refs);
  if (!m) {
    const data = new Float32Array(refs.count * refs.dim);
    for (let r = 0; r < refs.count; r++) data.set(mixtureVector(refs.data.subarray(r * refs.dim, (r + 1) * refs.dim)), r * refs.dim);
    m = buildMixtureReferences(data, refs.count, refs.dim, refs.refSubstance);
    cache.set(refs, m);
  }
  return m;
}

/**
 * The classic reference vectors of a library under the analyst's pipeline (the default classic vectors without
 * one), computing any that are missing first, and the vectorizer that made them.
 */
export async function classicReferences(library: Library, pipeline?: Pipeline | null): Promise<{ refs: ReferenceVectors; vectorizer: Vectorizer; analyst: Pipeline | null }> {
  const analyst = pipeline && pipeline.steps.length > 0 ? validatePipeline(pipeline) : null;
  const vectorizer = classicVectorizerFor(analyst);
  if (analyst) {
    const r = await indexForMatch(library, { method: 'hqi-derivative', pipeline: analyst });
    if (r.cancelled) throw new SpecmatchError('E_CANCELLED', 'cancelled while computing reference vectors for the pipeline');
  } else library.ensureClassicVectors();
  return { refs: library.referenceVectors(CLASSIC_MODEL_ID, vectorizer.hash), vectorizer, analyst };
}

export interface LibraryMixtureOptions extends Omit<MixtureOptions, 'extraCandidates'> {
  exclude?: ExcludeRanges;
  /** Add the fit's curves to the result (the app and the report draw them). */
  curves?: boolean;
  /** The analyst's pipeline, applied to the query and to every reference before the mixture vector. */
  pipeline?: Pipeline | null;
}

/** A query spectrum's mixture vector and the mask of the axis points it covers (minus excluded ranges). */
export function mixtureQuery(query: Spectrum, vectorizer: Vectorizer, exclude?: ExcludeRanges): { vector: Float32Array; mask: Uint8Array } {
  if (query.meta.xKind !== 'raman-shift') {
    throw new SpecmatchError('E_PARAM', `${query.meta.sourceFile}: the query's x axis is ${query.meta.xKind} (${query.meta.originalXUnit}), not Raman shift${query.meta.xKind === 'wavelength' ? ': the laser wavelength is needed to convert it' : ''}`);
  }
  if (query.x.length < 3) throw new SpecmatchError('E_EMPTY', `${query.meta.sourceFile}: the query holds ${query.x.length} points`);
  const mask = coverageMask(query.x[0]!, query.x[query.x.length - 1]!);
  const ex = excludeMask(classicAxisValues(), exclude);
  if (ex) for (let i = 0; i < mask.length; i++) mask[i] = mask[i]! & ex[i]!;
  let kept = 0;
  for (const v of mask) kept += v;
  if (kept < 20) throw new SpecmatchError('E_PARAM', `${query.meta.sourceFile}: the query covers ${kept} points of the 100–1500 cm⁻¹ axis: too little to fit a mixture`);
  return { vector: mixtureVector(vectorizer.apply(query)), mask };
}

function rows(refs: ReferenceVectors, fit: MixtureFit): MixtureComponentRow[] {
  return fit.components.map((c) => ({
    substance: refs.substanceNames[c.substance]!,
    substanceId: refs.substanceIds[c.substance]!,
    spectrumId: refs.spectrumIds[c.ref]!,
    sampleId: refs.sampleIds[c.ref] ?? null,
    fraction: c.fraction,
    score: c.score,
    coefficient: c.coefficient,
    shiftCm: c.shiftCm,
  }));
}

function combination(refs: ReferenceVectors, fit: MixtureFit): MixtureCombination {
  return { components: rows(refs, fit), fit: { r2: fit.r2, hqi: fit.hqi, residual: fit.residual } };
}

/** Mixture analysis of one query spectrum against the library. */
export async function matchMixture(library: Library, query: Spectrum, opts: LibraryMixtureOptions = {}): Promise<MixtureResult> {
  const { refs, vectorizer, analyst } = await classicReferences(library, opts.pipeline);
  const { vector, mask } = mixtureQuery(query, vectorizer, opts.exclude);
  const mrefs = mixtureReferencesOf(refs);
  // The single-substance ranking of `match` (derivative HQI on the same classic vectors) joins the candidates.
  const single = await matchSpectrum(library, query, {
    method: 'hqi-derivative',
    topK: 10,
    ...(opts.exclude ? { exclude: [...opts.exclude].map(([a, b]) => [a, b] as [number, number]) } : {}),
    ...(analyst ? { pipeline: analyst } : {}),
  });
  const rowOf = new Map<number, number>();
  for (let r = 0; r < refs.count; r++) rowOf.set(refs.spectrumIds[r]!, r);
  const extraCandidates = single.matches.map((m) => rowOf.get(m.spectrumId)).filter((r): r is number => r !== undefined);
  let answer;
  try {
    answer = fitMixture(vector, mask, mrefs, { ...opts, extraCandidates });
  } catch (err) {
    if (err instanceof RangeError) throw new SpecmatchError('E_PARAM', err.message);
    throw err;
  }
  const result: MixtureResult = {
    verdict: answer.verdict,
    ...combination(refs, answer.fit),
    single: combination(refs, answer.single),
    alternatives: answer.alternatives.map((a) => combination(refs, a)),
    references: refs.count,
    // the mixture vector's steps after the classic vectorizer the query and the references went through
    pipelineHash: analyst ? canonicalJsonHash({ classic: vectorizer.hash, mixture: MIXTURE_PIPELINE_HASH }) : MIXTURE_PIPELINE_HASH,
    analystPipeline: analyst,
  };
  if (opts.curves) result.curves = mixtureCurves(vector, mask, mrefs, answer.fit);
  return result;
}

/** The query and one reference as mixture vectors over the points the query covers (the app's subtraction tool). */
export async function subtractionVectors(library: Library, query: Spectrum, spectrumId: number, pipeline?: Pipeline | null): Promise<SubtractionVectors> {
  const { refs, vectorizer } = await classicReferences(library, pipeline);
  const { vector, mask } = mixtureQuery(query, vectorizer);
  const row = refs.spectrumIds.indexOf(spectrumId);
  if (row < 0) throw new SpecmatchError('E_NOT_FOUND', `no reference spectrum with id ${spectrumId} in the library`);
  const mrefs = mixtureReferencesOf(refs);
  const ref = mrefs.data.subarray(row * mrefs.dim, (row + 1) * mrefs.dim);
  const axis = classicAxisValues();
  const out: SubtractionVectors = { x: [], query: [], reference: [], bestScale: referenceScale(vector, ref, mask), substance: refs.substanceNames[refs.refSubstance[row]!]!, spectrumId };
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    out.x.push(axis[i]!);
    out.query.push(vector[i]!);
    out.reference.push(ref[i]!);
  }
  return out;
}
