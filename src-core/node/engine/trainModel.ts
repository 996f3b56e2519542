import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { embeddingSizeOf } from '../../engine/architecture.js';
import { calibrateThresholds, DEFAULT_FUSION_ALPHA, fitPlatt, type QueryOutcome } from '../../engine/calibration.js';
import type { ModelManifest } from '../../engine/EmbeddingModel.js';
import { inputPipeline, type InputAxis } from '../../engine/inputVector.js';
import { pipelineHash } from '../../preprocess/pipeline.js';
import { positivePairs } from '../../engine/pairSampling.js';
import { indicesByClass, splitClasses } from '../../engine/protocols.js';
import { makeRng, randomInt } from '../../engine/random.js';
import { DEFAULT_AXIS, DEFAULT_RECIPE, RECIPES, type RecipeName } from '../../engine/recipes.js';
import { headLogit, sigmoid, type SiameseHead } from '../../engine/siameseHead.js';
import { SpecmatchError } from '../../errors.js';
import { hqiDerivative } from '../../matching/similarity.js';
import { chooseBackend, type BackendName } from './backend.js';
import { labelledSetOf, loadLabelledSet, type LabelledSet, type ReadSpectra } from './dataset.js';
import { loadNetwork, readManifest, saveNetwork, writeManifest } from './modelStore.js';
import { disposeNetwork, embedInputs, headOf, type SiameseNetwork } from './siameseNetwork.js';
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
  /** Labelled spectra already read (a library's references): used instead of reading `data`. */
  spectra?: ReadSpectra;
  /** Output folder: the model files, plus `checkpoint/` for resuming. */
  outDir: string;
  /** @default DEFAULT_RECIPE ('improved') */
  recipe?: RecipeName;
  /** Maximum epochs (early stopping usually ends sooner). @default 60 */
  epochs?: number;
  /** Positive pairs per epoch. @default S_m (every distinct positive pair of the training classes) */
  pairsPerEpoch?: number;
  /** @default false */
  resume?: boolean;
  /** Class split seed (which classes validate). @default 1 */
  seed?: number;
  /**
   * Seed of the network's initial weights and of the pair sampling, apart from the split: two networks with the same
   * `seed` and different `initSeed`s hold out the same classes (ensemble members). @default `seed`
   */
  initSeed?: number;
  /** @default DEFAULT_AXIS (150–1300 cm⁻¹, 512 points) */
  axis?: InputAxis;
  /** Fraction of the classes held out for early stopping and calibration. @default 0.1 */
  validationFraction?: number;
  /** Model id written to the manifest. @default the output folder's name */
  id?: string;
  backend?: BackendName;
  /** Threads that compute a step's groups in parallel (the result does not depend on it). @default 1 */
  workers?: number;
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

export type Subset = LabelledInputs & { samples: string[]; files: string[]; classic: Float32Array[] };

function subset(set: LabelledSet, classes: ReadonlySet<number>): Subset {
  const idx = set.labels.flatMap((l, i) => (classes.has(l) ? [i] : []));
  return {
    inputs: idx.map((i) => set.inputs[i]!),
    labels: idx.map((i) => set.labels[i]!),
    samples: idx.map((i) => set.samples[i]!),
    files: idx.map((i) => set.files[i]!),
    classic: set.classic ? idx.map((i) => set.classic![i]!) : [],
  };
}

/** The training / validation class split of trainModel (seeded; at least two validation classes). */
export function splitForTraining(set: LabelledSet, seed: number, validationFraction = 0.1): { train: Subset; val: Subset; trainClasses: number; valClasses: number; classes: number } {
  const classes = [...new Set(set.labels)];
  if (classes.length < 4) throw new SpecmatchError('E_PARAM', `training needs at least 4 classes with two spectra each; the data hold ${classes.length}`);
  // At least two validation classes, so that validation has negative pairs and one-shot is not trivial.
  const vf = Math.max(validationFraction, 2 / classes.length);
  const split = splitClasses(classes, makeRng(seed), [1 - vf, vf, 0]);
  return { train: subset(set, new Set(split.train)), val: subset(set, new Set(split.validation)), trainClasses: split.train.length, valClasses: split.validation.length, classes: classes.length };
}

/**
 * Verdict thresholds of the fused score α·sigmoid(z) + (1 − α)·derivative HQI (the library's 'fused' method) on
 * held-out classes, and its one-shot top-1 there.
 */
