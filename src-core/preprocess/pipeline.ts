import { SpecmatchError } from '../errors.js';
import type { Spectrum } from '../spectrum/Spectrum.js';
import { getStep, StepParamError, stepRegistry } from './registry.js';
import { sha256Hex } from './sha256.js';

export interface PipelineStep {
  kind: string;
  params: Record<string, unknown>;
}

/**
 * A preprocessing pipeline as data (HOUSE_STYLE §3): stored with every library entry and model, replayed on raw
 * spectra, identified by the hash of its canonical JSON.
 */
export interface Pipeline {
  schemaVersion: 1;
  steps: PipelineStep[];
}

export interface PipelineRun {
  result: Spectrum;
  /** The spectrum after each step, in order (for previews); the last one is `result`. */
  intermediates: Array<{ kind: string; spectrum: Spectrum }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks untrusted JSON (a file, an IPC payload) and returns a pipeline with every default filled in. Any problem
 * is an E_PIPELINE error that names the step index, its kind and the param: "step 2 (baseline.als): param 'p' must
 * be < 1, got 1.5".
 */
export function validatePipeline(json: unknown): Pipeline {
  if (!isObject(json))
    throw new SpecmatchError('E_PIPELINE', 'a pipeline must be a JSON object {"schemaVersion": 1, "steps": [...]}');
  for (const key of Object.keys(json)) {
    if (key !== 'schemaVersion' && key !== 'steps')
      throw new SpecmatchError('E_PIPELINE', `unknown pipeline field '${key}' (expected schemaVersion and steps)`);
  }
  if (json['schemaVersion'] !== 1) {
    throw new SpecmatchError(
      'E_PIPELINE',
      `unsupported pipeline schemaVersion ${JSON.stringify(json['schemaVersion']) ?? 'undefined'} (this version reads 1)`,
    );
  }
  const steps = json['steps'];
  if (!Array.isArray(steps)) throw new SpecmatchError('E_PIPELINE', 'pipeline "steps" must be an array');
  return {
    schemaVersion: 1,
    steps: steps.map((step: unknown, index): PipelineStep => {
      if (!isObject(step))
        throw new SpecmatchError('E_PIPELINE', `step ${index}: must be an object {"kind", "params"}`);
      for (const key of Object.keys(step)) {
        if (key !== 'kind' && key !== 'params')
          throw new SpecmatchError('E_PIPELINE', `step ${index}: unknown field '${key}' (expected kind and params)`);
      }
      const kind = step['kind'];
      if (typeof kind !== 'string') throw new SpecmatchError('E_PIPELINE', `step ${index}: "kind" must be a string`);
      const def = stepRegistry.get(kind);
      if (def === undefined) {
        throw new SpecmatchError(
          'E_PIPELINE',
          `step ${index}: unknown kind '${kind}'; known kinds: ${[...stepRegistry.keys()].join(', ')}`,
        );
      }
      const params = step['params'] ?? {};
      if (!isObject(params))
        throw new SpecmatchError('E_PIPELINE', `step ${index} (${kind}): "params" must be an object`);
      try {
        return { kind, params: { ...def.validate(params) } };
      } catch (err) {
        if (err instanceof StepParamError)
          throw new SpecmatchError('E_PIPELINE', `step ${index} (${kind}): param '${err.param}' ${err.reason}`, {
            cause: err,
          });
        throw err;
      }
    }),
  };
}

/**
 * The canonical JSON of a pipeline: validated (defaults filled), keys sorted at every level, no whitespace, numbers
 * as JavaScript's shortest round-trip form (1e6 and 1000000 both print as 1000000; -0 as 0). Two pipelines that
 * process identically therefore have the same text and the same hash.
 */
export function canonicalPipelineJson(p: Pipeline): string {
  return canonicalJson(validatePipeline(p));
}

/** Hex SHA-256 of canonicalPipelineJson: the key stored embeddings and models are filed under. */
export function pipelineHash(p: Pipeline): string {
  return sha256Hex(canonicalPipelineJson(p));
}

/** Hex SHA-256 of any JSON value's canonical form (keys sorted, shortest numbers): manifests, recipes. */
export function canonicalJsonHash(v: unknown): string {
  return sha256Hex(canonicalJson(v));
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  if (typeof v === 'number') return JSON.stringify(v === 0 ? 0 : v);
  return JSON.stringify(v);
}

/**
 * Runs the steps in order on a copy of `s`. The input is never mutated (each step returns new arrays); the result
 * and the spectrum after each step are returned. A step that cannot process this spectrum (a crop that leaves no
 * points, a flat spectrum to normalise) fails with E_PIPELINE naming the step and the file.
 */
export function runPipeline(s: Spectrum, p: Pipeline): PipelineRun {
  const pipeline = validatePipeline(p);
  let current: Spectrum = {
    x: Float64Array.from(s.x),
    y: Float64Array.from(s.y),
    meta: { ...s.meta, position: { ...s.meta.position }, fields: { ...s.meta.fields }, warnings: [...s.meta.warnings] },
  };
  const intermediates: PipelineRun['intermediates'] = [];
  pipeline.steps.forEach((step, index) => {
    const def = getStep(step.kind);
    try {
      current = def.apply(current, step.params as Record<string, number | string | boolean>);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new SpecmatchError('E_PIPELINE', `${s.meta.sourceFile}: step ${index} (${step.kind}) failed: ${reason}`, {
        file: s.meta.sourceFile,
        cause: err,
      });
    }
    intermediates.push({ kind: step.kind, spectrum: current });
  });
  return { result: current, intermediates };
}
