import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { inputChannelsOf, type ArchitectureSpec } from '../../engine/architecture.js';
import type { AugmentOptions } from '../../engine/augment.js';
import { planClassEpoch, planEpoch, positivePairs, type Pair } from '../../engine/pairSampling.js';
import { indicesByClass } from '../../engine/protocols.js';
import { makeRng, randomInt } from '../../engine/random.js';
import type { Recipe } from '../../engine/recipes.js';
import { headLogit, sigmoid } from '../../engine/siameseHead.js';
import { SpecmatchError } from '../../errors.js';
import type { BackendName } from './backend.js';
import { loadNetwork, replaceFolder, saveNetwork } from './modelStore.js';
import { GradientPool } from './gradientPool.js';
import { buildNetwork, disposeNetwork, embedInputs, headOf, type SiameseNetwork } from './siameseNetwork.js';
import {
  groupGradients,
  readMovingStats,
  trainableVariables,
  writeMovingStats,
  type GroupResult,
  type StepContext,
} from './trainStep.js';

/**
 * The Siamese training loop (Liu et al. 2017's recipe, then the improvements measured in docs/notes/engine.md):
 * binary cross-entropy on positive / negative pairs, Adam, learning rate halved every `halveEvery` epochs, Glorot
 * initialisation, bootstrap pair sampling per epoch (pairSampling.ts), early stopping on validation pairs with the
 * best epoch's weights kept. Checkpoints every epoch (`last/`, `best/` in `checkpointDir`) so `resume` continues
 * after an interruption, and an aborted `signal` stops after the current step leaving the last finished epoch usable.
 */
export interface LabelledInputs {
  inputs: readonly Float32Array[];
  labels: readonly number[];
}

export interface SiameseTrainOptions {
  spec: ArchitectureSpec;
  /** @default 1 */
  seed?: number;
  /** Upper bound on epochs (early stopping usually ends sooner). @default 60 */
  maxEpochs?: number;
  /** Positive pairs per batch P (a batch embeds ≤ 2P spectra once). @default 32 */
  pairsPerBatch?: number;
  /** Positive (and negative) pairs per epoch. @default S_m, the number of distinct training positive pairs */
  pairsPerEpoch?: number;
  /** Adam's initial learning rate. @default 1e-3 */
  learningRate?: number;
  /** @default 10 */
  halveEvery?: number;
  /** Epochs without a better validation loss before stopping. @default 6 */
  patience?: number;
  /** Fraction of each batch's negatives that are its hardest (highest-scoring) pairs; 0 = the paper's uniform draw. @default 0 */
  hardNegativeFraction?: number;
  /** Fraction of anchors that bring a look-alike spectrum of another class into the batch (see pairSampling.ts). @default 0 */
  hardPartnerFraction?: number;
  /** Input perturbations during training; null = none (the paper). @default null */
  augment?: AugmentOptions | null;
  /** @default 'pairs' (the paper's bootstrap); see Recipe.batching */
  batching?: Recipe['batching'];
  /** @default 'val-loss' (the paper); see Recipe.selectBy */
  selectBy?: Recipe['selectBy'];
  /** @default 'bce' (the paper); see Recipe.loss */
  loss?: Recipe['loss'];
  /** @default 0; see Recipe.classMix */
  classMix?: number;
  /**
   * Groups (batches with their own BatchNorm statistics and negatives) whose gradients are averaged into one step:
   * an effective batch of `groupsPerStep` × the recipe's. @default 1
   */
  groupsPerStep?: number;
  /**
   * Threads that compute a step's groups in parallel (this one included; at most `groupsPerStep` are used). The
   * result is the same for any count, up to float rounding. @default 1
   */
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** Folder for per-epoch checkpoints; required for `resume`. */
  checkpointDir?: string;
  /** Continue from `checkpointDir/last` when it exists. @default false */
  resume?: boolean;
}

