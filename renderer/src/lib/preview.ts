import { toSpecmatchError } from '../../../src-core/errors.js';
import type { Pipeline } from '../../../src-core/preprocess/pipeline.js';
import { runPipeline } from '../../../src-core/preprocess/pipeline.js';
import { PRESETS } from '../../../src-core/preprocess/presets.js';
import type { Spectrum } from '../../../src-core/spectrum/Spectrum.js';

/** Presets as the Settings and pipeline panels list them. */
export const PRESET_NAMES: ReadonlyArray<{ id: string; label: string; description: string }> = PRESETS.map((p) => ({
  id: p.name,
  label: p.name,
  description: p.description,
}));

export type PreviewResult = { ok: true; value: Spectrum } | { ok: false; error: string };

/**
 * The query after the user's pipeline, computed in the renderer with the same pure step code the main process
 * runs before matching (src-core/preprocess). No pipeline: the spectrum as read.
 */
export function processForPreview(spectrum: Spectrum, pipeline: Pipeline | null): PreviewResult {
  if (!pipeline || pipeline.steps.length === 0) return { ok: true, value: spectrum };
  try {
    return { ok: true, value: runPipeline(spectrum, pipeline).result };
  } catch (err) {
    return { ok: false, error: toSpecmatchError(err).message };
  }
}

/** y scaled to a maximum absolute value of 1 (before/after previews share one axis). */
export function scaledToUnit(y: ArrayLike<number>): Float64Array {
  let m = 0;
  for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(y[i]!));
  const out = Float64Array.from(y);
  if (m > 0) for (let i = 0; i < out.length; i++) out[i]! /= m;
  return out;
}
