import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { embeddingSizeOf } from '../../engine/architecture.js';
import { calibrateThresholds, fitPlatt, type QueryOutcome } from '../../engine/calibration.js';
import type { ModelManifest } from '../../engine/EmbeddingModel.js';
import { inputPipeline, type InputAxis } from '../../engine/inputVector.js';
import { positivePairs } from '../../engine/pairSampling.js';
import { indicesByClass, splitClasses } from '../../engine/protocols.js';
import { makeRng, randomInt } from '../../engine/random.js';
import { DEFAULT_AXIS, RECIPES, type RecipeName } from '../../engine/recipes.js';
import { headLogit, sigmoid, type SiameseHead } from '../../engine/siameseHead.js';
import { SpecmatchError } from '../../errors.js';
import { chooseBackend, type BackendName } from './backend.js';
import { loadLabelledSet, type LabelledSet } from './dataset.js';
import { saveNetwork, writeManifest } from './modelStore.js';
import { disposeNetwork, embedInputs, type SiameseNetwork } from './siameseNetwork.js';
import { recipeOptions, trainSiamese, type LabelledInputs, type TrainOutcome, type TrainProgress } from './trainSiamese.js';

/**
 * Train a Siamese model on labelled spectra and write a complete model folder (network, head, manifest with axis,
 * pipeline + hash, calibration and the training record). Used by `specmatch train` and the app's Model view.
 * The classes are split once (seeded): `validationFraction` of them never train and drive early stopping and
 * calibration, so the recorded validation numbers are on unseen substances.
 */
export interface TrainModelOptions {
  /** RRUFF archives (.tar.xz), folders of .txt files or files; RAW and Processed may be mixed. */
  data: string[];
  /** Output folder: the model files, plus `checkpoint/` for resuming. */
  outDir: string;
  /** @default 'improved' */
  recipe?: RecipeName;
  /** Maximum epochs (early stopping usually ends sooner). @default 60 */
  epochs?: number;
  /** Positive pairs per epoch. @default S_m (every distinct positive pair of the training classes) */
  pairsPerEpoch?: number;
  /** @default false */
  resume?: boolean;
  /** @default 1 */
  seed?: number;
  /** @default DEFAULT_AXIS (150–1300 cm⁻¹, 512 points) */
  axis?: InputAxis;
  /** Fraction of the classes held out for early stopping and calibration. @default 0.1 */
  validationFraction?: number;
  /** Model id written to the manifest. @default the output folder's name */
  id?: string;
  backend?: BackendName;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** Human log lines (loading, split sizes, the result). */
  log?: (line: string) => void;
}

export interface TrainModelResult {
  dir: string;
  manifest: ModelManifest;
  outcome: Omit<TrainOutcome, 'net'>;
}

export function pipelineHashOf(pipeline: unknown): string {
  return createHash('sha256').update(JSON.stringify(pipeline)).digest('hex').slice(0, 16);
}

function subset(set: LabelledSet, classes: ReadonlySet<number>): LabelledInputs & { samples: string[] } {
  const inputs: Float32Array[] = [];
  const labels: number[] = [];
  const samples: string[] = [];
  set.labels.forEach((l, i) => {
    if (!classes.has(l)) return;
    inputs.push(set.inputs[i]!);
    labels.push(l);
    samples.push(set.samples[i]!);
  });
  return { inputs, labels, samples };
}

/** One-shot outcomes on a labelled set (one random reference per class) for calibration. */
export function oneShotOutcomes(net: SiameseNetwork, data: LabelledInputs, seed: number): { outcomes: QueryOutcome[]; logits: number[]; targets: number[] } {
  const emb = embedInputs(net.encoder, data.inputs, net.spec.inputPoints);
  const head: SiameseHead = { w: net.headW.dataSync() as Float32Array, b: net.headB.dataSync()[0]! };
  const rng = makeRng(seed ^ 0xca11b);
  const refs: number[] = [];
  for (const members of indicesByClass(data.labels).values()) refs.push(members[randomInt(rng, members.length)]!);
  const refSet = new Set(refs);
  const outcomes: QueryOutcome[] = [];
  const logits: number[] = [];
  const targets: number[] = [];
  data.labels.forEach((label, q) => {
    if (refSet.has(q)) return;
    let top1 = -Infinity;
    let top2 = -Infinity;
    let topLabel = -1;
    let openTop = -Infinity;
    for (const r of refs) {
      const z = headLogit(head, emb[q]!, emb[r]!);
      const s = sigmoid(z);
      logits.push(z);
      targets.push(data.labels[r] === label ? 1 : 0);
      if (s > top1) {
        top2 = top1;
        top1 = s;
        topLabel = data.labels[r]!;
      } else if (s > top2) top2 = s;
      if (data.labels[r] !== label && s > openTop) openTop = s;
    }
    outcomes.push({ top1, top2: Number.isFinite(top2) ? top2 : 0, correct: topLabel === label, openSetTop: openTop });
  });
  return { outcomes, logits, targets };
}