export interface TrainProgress {
  phase: 'step' | 'epoch';
  epoch: number;
  maxEpochs: number;
  step: number;
  steps: number;
  /** Mean training loss of the epoch so far. */
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Validation one-shot top-1 (one reference per validation class). */
  valOneShot?: number;
  pairsPerSecond: number;
  /** Estimated seconds to reach maxEpochs (early stopping may end sooner). */
  etaSeconds: number;
  learningRate: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  valLoss: number;
  valAccuracy: number;
  valOneShot: number;
  learningRate: number;
  seconds: number;
  pairsPerSecond: number;
}

export interface TrainOutcome {
  /** The network of the best validation epoch (caller disposes). */
  net: SiameseNetwork;
  history: EpochRecord[];
  bestEpoch: number;
  stoppedBy: 'early-stopping' | 'max-epochs' | 'cancelled';
  wallSeconds: number;
  /** Training pairs (positives + negatives) per second over the whole run, and spectra embedded per second. */
  pairsPerSecond: number;
  spectraPerSecond: number;
  backend: string;
}

/** The training options a named recipe fixes, for an input of `inputPoints` points. */
export function recipeOptions(
  recipe: Recipe,
  inputPoints: number,
): Pick<
  SiameseTrainOptions,
  | 'spec'
  | 'pairsPerBatch'
  | 'learningRate'
  | 'halveEvery'
  | 'patience'
  | 'hardNegativeFraction'
  | 'hardPartnerFraction'
  | 'augment'
  | 'batching'
  | 'selectBy'
  | 'loss'
  | 'classMix'
  | 'groupsPerStep'
> {
  return {
    spec: { ...recipe.spec, inputPoints },
    pairsPerBatch: recipe.pairsPerBatch,
    learningRate: recipe.learningRate,
    halveEvery: recipe.halveEvery,
    patience: recipe.patience,
    hardNegativeFraction: recipe.hardNegativeFraction,
    hardPartnerFraction: recipe.hardPartnerFraction,
    augment: recipe.augment,
    batching: recipe.batching,
    selectBy: recipe.selectBy,
    loss: recipe.loss,
    classMix: recipe.classMix ?? 0,
    groupsPerStep: recipe.groupsPerStep ?? 1,
  };
}

interface TrainState {
  epoch: number;
  history: EpochRecord[];
  bestValLoss: number;
  /** Best validation one-shot top-1 so far (absent in checkpoints written before selection by one-shot existed). */
  bestValOneShot?: number;
  bestEpoch: number;
  badEpochs: number;
  learningRate: number;
  wallSeconds: number;
  pairs: number;
  spectra: number;
}

/**
 * For each class, the `k` classes that look most like it (Pearson correlation of class-mean inputs, averaged down
 * to 128 points): where hard negatives come from. Working on class means keeps this O(classes²) rather than
 * O(spectra²), which matters on a 2-core machine with thousands of spectra.
 */
export function lookAlikeClasses(data: LabelledInputs, k: number): Map<number, number[]> {
  const bins = 128;
  const byClass = indicesByClass(data.labels);
  const classes = [...byClass.keys()];
  const means = classes.map((c) => {
    const m = new Float64Array(bins);
    const members = byClass.get(c)!;
    for (const i of members) {
      const v = data.inputs[i]!;
      for (let t = 0; t < v.length; t++) m[Math.min(bins - 1, Math.floor((t * bins) / v.length))]! += v[t]!;
    }
    let mu = 0;
    for (let t = 0; t < bins; t++) mu += m[t]!;
    mu /= bins;
    let ss = 0;
    for (let t = 0; t < bins; t++) {
      m[t] = m[t]! - mu;
      ss += m[t]! * m[t]!;
    }
    const s = Math.sqrt(ss) || 1;
    for (let t = 0; t < bins; t++) m[t] = m[t]! / s;
    return m;
  });
  const similar = new Map<number, number[]>();
  classes.forEach((c, a) => {
    const corr = classes.map((_, b) => {
      if (a === b) return -Infinity;
      let s = 0;
      for (let t = 0; t < bins; t++) s += means[a]![t]! * means[b]![t]!;
      return s;
    });
    const order = classes.map((_, b) => b).sort((p, q) => corr[q]! - corr[p]!);
    similar.set(
      c,
      order.slice(0, k).map((b) => classes[b]!),
    );
  });
  return similar;
}

