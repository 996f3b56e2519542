import { SpecmatchError } from '../errors.js';
import { pipelineHash, validatePipeline } from '../preprocess/pipeline.js';
import type { Pipeline } from '../preprocess/pipeline.js';
import { vectorAxisOf } from '../preprocess/vectorizer.js';
import type { ModelManifest } from './EmbeddingModel.js';
import { inputPipeline } from './inputVector.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a model manifest read from disk and brings an older one to the current form. Manifests written before the
 * single vectorizer hash (up to 2026-12) name their input stage `resample.linear` + `normalize.minmax`, a step the
 * registry never had, under a 16-hex truncated hash of non-canonical JSON: that stage is exactly
 * inputPipeline(axis) (engine/__tests__/inputVector.test.ts), so the manifest gets that pipeline, its canonical
 * hash, and the old hash in `legacyPipelineHashes` (a library re-files embeddings stored under it, Library.ts).
 * Any other pipeline must be a valid registry pipeline ending on the manifest's axis, with a matching hash.
 */
export function migrateManifest(raw: unknown, file: string): ModelManifest {
  const fail = (reason: string): never => {
    throw new SpecmatchError('E_MODEL', `${file}: ${reason}`, { file });
  };
  if (!isObject(raw)) return fail('a manifest must be a JSON object');
  const m = raw as unknown as ModelManifest & { pipeline: unknown };
  if (typeof m.id !== 'string' || !isObject(m.axis) || typeof m.embeddingSize !== 'number' || typeof m.pipelineHash !== 'string') {
    return fail('lacks id, axis, embeddingSize or pipelineHash');
  }
  const axis = m.axis;
  if (![axis.from, axis.to, axis.points].every((v) => typeof v === 'number' && Number.isFinite(v))) fail('axis must hold numbers from, to, points');
  const steps = isObject(m.pipeline) && Array.isArray(m.pipeline['steps']) ? (m.pipeline['steps'] as unknown[]) : undefined;
  if (steps?.some((s) => isObject(s) && s['kind'] === 'resample.linear')) {
    const pipeline = inputPipeline(axis);
    const legacy = m.pipelineHash;
    return { ...m, pipeline, pipelineHash: pipelineHash(pipeline), legacyPipelineHashes: [...new Set([...(m.legacyPipelineHashes ?? []), legacy])] };
  }
  let pipeline: Pipeline;
  try {
    pipeline = validatePipeline(m.pipeline);
  } catch (err) {
    return fail(`its input pipeline is not valid: ${(err as Error).message}`);
  }
  const a = vectorAxisOf(pipeline);
  if (a.from !== axis.from || a.to !== axis.to || a.points !== axis.points) {
    fail(`its pipeline ends on ${a.from}–${a.to} cm⁻¹ (${a.points} points), its axis says ${axis.from}–${axis.to} (${axis.points})`);
  }
  const hash = pipelineHash(pipeline);
  if (hash !== m.pipelineHash) fail(`pipelineHash ${m.pipelineHash} is not the hash of its pipeline (${hash})`);
  return { ...m, pipeline };
}
