import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { inputChannelsOf, networkInput, type ArchitectureSpec } from '../../engine/architecture.js';
import { augmentInput, mixWithinClass, type AugmentOptions } from '../../engine/augment.js';
import { chooseNegatives, planClassEpoch, planEpoch, positivePairs, type Pair } from '../../engine/pairSampling.js';
import { indicesByClass } from '../../engine/protocols.js';
import { makeRng, randomInt } from '../../engine/random.js';
import type { Recipe } from '../../engine/recipes.js';
import { headLogit, sigmoid } from '../../engine/siameseHead.js';
import { SpecmatchError } from '../../errors.js';
import { loadNetwork, replaceFolder, saveNetwork } from './modelStore.js';
import { allPairLogits, buildNetwork, disposeNetwork, embedInputs, headOf, headWeights, pairLogits, selectedPairLogits, type SiameseNetwork } from './siameseNetwork.js';

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
export function recipeOptions(recipe: Recipe, inputPoints: number): Pick<
  SiameseTrainOptions,
  'spec' | 'pairsPerBatch' | 'learningRate' | 'halveEvery' | 'patience' | 'hardNegativeFraction' | 'hardPartnerFraction' | 'augment' | 'batching' | 'selectBy' | 'loss' | 'classMix'
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
  };
}

/**
 * The retrieval term of the improved loss (an N-pair / InfoNCE loss: Sohn 2016, van den Oord et al. 2018): every
 * spectrum of a positive pair must score its partner above every other spectrum of the batch, i.e. the mean over
 * those rows of logsumexp_{j ≠ i} z[i, j] − z[i, partner(i)]. It trains what one-shot identification asks (the
 * right reference ranked first among all) with all B − 2 in-batch negatives at once, while the BCE term keeps
 * sigmoid(z) a probability of "same substance". `logits` is the batch's [B, B] pair-logit matrix.
 */
export function retrievalLoss(logits: tf.Tensor2D, positives: readonly Pair[]): tf.Scalar {
  return tf.tidy(() => {
    const B = logits.shape[0];
    // Each positive pair (a, b) contributes the rows a → b and b → a; a spectrum in several pairs, several rows.
    const partner = new Float32Array(B * B);
    const rowCount = new Float32Array(B);
    const rows = Math.max(1, 2 * positives.length);
    for (const [a, b] of positives) {
      partner[a * B + b]! += 1 / rows;
      partner[b * B + a]! += 1 / rows;
      rowCount[a]! += 1 / rows;
      rowCount[b]! += 1 / rows;
    }
    const self = tf.mul(tf.eye(B), -1e4);
    const lse = tf.logSumExp(tf.add(logits, self), 1);
    return tf.sub<tf.Scalar>(tf.sum(tf.mul(lse, tf.tensor1d(rowCount))), tf.sum(tf.mul(logits, tf.tensor2d(partner, [B, B]))));
  });
}

/** Mean binary cross-entropy of pair logits whose first `positives` entries are positive pairs, the rest negative. */
export function pairBce(z: tf.Tensor1D, positives: number): tf.Scalar {
  return tf.tidy(() => {
    const n = z.shape[0];
    const sign = new Float32Array(n).fill(1);
    sign.fill(-1, 0, positives);
    // softplus(−z) for a positive pair, softplus(z) for a negative one: BCE with logits, computed stably.
    return tf.div<tf.Scalar>(tf.sum(tf.softplus(tf.mul(z, tf.tensor1d(sign)))), Math.max(1, n));
  });
}

