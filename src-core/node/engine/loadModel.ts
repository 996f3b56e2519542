import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmbeddingModel } from '../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../errors.js';
import { chooseBackend, type ChooseBackendOptions } from './backend.js';
import { loadEncoder, readHead, readManifest } from './modelStore.js';
import { TfEmbeddingModel } from './TfEmbeddingModel.js';

/**
 * Loading a Siamese model folder (see modelStore.ts for its files) as an EmbeddingModel, on the backend the chooser
 * picks (backend.ts). The shipped model lives in resources/models/<id>/; DEFAULT_MODEL_ID names the default.
 */
export const DEFAULT_MODEL_ID = 'siamese-rruff-ens-v5v6';

/** resources/models, found from this file both in the source tree (src-core/node/engine) and in dist/. */
export function modelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources', 'models');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../resources/models');
}

/** Folder of the default model: $SPECMATCH_MODEL when set, else resources/models/<DEFAULT_MODEL_ID>. */
export function defaultModelDir(): string {
  return process.env['SPECMATCH_MODEL'] ?? join(modelsDir(), DEFAULT_MODEL_ID);
}

/** Model ids shipped in resources/models (folders holding a manifest.json). */
export function listShippedModels(): string[] {
  const dir = modelsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'manifest.json')))
    .map((e) => e.name)
    .sort();
}

export async function loadModel(dir: string, options: ChooseBackendOptions = {}): Promise<TfEmbeddingModel> {
  if (!existsSync(join(dir, 'manifest.json'))) throw new SpecmatchError('E_MODEL', `${dir}: no manifest.json (not a Specmatch model folder)`, { file: dir });
  const manifest = readManifest(dir);
  const head = readHead(dir);
  const choice = await chooseBackend(options);
  const encoder = await loadEncoder(dir);
  const inputShape = encoder.inputs[0]?.shape;
  if (!inputShape || inputShape[1] !== manifest.axis.points) {
    encoder.dispose();
    throw new SpecmatchError('E_MODEL', `${dir}: network input ${JSON.stringify(inputShape)} does not match the manifest's axis of ${manifest.axis.points} points`, { file: dir });
  }
  return new TfEmbeddingModel(manifest, encoder, { w: Float32Array.from(head.w), b: head.b }, choice.name);
}

/** The shipped default model, or null when none is installed (matching then offers the classic methods only). */
export async function loadDefaultModel(options: ChooseBackendOptions = {}): Promise<EmbeddingModel | null> {
  const dir = defaultModelDir();
  if (!existsSync(join(dir, 'manifest.json'))) return null;
  return loadModel(dir, options);
}
