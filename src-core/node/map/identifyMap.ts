import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../errors.js';
import { removeSpikesAcrossPixels, signalToNoise } from '../../map/mapCleanup.js';
import { layoutMap } from '../../map/mapLayout.js';
import type { PhaseMap, PixelResult } from '../../map/phaseMap.js';
import { buildPhaseMap } from '../../map/phaseMap.js';
import type { MatchMethod } from '../../matching/types.js';
import type { Pipeline } from '../../preprocess/pipeline.js';
import type { Spectrum } from '../../spectrum/Spectrum.js';
import type { Library } from '../library/Library.js';
import { defaultMethodFor, matchSpectra } from '../library/matchLibrary.js';

export interface IdentifyMapOptions {
  method?: MatchMethod;
  model?: EmbeddingModel | null;
  /**
   * The analyst's pipeline, as in a MatchRequest: applied to every spectrum (after spike removal) and to the
   * references, so a pixel ranks exactly as the same spectrum would in \`specmatch match --pipeline\`.
   */
  pipeline?: Pipeline;
  /** A pixel needs this score (besides a 'match' or 'ambiguous' verdict) to be assigned. */
  minScore?: number;
  /** Cosmic-ray removal across neighbouring pixels. */
  despike?: boolean;
  /** Signal-to-noise mask: spectra under this ratio are not matched ('low-signal'). */
  snrMin?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface IdentifiedMap {
  map: PhaseMap;
  /** The spectra as matched (after spike removal, before the pipeline), file order. */
  spectra: Spectrum[];
  method: MatchMethod;
  modelId?: string;
  /** Cosmic-ray spikes removed and pixels that had one (0 without despike). */
  spikes: number;
  spikePixels: number;
}

/**
 * Identifies every spectrum of a map, line scan or multi-spectrum file: lays the spectra out (positions from the
 * file), optionally removes cosmic rays across neighbouring pixels and masks low signal-to-noise spectra, matches
 * the rest in batches (matchSpectra, the one matching path) and builds the phase map.
 */
export async function identifyMap(library: Library, input: readonly Spectrum[], opts: IdentifyMapOptions = {}): Promise<IdentifiedMap> {
  if (input.length === 0) throw new SpecmatchError('E_EMPTY', 'the map holds no spectrum');
  const layout = layoutMap(input);
  let spectra = [...input];
  let spikes = 0;
  let spikePixels = 0;
  if (opts.despike) {
    const d = removeSpikesAcrossPixels(spectra, layout);
    spectra = d.spectra;
    spikes = d.spikes;
    spikePixels = d.pixels;
  }
  const results: PixelResult[] = new Array<PixelResult>(spectra.length);
  const toMatch: number[] = [];
  spectra.forEach((s, i) => {
    if (opts.snrMin !== undefined) {
      const snr = signalToNoise(s.y);
      if (!(snr >= opts.snrMin)) {
        results[i] = { substance: null, score: 0, verdict: 'low-signal', reason: `signal-to-noise ${snr.toFixed(1)} < ${opts.snrMin}` };
        return;
      }
    }
    toMatch.push(i);
  });
  const queries = toMatch.map((i) => spectra[i]!);
  const method = opts.method ?? defaultMethodFor(opts.model?.manifest);
  const outcomes = await matchSpectra(library, queries, {
    method,
    model: opts.model ?? null,
    topK: 1,
    ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  let modelId: string | undefined;
  outcomes.forEach((o, k) => {
    const i = toMatch[k]!;
    if (o.ok) {
      const top = o.result.matches[0];
      modelId ??= o.result.modelId;
      results[i] = top && top.score > 0 ? { substance: top.substance, score: top.score, spectrumId: top.spectrumId, verdict: o.result.verdict } : { substance: null, score: 0, verdict: 'no-match' };
    } else results[i] = { substance: null, score: 0, verdict: 'error', reason: o.error.message };
  });
  const map = buildPhaseMap(layout, results, opts.minScore === undefined ? {} : { minScore: opts.minScore });
  return { map, spectra, method, ...(modelId ? { modelId } : {}), spikes, spikePixels };
}
