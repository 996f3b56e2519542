import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../errors.js';
import { openDefaultLibrary } from './defaultLibrary.js';
import { Library } from './Library.js';

/**
 * Shared by `specmatch library …` and `specmatch match`: which library to open, the default model, and substance
 * references given as an id or an exact name.
 */
export function openLibraryForCli(path: string | undefined, opts: { create?: boolean; err?: (line: string) => void } = {}): Library {
  const lib = path === undefined ? openDefaultLibrary() : Library.open(path, { create: opts.create === true });
  for (const w of lib.warnings) opts.err?.(`warning: ${w}`);
  return lib;
}

interface LoadModelModule {
  loadDefaultModel(): Promise<EmbeddingModel | null>;
}

/**
 * The engine's shipped default model, or null when none is installed. Loaded through a computed specifier so the
 * CLI's classic methods work even in a build without the engine (and do not pay for loading TensorFlow).
 */
export async function loadDefaultModelIfAny(): Promise<EmbeddingModel | null> {
  if (process.env['SPECMATCH_NO_MODEL'] === '1') return null;
  const url = new URL('../engine/loadModel.js', import.meta.url).href;
  let mod: LoadModelModule;
  try {
    mod = (await import(url)) as LoadModelModule;
  } catch {
    return null;
  }
  return mod.loadDefaultModel();
}

/** A substance given on the command line: its numeric id, or an exact (verbatim) name held by one substance. */
export function resolveSubstance(lib: Library, ref: string): number {
  if (/^\d+$/.test(ref)) {
    lib.getSubstance(Number(ref)); // throws E_NOT_FOUND
    return Number(ref);
  }
  const ids = lib.findSubstancesByName(ref);
  if (ids.length === 0) throw new SpecmatchError('E_NOT_FOUND', `no substance named '${ref}' in ${lib.path}`);
  if (ids.length > 1) throw new SpecmatchError('E_PARAM', `${ids.length} substances are named '${ref}' (ids ${ids.join(', ')}): give an id`);
  return ids[0]!;
}

/**
 * Embeds the library spectra that have no embedding under `model` yet (once per library and model), saying so on
 * stderr: what every CLI command that ranks with the model does before its first query (match, report, map).
 */
export async function embedMissingForCli(lib: Library, model: EmbeddingModel | null, io: { err(line: string): void; signal: AbortSignal }): Promise<void> {
  if (!model) return;
  const st = lib.embeddingStatus(model.key);
  if (st.missing === 0) return;
  io.err(`embedding ${st.missing} reference spectra with ${model.manifest.id} (once per library and model)…`);
  const r = await lib.recomputeEmbeddings(model, { signal: io.signal });
  if (r.failed > 0) io.err(`warning: ${r.failed} reference spectra could not be embedded (${r.errors[0]?.message ?? ''}); they are left out of siamese matching`);
}