export function fusedCalibration(net: SiameseNetwork, val: Subset, seed: number, alpha: number): { calibration: NonNullable<ModelManifest['fusedCalibration']>; oneShotTop1: number } {
  const { outcomes } = oneShotOutcomes(net, val, seed, { alpha, classic: val.classic });
  return { calibration: { alpha, ...calibrateThresholds(outcomes) }, oneShotTop1: outcomes.filter((o) => o.correct).length / Math.max(1, outcomes.length) };
}

/**
 * The fusion weight α of α·Siamese + (1 − α)·derivative HQI that gives the best one-shot top-1 on held-out classes,
 * on a grid of 0.05, averaged over FUSION_DRAWS random reference draws (one draw of 171 classes moves the optimum by
 * ±0.1). Ties go to the α nearest 0.5. Every α's top-1 is returned for the manifest. α is chosen and reported on
 * the same classes, so its top-1 is optimistic by the selection; `specmatch eval` measures fusion on classes neither
 * training nor α selection saw.
 */
export const FUSION_DRAWS = 10;
export function chooseFusionAlpha(net: SiameseNetwork, val: Subset, seed: number): { alpha: number; top1ByAlpha: Array<{ alpha: number; top1: number }> } {
  const emb = embedInputs(net.encoder, val.inputs, net.spec.inputPoints);
  const head = headOf(net);
  const rng = makeRng(seed ^ 0xca11b);
  const hits = new Float64Array(21);
  let total = 0;
  for (let draw = 0; draw < FUSION_DRAWS; draw++) {
    const refs: number[] = [];
    for (const members of indicesByClass(val.labels).values()) refs.push(members[randomInt(rng, members.length)]!);
    const refSet = new Set(refs);
    const queries = val.labels.flatMap((_, q) => (refSet.has(q) ? [] : [q]));
    total += queries.length;
    for (const q of queries) {
      const siamese = refs.map((r) => sigmoid(headLogit(head, emb[q]!, emb[r]!)));
      const derivative = refs.map((r) => hqiDerivative(val.classic[q]!, val.classic[r]!));
      for (let k = 0; k <= 20; k++) {
        const alpha = k / 20;
        let best = -Infinity;
        let label = -1;
        refs.forEach((r, j) => {
          const s = alpha * siamese[j]! + (1 - alpha) * derivative[j]!;
          if (s > best) {
            best = s;
            label = val.labels[r]!;
          }
        });
        if (label === val.labels[q]) hits[k]!++;
      }
    }
  }
  const top1ByAlpha = Array.from(hits, (h, k) => ({ alpha: k / 20, top1: h / Math.max(1, total) }));
  const best = top1ByAlpha.reduce((a, b) => (b.top1 > a.top1 + 1e-12 || (Math.abs(b.top1 - a.top1) <= 1e-12 && Math.abs(b.alpha - 0.5) < Math.abs(a.alpha - 0.5)) ? b : a));
  return { alpha: best.alpha, top1ByAlpha };
}

