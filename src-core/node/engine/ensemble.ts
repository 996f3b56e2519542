import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { embeddingSizeOf, towersOf, type ArchitectureSpec } from '../../engine/architecture.js';
import type { ModelManifest } from '../../engine/EmbeddingModel.js';
import { SpecmatchError } from '../../errors.js';
import { chooseBackend } from './backend.js';
import { loadLabelledSet } from './dataset.js';
import { loadNetwork, readManifest, saveNetwork, writeManifest } from './modelStore.js';
import { buildNetwork, disposeNetwork, headOf, headParameterFor, towerPrefix, type SiameseNetwork } from './siameseNetwork.js';
import { calibrateOnValidation, splitForTraining } from './trainModel.js';

/**
 * Ensembles of Siamese networks as one network. Members with the same architecture become the towers of one encoder
 * (ArchitectureSpec.towers): each tower is a member's encoder with its weights, all on the same input, their features
 * concatenated. The head over the concatenation holds member m's head weights scaled by Tₘ/T (Tₘ its towers, T the
 * total) and the bias Σ Tₘ·bₘ / T, so the ensemble's logit is exactly the mean of its towers' logits
 * wₜᵀ|fₜ(a) − fₜ(b)| + bₜ. Nothing downstream changes: the library stores the concatenated embedding under the
 * ensemble's id like any model's, and the head scores it in one pass.
 *
 * An ensemble is calibrated like a trained model, on validation classes none of its members trained on: members must
 * have been trained on the same data with the same split seed (`specmatch train --seed S --init-seed N`).
 */

function withoutTowers(spec: ArchitectureSpec): string {
  const { towers: _towers, ...rest } = spec;
  return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))));
}

/** One network whose logit is the mean of the members' towers' logits (members are left as they are). */
export function ensembleNetworks(members: readonly SiameseNetwork[]): SiameseNetwork {
  const first = members[0];
  if (!first || members.length < 2) throw new SpecmatchError('E_PARAM', `an ensemble needs at least two networks, got ${members.length}`);
  const base = withoutTowers(first.spec);
  members.forEach((m, i) => {
    if (withoutTowers(m.spec) !== base) throw new SpecmatchError('E_PARAM', `network ${i + 1} has another architecture than network 1: ensembles combine networks of one architecture`);
  });
  const total = members.reduce((n, m) => n + towersOf(m.spec), 0);
  const spec: ArchitectureSpec = { ...first.spec, towers: total };
  const net = buildNetwork(spec, 1);
  const w = new Float32Array(embeddingSizeOf(spec));
  let b = 0;
  let tower = 0;
  let offset = 0;
  let copied = 0;
  for (const m of members) {
    const tm = towersOf(m.spec);
    for (const layer of m.encoder.layers) {
      const weights = layer.getWeights();
      if (weights.length === 0) continue;
      const match = tm === 1 ? ['', '1', layer.name] : /^t(\d+)_(.+)$/.exec(layer.name);
      if (!match) throw new SpecmatchError('E_MODEL', `layer ${layer.name} of an ensemble member is not a tower's layer`);
      net.encoder.getLayer(`${towerPrefix(total, tower + Number(match[1]))}${match[2]}`).setWeights(weights);
      copied++;
    }
    const h = headOf(m);
    for (let k = 0; k < h.w.length; k++) w[offset + k] = (h.w[k]! * tm) / total;
    b += (h.b * tm) / total;
    offset += h.w.length;
    tower += tm;
  }
  const expected = net.encoder.layers.filter((l) => l.getWeights().length > 0).length;
  if (copied !== expected) throw new SpecmatchError('E_MODEL', `ensemble: copied the weights of ${copied} layers, the ensemble has ${expected}`);
  tf.tidy(() => {
    net.headW.assign(tf.tensor1d(headParameterFor(spec, Array.from(w))));
    net.headB.assign(tf.scalar(b));
  });
  return net;
}

export interface BuildEnsembleOptions {
  /** Member model folders (trained with the same data and split seed). */
  members: string[];
  /** The members' training data, as given to `specmatch train` (the manifests' training.data, in order). */
  data: string[];
  outDir: string;
  /** @default the output folder's name */
  id?: string;
  log?: (line: string) => void;
}

const SPLIT_KEYS = ['data', 'seed', 'validationClasses', 'trainClasses', 'classes'] as const;

