import type { ModelManifest } from '../engine/EmbeddingModel.js';
import { SpecmatchError } from '../errors.js';
import type { ClassicMethod } from './similarity.js';
import type { MatchMethod } from './types.js';
import { DEFAULT_CALIBRATION } from './verdict.js';
import type { VerdictCalibration } from './verdict.js';

/**
 * The match methods, in one place: the CLI (usage, --method), the IPC validators, the matcher
 * (node/library/matchLibrary.ts), the report and the renderer's settings all read this table, so a method's name,
 * label, default and calibration cannot differ between them.
 *
 * - `vectors`: the stored vectors it compares — 'classic' (the classic vectorizer, or the analyst's pipeline),
 *   'model' (the model's embeddings), 'model+classic' (fused: both).
 * - `scorer`: how a pair is scored — a classic HQI on two vectors, the model's Siamese head, or α·head + (1 − α)·
 *   derivative HQI.
 * - `calibration`: where the verdict thresholds come from — measured constants (verdict.ts) or the model manifest.
 */
export interface MatchMethodSpec {
  id: MatchMethod;
  /** Short name for lists and settings. */
  label: string;
  /** One line for reports: what the score is. */
  description: string;
  vectors: 'classic' | 'model' | 'model+classic';
  scorer: { kind: 'classic'; measure: ClassicMethod } | { kind: 'model-head' } | { kind: 'fused'; measure: ClassicMethod };
  calibration: { kind: 'constant'; thresholds: VerdictCalibration } | { kind: 'model-manifest' } | { kind: 'model-manifest-fused' };
}

const classic = (id: ClassicMethod, label: string, description: string): MatchMethodSpec => ({
  id,
  label,
  description,
  vectors: 'classic',
  scorer: { kind: 'classic', measure: id },
  calibration: { kind: 'constant', thresholds: DEFAULT_CALIBRATION[id] },
});

export const MATCH_METHOD_SPECS: readonly MatchMethodSpec[] = [
  {
    id: 'siamese',
    label: 'Siamese network',
    description: 'Siamese network similarity (one-shot)',
    vectors: 'model',
    scorer: { kind: 'model-head' },
    calibration: { kind: 'model-manifest' },
  },
  {
    id: 'fused',
    label: 'Siamese network + derivative HQI',
    description: 'Siamese network fused with first-derivative correlation',
    vectors: 'model+classic',
    scorer: { kind: 'fused', measure: 'hqi-derivative' },
    calibration: { kind: 'model-manifest-fused' },
  },
  classic('hqi-correlation', 'HQI correlation', 'Correlation HQI (squared Pearson correlation)'),
  classic('hqi-derivative', 'HQI derivative', 'First-derivative correlation HQI'),
  classic('cosine', 'Cosine', 'Cosine similarity'),
  classic('euclidean', 'Euclidean', 'Euclidean similarity of L2-normalised spectra'),
];

export const MATCH_METHODS: readonly MatchMethod[] = MATCH_METHOD_SPECS.map((m) => m.id);

/**
 * The classic method used when no model is available or the model does not recommend itself: first-derivative
 * correlation, the strongest classic measure on raw RRUFF spectra (docs/RESULTS.md).
 */
export const DEFAULT_CLASSIC_METHOD: ClassicMethod = 'hqi-derivative';

export function isMatchMethod(v: unknown): v is MatchMethod {
  return typeof v === 'string' && (MATCH_METHODS as readonly string[]).includes(v);
}

/** The method's spec; E_PARAM listing the methods for an unknown id. */
export function matchMethod(id: string): MatchMethodSpec {
  const spec = MATCH_METHOD_SPECS.find((m) => m.id === id);
  if (!spec) throw new SpecmatchError('E_PARAM', `unknown method '${id}' (use one of ${MATCH_METHODS.join(', ')})`);
  return spec;
}

export function methodNeedsModel(id: MatchMethod): boolean {
  return matchMethod(id).vectors !== 'classic';
}

/**
 * The method used when none is asked for. A model becomes the default only when its manifest says so
 * (`metrics.recommendedMethod`, written after an evaluation in which it beat derivative HQI on unseen minerals);
 * otherwise analysts get DEFAULT_CLASSIC_METHOD, and the model stays one choice away.
 */
export function defaultMethodFor(manifest: ModelManifest | null | undefined): MatchMethod {
  const rec = manifest?.metrics['recommendedMethod'];
  return manifest && isMatchMethod(rec) ? rec : DEFAULT_CLASSIC_METHOD;
}
