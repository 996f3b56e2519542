import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec } from '../../engine/architecture.js';
import type { ModelManifest } from '../../engine/EmbeddingModel.js';
import { migrateManifest } from '../../engine/manifest.js';
import { SpecmatchError } from '../../errors.js';
import { headOf, headParameterFor, type SiameseNetwork } from './siameseNetwork.js';

/**
 * A model folder (resources/models/<id>/, or a training output):
 *   model.json + weights.bin  the encoder in the tfjs LayersModel format (readable by tf.loadLayersModel)
 *   head.json                 the Siamese head { w: number[], b: number } and the architecture spec
 *   manifest.json             ModelManifest (axis, pipeline + hash, embedding size, training data, metrics, …)
 * Written without tfjs-node's file:// handler (which needs libtensorflow) through tf.io.withSaveHandler; every file
 * goes to a temporary name first and is renamed, so an interrupted save never leaves a half-written model.
 */
export interface HeadFile {
  spec: ArchitectureSpec;
  w: number[];
  b: number;
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export async function saveNetwork(net: SiameseNetwork, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.encoder.save(
    tf.io.withSaveHandler((a) => {
      artifacts = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new SpecmatchError('E_OUTPUT', `${dir}: tfjs produced no weights to save`);
  const weightData = artifacts.weightData;
  const bytes = weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : new Uint8Array(tf.io.concatenateArrayBuffers(weightData));
  writeAtomic(join(dir, 'weights.bin'), bytes);
  writeAtomic(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    }),
  );
  // head.json always holds the effective weights w (inference reads them as they are, whatever the constraint).
  const h = headOf(net);
  const head: HeadFile = { spec: net.spec, w: Array.from(h.w), b: h.b };
  writeAtomic(join(dir, 'head.json'), JSON.stringify(head));
}

export function writeManifest(dir: string, manifest: ModelManifest): void {
  writeAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

function readJson<T>(path: string): T {
  if (!existsSync(path)) throw new SpecmatchError('E_MODEL', `${path}: missing (not a Specmatch model folder?)`, { file: path });
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new SpecmatchError('E_MODEL', `${path}: not valid JSON: ${(err as Error).message}`, { file: path, cause: err });
  }
}

/** The folder's manifest, checked and migrated to the current form (engine/manifest.ts). */
export function readManifest(dir: string): ModelManifest {
  const file = join(dir, 'manifest.json');
  return migrateManifest(readJson<unknown>(file), file);
}

export function readHead(dir: string): HeadFile {
  const h = readJson<HeadFile>(join(dir, 'head.json'));
  if (!Array.isArray(h.w) || typeof h.b !== 'number' || !h.spec) throw new SpecmatchError('E_MODEL', `${join(dir, 'head.json')}: lacks w, b or spec`, { file: dir });
  return h;
}

export async function loadEncoder(dir: string): Promise<tf.LayersModel> {
  const json = readJson<{ modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> }>(join(dir, 'model.json'));
  const group = json.weightsManifest[0];
  if (!group) throw new SpecmatchError('E_MODEL', `${join(dir, 'model.json')}: no weights manifest`, { file: dir });
  const buffers = group.paths.map((p) => {
    const path = join(dir, p);
    if (!existsSync(path)) throw new SpecmatchError('E_MODEL', `${path}: missing weights file`, { file: path });
    const b = readFileSync(path);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  });
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: tf.io.concatenateArrayBuffers(buffers) }));
  } catch (err) {
    throw new SpecmatchError('E_MODEL', `${dir}: cannot load the network: ${(err as Error).message}`, { file: dir, cause: err });
  }
}

export async function loadNetwork(dir: string): Promise<SiameseNetwork> {
  const head = readHead(dir);
  const encoder = await loadEncoder(dir);
  return { spec: head.spec, encoder, headW: tf.variable(tf.tensor1d(headParameterFor(head.spec, head.w))), headB: tf.variable(tf.scalar(head.b)) };
}

/** Replace folder `dest` by `src` (both on one file system): the old one stays until the new one is complete. */
export function replaceFolder(src: string, dest: string): void {
  const old = `${dest}.old-${process.pid}`;
  if (existsSync(dest)) renameSync(dest, old);
  renameSync(src, dest);
  rmSync(old, { recursive: true, force: true });
}