/** For each spectrum, the spectra of the `k` classes that look most like its own (see lookAlikeClasses). */
export function lookAlikes(data: LabelledInputs, k: number): number[][] {
  const byClass = indicesByClass(data.labels);
  const similar = lookAlikeClasses(data, k);
  return data.labels.map((c) => (similar.get(c) ?? []).flatMap((o) => byClass.get(o) ?? []));
}

interface ValidationSet {
  pairs: Pair[];
  targets: number[];
  refs: number[];
  queries: number[];
}

function validationSet(val: LabelledInputs, seed: number, maxPairs = 3000): ValidationSet {
  const rng = makeRng(seed ^ 0x5eed);
  const pos = positivePairs(val.labels);
  const pairs: Pair[] = [];
  const targets: number[] = [];
  const nPos = Math.min(maxPairs, pos.length);
  for (let i = 0; i < nPos; i++) {
    pairs.push(pos.length > maxPairs ? pos[randomInt(rng, pos.length)]! : pos[i]!);
    targets.push(1);
  }
  const n = val.labels.length;
  const twoClasses = new Set(val.labels).size > 1;
  for (let i = 0; i < nPos && twoClasses;) {
    const a = randomInt(rng, n);
    const b = randomInt(rng, n);
    if (val.labels[a] === val.labels[b]) continue;
    pairs.push([a, b]);
    targets.push(0);
    i++;
  }
  const refs: number[] = [];
  const queries: number[] = [];
  for (const members of indicesByClass(val.labels).values()) {
    const r = members[randomInt(rng, members.length)]!;
    refs.push(r);
    for (const m of members) if (m !== r) queries.push(m);
  }
  return { pairs, targets, refs, queries };
}

function evaluateValidation(
  net: SiameseNetwork,
  val: LabelledInputs,
  set: ValidationSet,
): { loss: number; accuracy: number; oneShot: number } {
  const emb = embedInputs(net.encoder, val.inputs, net.spec.inputPoints);
  const head = headOf(net);
  let loss = 0;
  let correct = 0;
  set.pairs.forEach(([a, b], i) => {
    const z = headLogit(head, emb[a]!, emb[b]!);
    const y = set.targets[i]!;
    // BCE with logits, computed stably: softplus(z) − y·z.
    loss += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
    if ((sigmoid(z) >= 0.5 ? 1 : 0) === y) correct++;
  });
  let hits = 0;
  for (const q of set.queries) {
    let best = -Infinity;
    let bestLabel = -1;
    for (const r of set.refs) {
      const z = headLogit(head, emb[q]!, emb[r]!);
      if (z > best) {
        best = z;
        bestLabel = val.labels[r]!;
      }
    }
    if (bestLabel === val.labels[q]) hits++;
  }
  const n = Math.max(1, set.pairs.length);
  return { loss: loss / n, accuracy: correct / n, oneShot: set.queries.length ? hits / set.queries.length : 0 };
}

async function saveOptimizer(opt: tf.Optimizer, dir: string): Promise<void> {
  const weights = await opt.getWeights();
  const { data, specs } = await tf.io.encodeWeights(weights);
  writeFileSync(join(dir, 'optimizer.bin'), new Uint8Array(data));
  writeFileSync(join(dir, 'optimizer.json'), JSON.stringify(specs));
}

async function loadOptimizer(opt: tf.Optimizer, dir: string): Promise<void> {
  const specs = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as tf.io.WeightsManifestEntry[];
  const b = readFileSync(join(dir, 'optimizer.bin'));
  const map = tf.io.decodeWeights(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength), specs);
  await opt.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name]! })));
}