/** One-shot outcomes on a labelled set (one random reference per class) for calibration. */
export function oneShotOutcomes(
  net: SiameseNetwork,
  data: LabelledInputs,
  seed: number,
  fuse?: { alpha: number; classic: readonly Float32Array[] },
): { outcomes: QueryOutcome[]; logits: number[]; targets: number[] } {
  const emb = embedInputs(net.encoder, data.inputs, net.spec.inputPoints);
  const head: SiameseHead = headOf(net);
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
      const s = fuse ? fuse.alpha * sigmoid(z) + (1 - fuse.alpha) * hqiDerivative(fuse.classic[q]!, fuse.classic[r]!) : sigmoid(z);
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

/** What calibrateOnValidation measures: the verdict thresholds of both scores and the manifest's metrics. */
export interface ValidationCalibration {
  calibration: NonNullable<ModelManifest['calibration']>;
  fusedCalibration: NonNullable<ModelManifest['fusedCalibration']>;
  metrics: {
    validationOneShotTop1: number;
    validationQueries: number;
    plattScaling: { a: number; b: number };
    fusionAlpha: number;
    fusionAlphaSearch?: Array<{ alpha: number; top1: number }>;
    validationOneShotTop1Fused: number;
  };
}

/**
 * A trained network's calibration on its held-out validation classes (one-shot, one random reference per class):
 * verdict thresholds of the Siamese score, Platt scaling of its logit, the fusion α (learned over reference draws
 * when `learnFusion`, else DEFAULT_FUSION_ALPHA) and the fused score's thresholds. Shared by training and ensembles.
 */
export function calibrateOnValidation(net: SiameseNetwork, val: Subset, seed: number, learnFusion: boolean): ValidationCalibration {
  const cal = oneShotOutcomes(net, val, seed);
  const learned = learnFusion ? chooseFusionAlpha(net, val, seed) : undefined;
  const fusionAlpha = learned?.alpha ?? DEFAULT_FUSION_ALPHA;
  const fused = fusedCalibration(net, val, seed, fusionAlpha);
  return {
    calibration: calibrateThresholds(cal.outcomes),
    fusedCalibration: fused.calibration,
    metrics: {
      validationOneShotTop1: cal.outcomes.filter((o) => o.correct).length / Math.max(1, cal.outcomes.length),
      validationQueries: cal.outcomes.length,
      plattScaling: fitPlatt(cal.logits, cal.targets),
      fusionAlpha,
      ...(learned ? { fusionAlphaSearch: learned.top1ByAlpha } : {}),
      validationOneShotTop1Fused: fused.oneShotTop1,
    },
  };
}

export async function trainModel(opts: TrainModelOptions): Promise<TrainModelResult> {
  const log = opts.log ?? (() => undefined);
  const recipeName = opts.recipe ?? DEFAULT_RECIPE;
  const recipe = RECIPES[recipeName];
  const axis = opts.axis ?? DEFAULT_AXIS;
  const seed = opts.seed ?? 1;
  const initSeed = opts.initSeed ?? seed;
  if (opts.data.length === 0 && !opts.spectra) throw new SpecmatchError('E_USAGE', 'training needs at least one --data PATH');
  const backend = await chooseBackend(opts.backend ? { force: opts.backend } : {});
  const t0 = Date.now();
  const setOptions = { axis, classic: true, onProgress: (d: number, n: number) => log(`reading spectra ${d}/${n}`) };
  const set = opts.spectra ? labelledSetOf(opts.spectra, setOptions) : await loadLabelledSet(opts.data, setOptions);
  for (const s of set.skipped.slice(0, 5)) log(`skipped ${s.file}: ${s.reason}`);
  if (set.skipped.length > 5) log(`… ${set.skipped.length - 5} more files skipped`);
  const { train, val, ...counts } = splitForTraining(set, seed, opts.validationFraction);
  log(
    `${set.inputs.length} spectra of ${counts.classes} classes (${set.variant}) read in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
      `training on ${counts.trainClasses} classes (${train.inputs.length} spectra, ${positivePairs(train.labels).length} positive pairs), validating on ${counts.valClasses}`,
  );
  mkdirSync(opts.outDir, { recursive: true });
  const outcome = await trainSiamese(train, val, {
    ...recipeOptions(recipe, axis.points),
    seed: initSeed,
    maxEpochs: opts.epochs ?? 60,
    ...(opts.pairsPerEpoch ? { pairsPerEpoch: opts.pairsPerEpoch } : {}),
    checkpointDir: join(opts.outDir, 'checkpoint'),
    resume: opts.resume === true,
    workers: opts.workers ?? 1,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const net = outcome.net;
  try {
    if (outcome.history.length === 0) {
      throw new SpecmatchError('E_CANCELLED', `training stopped before the first epoch finished; nothing was written to ${opts.outDir}`);
    }
    const calibrated = calibrateOnValidation(net, val, seed, recipe.learnFusion === true);
    const best = outcome.history.find((h) => h.epoch === outcome.bestEpoch) ?? outcome.history[outcome.history.length - 1]!;
    const pipeline = inputPipeline(axis);
    const id = opts.id ?? opts.outDir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? 'siamese';
    const manifest: ModelManifest = {
      id,
      version: new Date().toISOString().slice(0, 10),
      axis,
      pipeline,
      pipelineHash: pipelineHash(pipeline),
      embeddingSize: embeddingSizeOf({ ...recipe.spec, inputPoints: axis.points }),
      training: {
        recipe: recipeName,
        recipeSettings: { ...recipe, spec: undefined },
        architecture: { ...recipe.spec, inputPoints: axis.points },
        data: set.sources.map((s) => s.split(/[\\/]/).slice(-3).join('/')),
        variant: set.variant,
        spectra: set.inputs.length,
        classes: counts.classes,
        trainClasses: counts.trainClasses,
        validationClasses: counts.valClasses,
        seed,
        ...(initSeed !== seed ? { initSeed } : {}),
        epochs: outcome.history.length,
        bestEpoch: outcome.bestEpoch,
        stoppedBy: outcome.stoppedBy,
        wallSeconds: Math.round(outcome.wallSeconds),
        backend: backend.name,
        workers: Math.min(opts.workers ?? 1, recipe.groupsPerStep ?? 1),
        pairsPerSecond: Number(outcome.pairsPerSecond.toFixed(1)),
        spectraPerSecond: Number(outcome.spectraPerSecond.toFixed(1)),
        pairsPerEpoch: opts.pairsPerEpoch ?? positivePairs(train.labels).length,
        history: outcome.history,
      },
      metrics: {
        note: 'validation = held-out classes never trained on (one random reference per class, one-shot)',
        validationLoss: best.valLoss,
        validationPairAccuracy: best.valAccuracy,
        ...calibrated.metrics,
      },
      tfjsVersion: tf.version.tfjs,
      calibration: calibrated.calibration,
      fusedCalibration: calibrated.fusedCalibration,
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

export interface RecalibrateOptions {
  /** The model folder (its manifest is rewritten in place). */
  dir: string;
  /** The data it was trained on, in the same order (the manifest's training.data), so the validation split is the same. */
  data: string[];
  /** A fixed α, or 'learn' (chooseFusionAlpha on the held-out classes). @default DEFAULT_FUSION_ALPHA */
  alpha?: number | 'learn';
  /** Make this the library's default method for the model (metrics.recommendedMethod), with the evidence in `because`. */
  recommend?: { method: 'siamese' | 'fused'; because: string };
  log?: (line: string) => void;
}

/**
 * Recomputes a trained model's fused-score calibration on its own held-out validation classes (same data, same
 * seed, hence the same split as in training) without retraining, and optionally records which match method the
 * model recommends. For models trained before trainModel wrote `fusedCalibration` (scripts/calibrate-fused.ts).
 */
export async function recalibrateModel(opts: RecalibrateOptions): Promise<ModelManifest> {
  const log = opts.log ?? (() => undefined);
  const manifest = readManifest(opts.dir);
  const seed = typeof manifest.training['seed'] === 'number' ? manifest.training['seed'] : 1;
  const set = await loadLabelledSet(opts.data, { axis: manifest.axis, classic: true, onProgress: (d, n) => log(`reading spectra ${d}/${n}`) });
  const { val, valClasses } = splitForTraining(set, seed);
  if (valClasses !== manifest.training['validationClasses']) {
    throw new SpecmatchError('E_PARAM', `${opts.dir}: the data give ${valClasses} validation classes, the model was validated on ${String(manifest.training['validationClasses'])}: not the data it was trained on`);
  }
  const net = await loadNetwork(opts.dir);
  try {
    const learned = opts.alpha === 'learn' ? chooseFusionAlpha(net, val, seed) : undefined;
    const alpha = learned?.alpha ?? (typeof opts.alpha === 'number' ? opts.alpha : DEFAULT_FUSION_ALPHA);
    const fused = fusedCalibration(net, val, seed, alpha);
    const next: ModelManifest = {
      ...manifest,
      metrics: {
        ...manifest.metrics,
        fusionAlpha: alpha,
        ...(learned ? { fusionAlphaSearch: learned.top1ByAlpha } : {}),
        validationOneShotTop1Fused: fused.oneShotTop1,
        ...(opts.recommend ? { recommendedMethod: opts.recommend.method, recommendation: opts.recommend.because } : {}),
      },
      fusedCalibration: fused.calibration,
    };
    writeManifest(opts.dir, next);
    log(`${opts.dir}: fused α = ${alpha}: validation one-shot ${fused.oneShotTop1.toFixed(3)} on ${valClasses} held-out classes; thresholds match ${fused.calibration.match.toFixed(3)}, noMatch ${fused.calibration.noMatch.toFixed(3)}, gap ${fused.calibration.ambiguousGap.toFixed(3)}`);
    return next;
  } finally {
    disposeNetwork(net);
  }
}