/** Builds, calibrates on the members' common validation classes and writes an ensemble model folder. */
export async function buildEnsemble(opts: BuildEnsembleOptions): Promise<ModelManifest> {
  const log = opts.log ?? (() => undefined);
  if (opts.members.length < 2) throw new SpecmatchError('E_USAGE', `an ensemble needs at least two member models, got ${opts.members.length}`);
  if (opts.members.some((dir) => resolve(dir) === resolve(opts.outDir))) {
    throw new SpecmatchError('E_USAGE', `--out ${opts.outDir} is one of the members: the ensemble would overwrite that model; choose another folder`, { file: opts.outDir });
  }
  const manifests = opts.members.map((dir) => readManifest(dir));
  const m0 = manifests[0]!;
  manifests.forEach((m, i) => {
    const dir = opts.members[i]!;
    if (m.pipelineHash !== m0.pipelineHash) throw new SpecmatchError('E_PARAM', `${dir}: input pipeline ${m.pipelineHash} differs from ${opts.members[0]}'s ${m0.pipelineHash}`, { file: dir });
    for (const k of SPLIT_KEYS) {
      if (JSON.stringify(m.training[k]) !== JSON.stringify(m0.training[k])) {
        throw new SpecmatchError(
          'E_PARAM',
          `${dir}: training.${k} differs from ${opts.members[0]}'s: the members do not hold out the same classes, so none are left to calibrate the ensemble on (train members with the same --data and --seed, another --init-seed)`,
          { file: dir },
        );
      }
    }
  });
  const seed = typeof m0.training['seed'] === 'number' ? m0.training['seed'] : 1;
  await chooseBackend();
  const set = await loadLabelledSet(opts.data, { axis: m0.axis, classic: true, onProgress: (d, n) => log(`reading spectra ${d}/${n}`) });
  const { val, valClasses } = splitForTraining(set, seed);
  if (valClasses !== m0.training['validationClasses']) {
    throw new SpecmatchError('E_PARAM', `the data give ${valClasses} validation classes, the members were validated on ${String(m0.training['validationClasses'])}: not the data they were trained on`);
  }
  const nets: SiameseNetwork[] = [];
  try {
    for (const dir of opts.members) nets.push(await loadNetwork(dir));
    const net = ensembleNetworks(nets);
    try {
      const calibrated = calibrateOnValidation(net, val, seed, true);
      const id = opts.id ?? opts.outDir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? 'siamese-ensemble';
      const wallSeconds = manifests.reduce((s, m) => s + (typeof m.training['wallSeconds'] === 'number' ? m.training['wallSeconds'] : 0), 0);
      const manifest: ModelManifest = {
        id,
        version: new Date().toISOString().slice(0, 10),
        axis: m0.axis,
        pipeline: m0.pipeline,
        pipelineHash: m0.pipelineHash,
        embeddingSize: embeddingSizeOf(net.spec),
        training: {
          recipe: 'ensemble',
          members: manifests.map((m) => ({
            id: m.id,
            recipe: m.training['recipe'],
            seed: m.training['seed'],
            initSeed: m.training['initSeed'] ?? m.training['seed'],
            epochs: m.training['epochs'],
            bestEpoch: m.training['bestEpoch'],
            wallSeconds: m.training['wallSeconds'],
            validationOneShotTop1: m.metrics['validationOneShotTop1'],
          })),
          architecture: net.spec,
          ...Object.fromEntries(SPLIT_KEYS.map((k) => [k, m0.training[k]])),
          variant: m0.training['variant'],
          spectra: m0.training['spectra'],
          wallSeconds,
          note: 'logit = mean of the members’ towers’ logits (node/engine/ensemble.ts); wallSeconds = the members’ training time, summed',
        },
        metrics: {
          note: 'validation = the members’ common held-out classes, never trained on (one random reference per class, one-shot)',
          ...calibrated.metrics,
        },
        tfjsVersion: tf.version.tfjs,
        calibration: calibrated.calibration,
        fusedCalibration: calibrated.fusedCalibration,
      };
      mkdirSync(opts.outDir, { recursive: true });
      await saveNetwork(net, opts.outDir);
      writeManifest(opts.outDir, manifest);
      log(
        `${opts.outDir}: ensemble of ${nets.length} networks (${towersOf(net.spec)} towers, embedding ${manifest.embeddingSize}); validation one-shot ${calibrated.metrics.validationOneShotTop1.toFixed(3)} ` +
          `(members ${manifests.map((m) => Number(m.metrics['validationOneShotTop1']).toFixed(3)).join(', ')}), fused ${calibrated.metrics.validationOneShotTop1Fused.toFixed(3)} at α ${calibrated.metrics.fusionAlpha}, on ${valClasses} held-out classes`,
      );
      return manifest;
    } finally {
      disposeNetwork(net);
    }
  } finally {
    for (const n of nets) disposeNetwork(n);
  }
}
