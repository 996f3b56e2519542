import { readFile } from 'node:fs/promises';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../errors.js';
import { parseExcludeRange } from '../../matching/excludeMask.js';
import { MATCH_METHODS, defaultMethodFor, isMatchMethod, methodNeedsModel } from '../../matching/methods.js';
import type { MatchOptions } from '../../matching/types.js';
import type { Pipeline } from '../../preprocess/pipeline.js';
import { pipelineHash, validatePipeline } from '../../preprocess/pipeline.js';
import { PRESETS, getPreset } from '../../preprocess/presets.js';
import { embedMissingForCli, loadDefaultModelIfAny } from '../library/cliSupport.js';
import type { Library } from '../library/Library.js';
import { DEFAULT_TOP_K, indexForMatch, pendingVectors } from '../library/matchLibrary.js';
import type { CliIO } from './CliCommand.js';

/**
 * The match flags `specmatch match` and `specmatch report` share, parsed into one MatchOptions (the request the app
 * makes too), the model they need, and the notice while an analyst's pipeline's reference vectors are computed.
 */
export const MATCH_FLAG_OPTIONS = {
  method: { type: 'string' },
  top: { type: 'string' },
  exclude: { type: 'string', multiple: true },
  preset: { type: 'string' },
  pipeline: { type: 'string' },
  instrument: { type: 'string' },
} as const;

export const MATCH_FLAGS_USAGE = `  --method M         ${MATCH_METHODS.join(' | ')} (default: hqi-derivative, or the installed model's method when its manifest recommends it)
  --top K            substances per query (default ${DEFAULT_TOP_K}; more than the library holds returns all)
  --exclude FROM-TO  mask an x range in cm⁻¹ (substrate, glass, CO₂); repeatable
  --preset NAME      preprocess the query AND every reference with a named pipeline (${PRESETS.map((p) => p.name).join(', ')})
                     before the method's own steps; the references' vectors are computed once per library and
                     pipeline; the verdict is then uncalibrated
  --pipeline FILE    the same with a pipeline file {"schemaVersion": 1, "steps": [...]} (see specmatch preprocess)
  --instrument NAME  calibrate each query with NAME's latest calibration first (default: the instrument whose
                     rules recognise the file, if any; none: match the raw axis)`;

export interface MatchFlagValues {
  method?: string | undefined;
  top?: string | undefined;
  exclude?: string[] | undefined;
  preset?: string | undefined;
  pipeline?: string | undefined;
  instrument?: string | undefined;
}

export async function loadPipelineFile(path: string): Promise<Pipeline> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SpecmatchError('E_READ', `${path}: cannot read the pipeline file: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file: path, cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SpecmatchError('E_PIPELINE', `${path}: not valid JSON: ${(err as Error).message}`, { file: path, cause: err });
  }
  try {
    return validatePipeline(json);
  } catch (err) {
    if (err instanceof SpecmatchError) throw new SpecmatchError(err.code, `${path}: ${err.message}`, { file: path, cause: err });
    throw err;
  }
}

/** The flags as MatchOptions; E_USAGE for a bad value, E_PIPELINE / E_READ for a pipeline that cannot be used. */
export async function parseMatchFlags(values: MatchFlagValues): Promise<MatchOptions> {
  const opts: MatchOptions = {};
  if (values.method !== undefined) {
    if (!isMatchMethod(values.method)) throw new SpecmatchError('E_USAGE', `--method must be one of ${MATCH_METHODS.join(', ')}, got '${values.method}'`);
    opts.method = values.method;
  }
  opts.topK = DEFAULT_TOP_K;
  if (values.top !== undefined) {
    if (!/^\d+$/.test(values.top) || Number(values.top) < 1) throw new SpecmatchError('E_USAGE', `--top expects a whole number ≥ 1, got '${values.top}'`);
    opts.topK = Number(values.top);
  }
  opts.exclude = (values.exclude ?? []).map(parseExcludeRange);
  if (values.preset !== undefined && values.pipeline !== undefined) throw new SpecmatchError('E_USAGE', 'give --preset or --pipeline, not both');
  if (values.preset !== undefined) {
    try {
      opts.pipeline = getPreset(values.preset).pipeline;
    } catch (err) {
      throw new SpecmatchError('E_USAGE', (err as Error).message);
    }
  } else if (values.pipeline !== undefined) opts.pipeline = await loadPipelineFile(values.pipeline);
  if (opts.pipeline && opts.pipeline.steps.length === 0) delete opts.pipeline;
  return opts;
}

/**
 * The model the options need: the installed one for siamese/fused, or when no method is given and its manifest
 * recommends itself (else no model is loaded: the library is not embedded for nothing).
 */
export async function modelForMatch(opts: MatchOptions, io: CliIO): Promise<EmbeddingModel | null> {
  if (opts.method !== undefined && !methodNeedsModel(opts.method)) return null;
  const model = await loadDefaultModelIfAny();
  if (!model && opts.method !== undefined) throw new SpecmatchError('E_MODEL', `no Siamese model is installed (resources/models/): --method ${opts.method} needs one; choose a classic --method`);
  if (!model) {
    io.err(`note: no Siamese model installed; matching with ${defaultMethodFor(null)}`);
    return null;
  }
  if (opts.method === undefined && !methodNeedsModel(defaultMethodFor(model.manifest))) {
    model.dispose();
    return null;
  }
  return model;
}

/**
 * Before the first query: computes the model's missing embeddings and an analyst's pipeline's reference vectors,
 * with a notice and, after the first batch, an estimate of the time left on stderr.
 */
export async function prepareLibraryForMatch(lib: Library, opts: MatchOptions, model: EmbeddingModel | null, io: CliIO): Promise<void> {
  await embedMissingForCli(lib, model, io);
  const pending = pendingVectors(lib, { ...opts, model });
  if (pending === 0) return;
  const hash = opts.pipeline ? pipelineHash(opts.pipeline).slice(0, 12) : '';
  io.err(`processing ${pending} reference spectra with the query's pipeline (hash ${hash}; once per library and pipeline)…`);
  const t0 = performance.now();
  let estimated = false;
  const r = await indexForMatch(lib, {
    ...opts,
    model,
    signal: io.signal,
    onIndexProgress: (done, total) => {
      if (!estimated && done > 0 && done < total) {
        estimated = true;
        const s = ((performance.now() - t0) / done) * (total - done) / 1000;
        io.err(`  about ${s < 60 ? `${Math.max(1, Math.round(s))} s` : `${(s / 60).toFixed(1)} min`} left (${done}/${total} done)`);
      }
    },
  });
  if (r.failed > 0) io.err(`warning: the pipeline could not process ${r.failed} reference spectra; they are left out`);
}