function setLearningRate(opt: tf.AdamOptimizer, lr: number): void {
  // tfjs' Adam reads `learningRate` on every step; it has no public setter, and re-creating the optimizer would
  // lose its moment estimates.
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

export async function trainSiamese(
  train: LabelledInputs,
  val: LabelledInputs,
  opts: SiameseTrainOptions,
): Promise<TrainOutcome> {
  const seed = opts.seed ?? 1;
  const maxEpochs = opts.maxEpochs ?? 60;
  const P = opts.pairsPerBatch ?? 32;
  const lr0 = opts.learningRate ?? 1e-3;
  const halveEvery = opts.halveEvery ?? 10;
  const patience = opts.patience ?? 6;
  const points = opts.spec.inputPoints;
  const channels = inputChannelsOf(opts.spec);
  const positives = positivePairs(train.labels);
  if (positives.length === 0) throw new SpecmatchError('E_PARAM', 'training needs at least one class with two spectra');
  if (new Set(val.labels).size < 2 || positivePairs(val.labels).length === 0)
    throw new SpecmatchError('E_PARAM', 'validation needs at least two classes, one of them with two spectra');
  const perEpoch = opts.pairsPerEpoch ?? positives.length;
  const batching = opts.batching ?? 'pairs';
  const selectBy = opts.selectBy ?? 'val-loss';
  const withRetrieval = opts.loss === 'bce+retrieval';
  const G = Math.max(1, Math.floor(opts.groupsPerStep ?? 1));
  const stepCtx: StepContext = {
    inputs: train.inputs,
    labels: train.labels,
    byClass: indicesByClass(train.labels),
    points,
    channels,
    augment: opts.augment ?? null,
    classMix: opts.classMix ?? 0,
    hardNegativeFraction: opts.hardNegativeFraction ?? 0,
    withRetrieval,
  };
  const wantsLookAlikes = (opts.hardPartnerFraction ?? 0) > 0;
  const hardPartners = wantsLookAlikes && batching === 'pairs' ? lookAlikes(train, 8) : undefined;
  const alikeClasses = wantsLookAlikes && batching === 'classes' ? lookAlikeClasses(train, 8) : undefined;
  const valSet = validationSet(val, seed);
  const backend = tf.getBackend();

  let net = buildNetwork(opts.spec, seed);
  const optimizer = tf.train.adam(lr0);
  const state: TrainState = {
    epoch: 0,
    history: [],
    bestValLoss: Infinity,
    bestEpoch: 0,
    badEpochs: 0,
    learningRate: lr0,
    wallSeconds: 0,
    pairs: 0,
    spectra: 0,
  };
  const ck = opts.checkpointDir;
  if (ck) mkdirSync(ck, { recursive: true });
  if (opts.resume && ck && existsSync(join(ck, 'last', 'state.json'))) {
    disposeNetwork(net);
    net = await loadNetwork(join(ck, 'last'));
    await loadOptimizer(optimizer, join(ck, 'last'));
    Object.assign(state, JSON.parse(readFileSync(join(ck, 'last', 'state.json'), 'utf8')) as TrainState);
  }
  const varList = (): tf.Variable[] => trainableVariables(net);
  let vars = varList();
  const threads = Math.min(G, Math.max(1, Math.floor(opts.workers ?? 1)));
  const pool =
    threads > 1
      ? await GradientPool.start(threads - 1, {
          spec: opts.spec,
          backend: backendNameOf(backend),
          ...sharedInputs(train.inputs, points),
          labels: [...train.labels],
          points,
          augment: stepCtx.augment,
          classMix: stepCtx.classMix,
          hardNegativeFraction: stepCtx.hardNegativeFraction,
          withRetrieval,
        })
      : undefined;
  const started = Date.now();
  const wallBefore = state.wallSeconds;
  let stoppedBy: TrainOutcome['stoppedBy'] = 'max-epochs';
  let bestInMemory: SiameseNetwork | undefined;

  try {
    while (state.epoch < maxEpochs) {
      const epoch = state.epoch + 1;
      state.learningRate = lr0 * Math.pow(0.5, Math.floor((epoch - 1) / halveEvery));
      setLearningRate(optimizer, state.learningRate);
      const rng = makeRng(seed * 1000003 + epoch);
      const batches =
        batching === 'classes'
          ? planClassEpoch(train.labels, rng, {
              classesPerBatch: P,
              pairsPerEpoch: perEpoch,
              ...(alikeClasses
                ? { lookAlikeClasses: alikeClasses, lookAlikeFraction: opts.hardPartnerFraction ?? 0 }
                : {}),
            })
          : planEpoch(train.labels, positives, rng, {
              pairsPerBatch: P,
              pairsPerEpoch: perEpoch,
              ...(hardPartners ? { hardPartners, hardPartnerFraction: opts.hardPartnerFraction ?? 0 } : {}),
            });
      const t0 = Date.now();
      let lossSum = 0;
      let pairsDone = 0;
      let cancelled = false;
      const steps = Math.ceil(batches.length / G);
      for (let s = 0; s < steps; s++) {
        if (opts.signal?.aborted) {
          cancelled = true;
          break;
        }
        const groups = batches.slice(s * G, s * G + G);
        // One group: the epoch's own random stream, as before groups existed (so older runs reproduce); several:
        // a stream per group, so a group draws the same numbers whichever thread computes it.
        const seedOf = (g: number): number =>
          (Math.imul(seed, 1000003) ^ Math.imul(epoch, 9176) ^ Math.imul(s + 1, 7919) ^ Math.imul(g + 1, 104729)) >>> 0;
        const weights = pool ? vars.map((v) => (v.dataSync() as Float32Array).slice()) : [];
        const remote = new Map<number, Promise<GroupResult>>();
        if (pool)
          for (let g = 1; g < groups.length && g <= pool.size; g++)
            remote.set(g, pool.run(g - 1, { weights, group: groups[g]!, seed: seedOf(g) }));
        const results: Array<Promise<GroupResult>> = [];
        let moving: Float32Array[] | undefined;
        for (let g = 0; g < groups.length; g++) {
          const r = remote.get(g);
          if (r) {
            results.push(r);
            continue;
          }
          // BatchNorm's moving statistics follow group 0 only, as they would on a replica that computed just it.
          if (g > 0) moving ??= readMovingStats(net);
          results.push(Promise.resolve(groupGradients(net, stepCtx, groups[g]!, groups.length === 1 ? rng : makeRng(seedOf(g)))));
          if (moving) writeMovingStats(net, moving);
        }
        const done = await Promise.all(results);
        const avg = vars.map((v, i) => {
          const sum = new Float32Array(v.size);
          for (const d of done) {
            const gr = d.grads[i]!;
            for (let k = 0; k < sum.length; k++) sum[k] = sum[k]! + gr[k]!;
          }
          if (done.length > 1) for (let k = 0; k < sum.length; k++) sum[k] = sum[k]! / done.length;
          return sum;
        });
        const named = vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(avg[i]!, v.shape) }));
        optimizer.applyGradients(named);
        for (const t of named) t.tensor.dispose();
        for (const [g, group] of groups.entries()) {
          lossSum += done[g]!.loss;
          pairsDone += 2 * group.positives.length;
          state.pairs += 2 * group.positives.length;
          state.spectra += group.items.length;
        }
        const secs = (Date.now() - t0) / 1000;
        const pps = pairsDone / Math.max(secs, 1e-3);
        opts.onProgress?.({
          phase: 'step',
          epoch,
          maxEpochs,
          step: s + 1,
          steps,
          loss: lossSum / Math.min(batches.length, (s + 1) * G),
          pairsPerSecond: pps,
          etaSeconds: ((maxEpochs - epoch + 1) * 2 * perEpoch - pairsDone) / Math.max(pps, 1e-6),
          learningRate: state.learningRate,
        });
      }
      if (cancelled) {
        stoppedBy = 'cancelled';
        break;
      }
      const v = evaluateValidation(net, val, valSet);
      const seconds = (Date.now() - t0) / 1000;
      const record: EpochRecord = {
        epoch,
        loss: lossSum / Math.max(1, batches.length),
        valLoss: v.loss,
        valAccuracy: v.accuracy,
        valOneShot: v.oneShot,
        learningRate: state.learningRate,
        seconds,
        pairsPerSecond: pairsDone / Math.max(seconds, 1e-3),
      };
      state.history.push(record);
      state.epoch = epoch;
      const improved =
        selectBy === 'val-one-shot' ? v.oneShot > (state.bestValOneShot ?? -Infinity) : v.loss < state.bestValLoss;
      if (improved) {
        state.bestValLoss = v.loss;
        state.bestValOneShot = v.oneShot;
        state.bestEpoch = epoch;
        state.badEpochs = 0;
      } else state.badEpochs++;
      state.wallSeconds = wallBefore + (Date.now() - started) / 1000;
      if (ck) {
        const tmp = join(ck, `last.tmp-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        await saveNetwork(net, tmp);
        await saveOptimizer(optimizer, tmp);
        writeFileSync(join(tmp, 'state.json'), JSON.stringify(state));
        if (improved) {
          const btmp = join(ck, `best.tmp-${process.pid}`);
          rmSync(btmp, { recursive: true, force: true });
          await saveNetwork(net, btmp);
          replaceFolder(btmp, join(ck, 'best'));
        }
        replaceFolder(tmp, join(ck, 'last'));
      } else if (improved) {
        bestInMemory?.encoder.dispose();
        bestInMemory?.headW.dispose();
        bestInMemory?.headB.dispose();
        bestInMemory = await cloneNetwork(net);
      }
      opts.onProgress?.({
        phase: 'epoch',
        epoch,
        maxEpochs,
        step: steps,
        steps,
        loss: record.loss,
        valLoss: v.loss,
        valAccuracy: v.accuracy,
        valOneShot: v.oneShot,
        pairsPerSecond: record.pairsPerSecond,
        etaSeconds: (maxEpochs - epoch) * seconds,
        learningRate: state.learningRate,
      });
      if (state.badEpochs >= patience) {
        stoppedBy = 'early-stopping';
        break;
      }
      vars = varList();
    }
  } finally {
    await pool?.close();
  }
  optimizer.dispose();
  let best: SiameseNetwork;
  if (ck && existsSync(join(ck, 'best', 'head.json'))) {
    disposeNetwork(net);
    best = await loadNetwork(join(ck, 'best'));
  } else if (bestInMemory) {
    disposeNetwork(net);
    best = bestInMemory;
  } else best = net;
  const wall = wallBefore + (Date.now() - started) / 1000;
  return {
    net: best,
    history: state.history,
    bestEpoch: state.bestEpoch,
    stoppedBy,
    wallSeconds: wall,
    pairsPerSecond: state.pairs / Math.max(state.wallSeconds || wall, 1e-3),
    spectraPerSecond: state.spectra / Math.max(state.wallSeconds || wall, 1e-3),
    backend,
  };
}

/** The training inputs in one SharedArrayBuffer, which worker threads read without a copy. */
function sharedInputs(inputs: readonly Float32Array[], points: number): { inputs: SharedArrayBuffer; count: number } {
  const buf = new SharedArrayBuffer(inputs.length * points * 4);
  const all = new Float32Array(buf);
  inputs.forEach((v, i) => all.set(v, i * points));
  return { inputs: buf, count: inputs.length };
}

/** The backend name to force in workers: tfjs reports 'tensorflow' for both native backends. */
function backendNameOf(engineName: string): BackendName {
  return engineName === 'wasm' || engineName === 'cpu' ? engineName : 'tensorflow';
}

async function cloneNetwork(net: SiameseNetwork): Promise<SiameseNetwork> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.encoder.save(
    tf.io.withSaveHandler((a) => {
      artifacts = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  const encoder = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  return { spec: net.spec, encoder, headW: tf.variable(net.headW.clone()), headB: tf.variable(net.headB.clone()) };
}
