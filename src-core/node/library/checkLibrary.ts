import { CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH, CLASSIC_WITH_BACKGROUND_PIPELINE } from '../../matching/classicAxis.js';
import { makeVectorizer } from '../../preprocess/vectorizer.js';
import { createHash } from 'node:crypto';
import { SpecmatchError } from '../../errors.js';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { CLASSIC_CHECK_THRESHOLDS, runLibraryChecks } from '../../matching/libraryChecks.js';
import type { CheckThresholds, LibraryFinding, SpectrumQualityFacts } from '../../matching/libraryChecks.js';
import type { MatchMethod } from '../../matching/types.js';
import { assessQuality } from '../../preprocess/quality.js';
import type { Library, ReferenceVectors } from './Library.js';
import { defaultMethodFor, librarySelfScores } from './matchLibrary.js';

export interface CheckLibraryOptions {
  /** The installed model: the default method is the one it recommends (else derivative HQI). */
  model?: EmbeddingModel | null;
  /** Overrides the default method. */
  method?: MatchMethod;
  thresholds?: Partial<CheckThresholds>;
  /** Include findings the user dismissed (marked `dismissed: true`). @default false */
  includeDismissed?: boolean;
  onProgress?(done: number, total: number): void;
  /** Filled with spectrum id → whether its nearest reference (default method) is of its own substance. */
  nearestIsOwn?: Map<number, boolean>;
  /** Cancels the run (E_CANCELLED). */
  signal?: AbortSignal;
}

export interface CheckLibraryResult {
  method: MatchMethod;
  spectra: number;
  findings: LibraryFinding[];
  /** Findings left out because they were dismissed. */
  dismissed: number;
  elapsedMs: number;
}

/**
 * The library's classic reference vectors recomputed without the baseline step (same rows, same order): a
 * near-duplicate is the same measurement, background included, so the duplicate check correlates these.
 */
function withBackground(library: Library): ReferenceVectors {
  library.ensureClassicVectors();
  const classic = library.referenceVectors(CLASSIC_MODEL_ID, CLASSIC_PIPELINE_HASH);
  const vz = makeVectorizer(CLASSIC_WITH_BACKGROUND_PIPELINE);
  const data = new Float32Array(classic.count * classic.dim);
  for (let r = 0; r < classic.count; r++) {
    try {
      data.set(vz.apply(library.getSpectrum(classic.spectrumIds[r]!)), r * classic.dim);
    } catch {
      // no point on the classic axis: a zero row, which correlates with nothing
    }
  }
  return { ...classic, pipelineHash: vz.hash, data };
}

/**
 * Runs the library checks (src-core/matching/libraryChecks.ts) on a library: the default method's scores of every
 * reference against every other for mislabelled references and spread, correlation HQI on the classic axis for
 * near-duplicates, byte-identical x/y data, and each spectrum's quality figures. Needs every spectrum's vector under
 * the method's key (the caller computes missing embeddings first).
 */
export async function checkLibrary(library: Library, opts: CheckLibraryOptions = {}): Promise<CheckLibraryResult> {
  const t0 = Date.now();
  const method = opts.method ?? defaultMethodFor(opts.model?.manifest);
  const quality = new Map<number, SpectrumQualityFacts>();
  const substanceOf = new Map<number, readonly [number, string]>();
  const byData = new Map<string, number[]>();
  for (const s of library.iterateSpectra()) {
    const q = assessQuality({ y: Float64Array.from(s.y) });
    quality.set(s.id, { snr: q.snr, saturated: q.saturated, spikes: q.spikes, points: s.x.length, xMin: s.x[0] ?? 0, xMax: s.x[s.x.length - 1] ?? 0, xKind: s.meta.xKind, laserNm: s.laserNm });
    substanceOf.set(s.id, [s.substanceId, s.name]);
    const h = createHash('sha256').update(s.xBytes).update(s.yBytes).digest('hex');
    const g = byData.get(h);
    if (g) g.push(s.id);
    else byData.set(h, [s.id]);
  }
  const primary = librarySelfScores(library, { method, ...(opts.model ? { model: opts.model } : {}) });
  // Near-duplicates: correlation, confirmed by derivative HQI, both on the vectors with their background.
  const background = withBackground(library);
  const duplicates = librarySelfScores(library, { method: 'hqi-correlation', classicRefs: background });
  const derivative = librarySelfScores(library, { method: 'hqi-derivative', classicRefs: background });
  const pause = (): Promise<void> =>
    new Promise((resolve, reject) => {
      setImmediate(() => (opts.signal?.aborted ? reject(new SpecmatchError('E_CANCELLED', 'library check cancelled')) : resolve()));
    });
  const all = await runLibraryChecks({
    pause,
    primary: { method, refs: primary.refs, scoreRow: (i) => primary.scoreRow(i) },
    duplicates: { method: 'correlation HQI', refs: duplicates.refs, scoreRow: (i) => duplicates.scoreRow(i) },
    duplicateConfirm: (i) => derivative.scoreRow(i),
    identical: [...byData.values()].filter((g) => g.length > 1),
    quality,
    substanceOf,
    thresholds: { ...(method === 'siamese' || method === 'fused' ? {} : CLASSIC_CHECK_THRESHOLDS), ...opts.thresholds },
    onProgress: (done, total) => opts.onProgress?.(done, total),
    ...(opts.nearestIsOwn ? { nearestIsOwn: opts.nearestIsOwn } : {}),
  });
  const gone = library.dismissedFindings();
  let dismissed = 0;
  const findings: LibraryFinding[] = [];
  for (const f of all) {
    if (gone.has(f.key)) {
      dismissed++;
      if (opts.includeDismissed) findings.push({ ...f, dismissed: true });
    } else findings.push(f);
  }
  return { method, spectra: quality.size, findings, dismissed, elapsedMs: Date.now() - t0 };
}