function selectedFromDense(logits: tf.Tensor2D, positives: readonly Pair[], negatives: readonly Pair[]): tf.Tensor1D {
  const B = logits.shape[0];
  const idx = [...positives, ...negatives].map(([a, b]) => a * B + b);
  return tf.tidy(() => {
    const pick = new Float32Array(idx.length * B * B);
    idx.forEach((k, i) => (pick[i * B * B + k] = 1));
    return tf.reshape(tf.matMul(tf.tensor2d(pick, [idx.length, B * B]), tf.reshape(logits, [B * B, 1])), [idx.length]);
  });
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
  for (let i = 0; i < nPos && twoClasses; ) {
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

function evaluateValidation(net: SiameseNetwork, val: LabelledInputs, set: ValidationSet): { loss: number; accuracy: number; oneShot: number } {
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

export async function trainSiamese(train: LabelledInputs, val: LabelledInputs, opts: SiameseTrainOptions): Promise<TrainOutcome> {
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
  if (new Set(val.labels).size < 2 || positivePairs(val.labels).length === 0) throw new SpecmatchError('E_PARAM', 'validation needs at least two classes, one of them with two spectra');
  const perEpoch = opts.pairsPerEpoch ?? positives.length;
  const batching = opts.batching ?? 'pairs';
  const selectBy = opts.selectBy ?? 'val-loss';
  const withRetrieval = opts.loss === 'bce+retrieval';
  const classMix = opts.classMix ?? 0;
  const byClass = indicesByClass(train.labels);
  const wantsLookAlikes = (opts.hardPartnerFraction ?? 0) > 0;
  const hardPartners = wantsLookAlikes && batching === 'pairs' ? lookAlikes(train, 8) : undefined;
  const alikeClasses = wantsLookAlikes && batching === 'classes' ? lookAlikeClasses(train, 8) : undefined;
  const valSet = validationSet(val, seed);
  const backend = tf.getBackend();

  let net = buildNetwork(opts.spec, seed);
  const optimizer = tf.train.adam(lr0);
  const state: TrainState = { epoch: 0, history: [], bestValLoss: Infinity, bestEpoch: 0, badEpochs: 0, learningRate: lr0, wallSeconds: 0, pairs: 0, spectra: 0 };
  const ck = opts.checkpointDir;
  if (ck) mkdirSync(ck, { recursive: true });
  if (opts.resume && ck && existsSync(join(ck, 'last', 'state.json'))) {
    disposeNetwork(net);
    net = await loadNetwork(join(ck, 'last'));
    await loadOptimizer(optimizer, join(ck, 'last'));
    Object.assign(state, JSON.parse(readFileSync(join(ck, 'last', 'state.json'), 'utf8')) as TrainState);
  }
  const varList = (): tf.Variable[] => [...net.encoder.trainableWeights.map((w) => w.read() as tf.Variable), net.headW, net.headB];
  let vars = varList();
  const started = Date.now();
  const wallBefore = state.wallSeconds;
  let stoppedBy: TrainOutcome['stoppedBy'] = 'max-epochs';
  let bestInMemory: SiameseNetwork | undefined;

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
            ...(alikeClasses ? { lookAlikeClasses: alikeClasses, lookAlikeFraction: opts.hardPartnerFraction ?? 0 } : {}),
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
    for (let s = 0; s < batches.length; s++) {
      if (opts.signal?.aborted) {
        cancelled = true;
        break;
      }
      const batch = batches[s]!;
      const B = batch.items.length;
      const flat = new Float32Array(B * points * channels);
      const scratch = new Float32Array(points);
      const mixed = new Float32Array(points);
      const row = new Float32Array(points * channels);
      batch.items.forEach((idx, i) => {
        let v = train.inputs[idx]!;
        if (classMix > 0 && rng() < classMix) {
          const members = byClass.get(train.labels[idx]!)!;
          const other = members[randomInt(rng, members.length)]!;
          if (other !== idx) v = mixWithinClass(v, train.inputs[other]!, rng, 0.5, mixed);
        }
        flat.set(networkInput(opts.augment ? augmentInput(v, rng, opts.augment, scratch) : v, channels, row), i * points * channels);
      });
      const labels = batch.items.map((i) => train.labels[i]!);
      const xs = tf.tensor3d(flat, [B, points, channels]);
      const cost = optimizer.minimize(
        () => {
          const emb = net.encoder.apply(xs, { training: true }) as tf.Tensor2D;
          const w = headWeights(net);
          if (withRetrieval) {
            // The retrieval term needs every pair's logit on the tape: the dense B × B path.
            const logits = pairLogits(emb, w, net.headB);
            const negatives = chooseNegatives(labels, logits.dataSync(), batch.positives.length, opts.hardNegativeFraction ?? 0, rng);
            return tf.add<tf.Scalar>(pairBce(selectedFromDense(logits, batch.positives, negatives), batch.positives.length), retrievalLoss(logits, batch.positives));
          }
          // Negatives are chosen on all B² logits computed outside the tape; only the chosen pairs are scored on it.
          const negatives = chooseNegatives(labels, allPairLogits(emb.dataSync() as Float32Array, B, { w: w.dataSync() as Float32Array, b: net.headB.dataSync()[0]! }), batch.positives.length, opts.hardNegativeFraction ?? 0, rng);
          return pairBce(selectedPairLogits(emb, w, net.headB, [...batch.positives, ...negatives]), batch.positives.length);
        },
        true,
        vars,
      );
      xs.dispose();
      lossSum += cost ? cost.dataSync()[0]! : 0;
      cost?.dispose();
      pairsDone += 2 * batch.positives.length;
      state.pairs += 2 * batch.positives.length;
      state.spectra += B;
      const secs = (Date.now() - t0) / 1000;
      const pps = pairsDone / Math.max(secs, 1e-3);
      opts.onProgress?.({
        phase: 'step',
        epoch,
        maxEpochs,
        step: s + 1,
        steps: batches.length,
        loss: lossSum / (s + 1),
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
    const improved = selectBy === 'val-one-shot' ? v.oneShot > (state.bestValOneShot ?? -Infinity) : v.loss < state.bestValLoss;
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
      step: batches.length,
      steps: batches.length,
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
