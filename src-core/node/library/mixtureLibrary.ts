import { SpecmatchError } from '../../errors.js';
import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, classicAxisValues, classicVector } from '../../matching/classicAxis.js';
import { excludeMask } from '../../matching/excludeMask.js';
import type { ExcludeRanges } from '../../matching/excludeMask.js';
import { buildMixtureReferences, coverageMask, fitMixture, mixtureCurves, mixtureVector, MIXTURE_PIPELINE_HASH, referenceScale } from '../../matching/mixture.js';
import type { SubtractionVectors } from '../../ipc/contract.js';
import type { MixtureFit, MixtureOptions, MixtureReferences } from '../../matching/mixture.js';
import type { MixtureCombination, MixtureComponentRow, MixtureResult } from '../../matching/mixtureTypes.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { Library, ReferenceVectors } from './Library.js';
import { matchSpectrum } from './matchLibrary.js';

/**
 * Mixture analysis against a library (the maths is src-core/matching/mixture.ts). The mixture vectors of the
 * references are derived from their stored classic vectors (an ALS baseline on 701 points, ≈ 0.5 ms each) once per
 * loaded library and kept in memory as long as the library's vector cache keeps the classic vectors.
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

/** The classic reference vectors of a library, computed for any spectrum that lacks one. */
export function classicReferences(library: Library): ReferenceVectors {
  library.ensureClassicVectors();
  return library.referenceVectors(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH);
}

export interface LibraryMixtureOptions extends Omit<MixtureOptions, 'extraCandidates'> {
  exclude?: ExcludeRanges;
  /** Add the fit's curves to the result (the app and the report draw them). */
  curves?: boolean;
}

/** A query spectrum's mixture vector and the mask of the axis points it covers (minus excluded ranges). */
export function mixtureQuery(query: Spectrum, exclude?: ExcludeRanges): { vector: Float32Array; mask: Uint8Array } {
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
  return { vector: mixtureVector(classicVector(query.x, query.y)), mask };
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
  const { vector, mask } = mixtureQuery(query, opts.exclude);
  const refs = classicReferences(library);
  const mrefs = mixtureReferencesOf(refs);
  // The single-substance ranking of `match` (derivative HQI on the classic vectors) joins the candidates.
  const single = await matchSpectrum(library, query, { method: 'hqi-derivative', topK: 10, ...(opts.exclude ? { exclude: [...opts.exclude].map(([a, b]) => [a, b] as [number, number]) } : {}) });
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
    pipelineHash: MIXTURE_PIPELINE_HASH,
  };
  if (opts.curves) result.curves = mixtureCurves(vector, mask, mrefs, answer.fit);
  return result;
}

/** The query and one reference as mixture vectors over the points the query covers (the app's subtraction tool). */
export function subtractionVectors(library: Library, query: Spectrum, spectrumId: number): SubtractionVectors {
  const { vector, mask } = mixtureQuery(query);
  const refs = classicReferences(library);
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
