import { SpecmatchError } from '../errors.js';
import type { Spectrum } from '../spectrum/Spectrum.js';
import type { Pipeline } from './pipeline.js';
import { pipelineHash, runPipeline, validatePipeline } from './pipeline.js';

/**
 * A vectorizer turns a spectrum into a fixed-length vector that can be stored and compared: a registry pipeline
 * (preprocess/registry.ts) whose last axis step is `axis.resample`, so every output lies on one axis. It is
 * identified by the pipeline's hash (SHA-256 of its canonical JSON, pipeline.ts) — the one hash that keys stored
 * vectors: the classic methods' vectors (matching/classicAxis.ts), a model's input stage (its manifest's
 * `pipeline`; the network then maps that vector to an embedding) and an analyst's own pipeline all go through here.
 */
export interface VectorAxis {
  from: number;
  to: number;
  points: number;
}

export interface Vectorizer {
  /** The validated pipeline (defaults filled). */
  readonly pipeline: Pipeline;
  /** pipelineHash(pipeline). */
  readonly hash: string;
  readonly axis: VectorAxis;
  /** The spectrum's vector (Float32, axis.points long); E_PIPELINE when a step cannot process it. */
  apply(spectrum: Spectrum): Float32Array;
}

const AXIS_KINDS: ReadonlySet<string> = new Set(['axis.crop', 'axis.resample', 'axis.regrid']);

/**
 * The fixed axis a pipeline leaves its spectra on: its last axis step must be `axis.resample` (a crop or regrid
 * after it, or none at all, leaves spectra on their own axes, which cannot be compared element by element).
 */
export function vectorAxisOf(p: Pipeline): VectorAxis {
  const steps = validatePipeline(p).steps;
  let last = -1;
  for (let i = 0; i < steps.length; i++) if (AXIS_KINDS.has(steps[i]!.kind)) last = i;
  const step = last >= 0 ? steps[last]! : undefined;
  if (step?.kind !== 'axis.resample') {
    throw new SpecmatchError(
      'E_PIPELINE',
      step
        ? `step ${last} (${step.kind}) leaves spectra on their own axes: a vector pipeline must end its axis steps with axis.resample`
        : 'the pipeline has no axis.resample step: vectors need one fixed axis (add axis.resample)',
    );
  }
  return { from: step.params['from'] as number, to: step.params['to'] as number, points: step.params['points'] as number };
}

/** The vectorizer of a pipeline (validated once; E_PIPELINE when it does not end on a fixed axis). */
export function makeVectorizer(p: Pipeline): Vectorizer {
  const pipeline = validatePipeline(p);
  const axis = vectorAxisOf(pipeline);
  return {
    pipeline,
    hash: pipelineHash(pipeline),
    axis,
    apply(spectrum: Spectrum): Float32Array {
      const y = runPipeline(spectrum, pipeline).result.y;
      if (y.length !== axis.points) {
        throw new SpecmatchError('E_PIPELINE', `${spectrum.meta.sourceFile}: the pipeline produced ${y.length} values, not the ${axis.points} of its axis`, {
          file: spectrum.meta.sourceFile,
        });
      }
      const out = Float32Array.from(y);
      for (let i = 0; i < out.length; i++) {
        if (!Number.isFinite(out[i]!)) {
          throw new SpecmatchError('E_PIPELINE', `${spectrum.meta.sourceFile}: the pipeline produced a non-finite value at ${i}`, { file: spectrum.meta.sourceFile });
        }
      }
      return out;
    },
  };
}

/** A spectrum around bare x/y arrays (stored references, training rows), for code that has no file metadata. */
export function bareSpectrum(x: ArrayLike<number>, y: ArrayLike<number>, sourceFile = 'spectrum'): Spectrum {
  return {
    x: Float64Array.from(x),
    y: Float64Array.from(y),
    meta: { sourceFile, format: 'unknown', xKind: 'raman-shift', originalXUnit: 'cm-1', position: { index: 0, count: 1 }, fields: {}, warnings: [] },
  };
}