export async function trainModel(opts: TrainModelOptions): Promise<TrainModelResult> {
  const log = opts.log ?? (() => undefined);
  const recipeName = opts.recipe ?? 'improved';
  const recipe = RECIPES[recipeName];
  const axis = opts.axis ?? DEFAULT_AXIS;
  const seed = opts.seed ?? 1;
  if (opts.data.length === 0) throw new SpecmatchError('E_USAGE', 'training needs at least one --data PATH');
  const backend = await chooseBackend(opts.backend ? { force: opts.backend } : {});
  const t0 = Date.now();
  const set = await loadLabelledSet(opts.data, { axis, onProgress: (d, n) => log(`reading spectra ${d}/${n}`) });
  for (const s of set.skipped.slice(0, 5)) log(`skipped ${s.file}: ${s.reason}`);
  if (set.skipped.length > 5) log(`… ${set.skipped.length - 5} more files skipped`);
  const classes = [...new Set(set.labels)];
  if (classes.length < 4) throw new SpecmatchError('E_PARAM', `training needs at least 4 classes with two spectra each; the data hold ${classes.length}`);
  // At least two validation classes, so that validation has negative pairs and one-shot is not trivial.
  const vf = Math.max(opts.validationFraction ?? 0.1, 2 / classes.length);
  const split = splitClasses(classes, makeRng(seed), [1 - vf, vf, 0]);
  const train = subset(set, new Set(split.train));
  const val = subset(set, new Set(split.validation));
  log(
    `${set.inputs.length} spectra of ${classes.length} classes (${set.variant}) read in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
      `training on ${split.train.length} classes (${train.inputs.length} spectra, ${positivePairs(train.labels).length} positive pairs), validating on ${split.validation.length}`,
  );
  mkdirSync(opts.outDir, { recursive: true });
  const outcome = await trainSiamese(train, val, {
    ...recipeOptions(recipe, axis.points),
    seed,
    maxEpochs: opts.epochs ?? 60,
    ...(opts.pairsPerEpoch ? { pairsPerEpoch: opts.pairsPerEpoch } : {}),
    checkpointDir: join(opts.outDir, 'checkpoint'),
    resume: opts.resume === true,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const net = outcome.net;
  try {
    if (outcome.history.length === 0) {
      throw new SpecmatchError('E_CANCELLED', `training stopped before the first epoch finished; nothing was written to ${opts.outDir}`);
    }
    const cal = oneShotOutcomes(net, val, seed);
    const thresholds = calibrateThresholds(cal.outcomes);
    const platt = fitPlatt(cal.logits, cal.targets);
    const best = outcome.history.find((h) => h.epoch === outcome.bestEpoch) ?? outcome.history[outcome.history.length - 1]!;
    const pipeline = inputPipeline(axis);
    const id = opts.id ?? opts.outDir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? 'siamese';
    const manifest: ModelManifest = {
      id,
      version: new Date().toISOString().slice(0, 10),
      axis,
      pipeline,
      pipelineHash: pipelineHashOf(pipeline),
      embeddingSize: embeddingSizeOf({ ...recipe.spec, inputPoints: axis.points }),
      training: {
        recipe: recipeName,
        recipeSettings: { ...recipe, spec: undefined },
        architecture: { ...recipe.spec, inputPoints: axis.points },
        data: set.sources.map((s) => s.split(/[\\/]/).slice(-3).join('/')),
        variant: set.variant,
        spectra: set.inputs.length,
        classes: classes.length,
        trainClasses: split.train.length,
        validationClasses: split.validation.length,
        seed,
        epochs: outcome.history.length,
        bestEpoch: outcome.bestEpoch,
        stoppedBy: outcome.stoppedBy,
        wallSeconds: Math.round(outcome.wallSeconds),
        backend: backend.name,
        pairsPerSecond: Number(outcome.pairsPerSecond.toFixed(1)),
        spectraPerSecond: Number(outcome.spectraPerSecond.toFixed(1)),
        pairsPerEpoch: opts.pairsPerEpoch ?? positivePairs(train.labels).length,
        history: outcome.history,
      },
      metrics: {
        note: 'validation = held-out classes never trained on (one random reference per class, one-shot)',
        validationLoss: best.valLoss,
        validationPairAccuracy: best.valAccuracy,
        validationOneShotTop1: cal.outcomes.filter((o) => o.correct).length / Math.max(1, cal.outcomes.length),
        validationQueries: cal.outcomes.length,
        plattScaling: platt,
      },
      tfjsVersion: tf.version.tfjs,
      calibration: thresholds,
    };
    await saveNetwork(net, opts.outDir);
    writeManifest(opts.outDir, manifest);
    log(`model written to ${opts.outDir} (${outcome.history.length} epochs, best ${outcome.bestEpoch}, ${outcome.stoppedBy}, ${Math.round(outcome.wallSeconds)} s on ${backend.name})`);
    const { net: _net, ...rest } = outcome;
    return { dir: opts.outDir, manifest, outcome: rest };
  } finally {
    disposeNetwork(net);
  }
}

/** Whether a training output folder holds a resumable checkpoint. */
export function hasCheckpoint(outDir: string): boolean {
  return existsSync(join(outDir, 'checkpoint', 'last', 'state.json'));
}
